"""Does the v2 leaderboard's base model agree with the base declared on the model's Hub card (the
paper's repo details)? Models with both, by model type: those that agree and those that do not."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import MODEL_TYPE_ORDER, WIDTH, category_order, chart_title, count_tooltip

MART = "base_model_lineage_agreement_v2"
TITLE = "Base model on the v2 leaderboard vs on the Hub card, by model type (beyond the paper; cf. Fig. 11)"
REPORT_POSITION = 25

ROW_HEIGHT = 30
AGREEMENT_LABELS = {True: "agree", False: "disagree"}
AGREEMENT_COLORS = ["#54a24b", "#e45756"]


def per_type(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (model type, agreement): how many models."""
    counted = df.assign(agreement=df["agrees"].map(AGREEMENT_LABELS)).groupby(["model_type", "agreement"])
    return counted.size().rename("models").reset_index()


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    counts = per_type(df)
    types = category_order(counts["model_type"], preferred=MODEL_TYPE_ORDER)
    labels = list(AGREEMENT_LABELS.values())
    return alt.Chart(counts, width=WIDTH, height=ROW_HEIGHT * max(len(types), 1), title=chart_title(TITLE, df)).mark_bar().encode(
        x=alt.X("models:Q", title="models with both bases", stack="zero"),
        y=alt.Y("model_type:N", title="model type", sort=types),
        color=alt.Color("agreement:N", title="bases", sort=labels, scale=alt.Scale(domain=labels, range=AGREEMENT_COLORS)),
        tooltip=[
            alt.Tooltip("model_type:N", title="model type"),
            alt.Tooltip("agreement:N", title="bases"),
            count_tooltip("models", "models"),
        ],
    )
