"""Do fine-tunes and chats improve on the base model the v2 leaderboard declares? Mean
improvement per benchmark and model type, with how many models and the share that improve: the
paper's question (Figs. 11-12) asked again of the v2 leaderboard."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import MODEL_TYPE_ORDER, WIDTH, category_order, chart_title, count_tooltip

MART = "model_improvements_v2"
TITLE = "Improvement over the declared base model per benchmark and type, v2 leaderboard (cf. Figs. 11-12)"
REPORT_POSITION = 23

BENCHMARK_ORDER = ["average", "ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlu_pro"]
ROW_HEIGHT = 60


def per_benchmark_and_type(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (benchmark, model type): models, mean improvement, share improved."""
    grouped = df.assign(improved=df["improvement"] > 0).groupby(["benchmark", "model_type"])
    return grouped.agg(
        models=("model_id", "size"), mean_improvement=("improvement", "mean"), share_improved=("improved", "mean"),
    ).reset_index()


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    summary = per_benchmark_and_type(df)
    types = category_order(summary["model_type"], preferred=MODEL_TYPE_ORDER)
    benchmarks = category_order(summary["benchmark"], preferred=BENCHMARK_ORDER)
    cells = alt.Chart(summary, width=WIDTH, height=ROW_HEIGHT * max(len(types), 1)).encode(
        x=alt.X("benchmark:N", title="benchmark", sort=benchmarks),
        y=alt.Y("model_type:N", title="model type", sort=types),
        tooltip=[
            alt.Tooltip("benchmark:N", title="benchmark"),
            alt.Tooltip("model_type:N", title="model type"),
            count_tooltip("models", "models"),
            alt.Tooltip("mean_improvement:Q", title="mean improvement", format="+.2f"),
            alt.Tooltip("share_improved:Q", title="share improved", format=".0%"),
        ],
    )
    heat = cells.mark_rect().encode(
        color=alt.Color("mean_improvement:Q", title="mean improvement (points)",
                        scale=alt.Scale(scheme="redyellowgreen", domainMid=0)),
    )
    labels = cells.mark_text(fontSize=11).encode(text=alt.Text("mean_improvement:Q", format="+.2f"))
    return alt.layer(heat, labels, title=chart_title(TITLE, df))
