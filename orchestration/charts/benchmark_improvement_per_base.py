"""Mean improvement on the leaderboard Average over each base model, for the most used bases.

Not one of the paper's figures: it summarises the fine-tuning improvements behind Figs 11 and 12.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import HEIGHT, WIDTH, chart_title, count_tooltip

MART = "benchmark_improvement_per_base"
TITLE = (
    "Mean improvement over the base model (Average), top 20 bases "
    "(no paper figure; cf. Figs. 11-12)"
)
REPORT_POSITION = 6

BENCHMARK = "average"
TOP_BASES = 20
COUNT_PANEL_WIDTH = 160
IMPROVED_COLOR = "#54a24b"
WORSENED_COLOR = "#e45756"


def top_bases(df: pd.DataFrame) -> pd.DataFrame:
    """The BENCHMARK rows of the TOP_BASES bases with the most models (ties by base_model_id)."""
    rows = df[df["benchmark"] == BENCHMARK]
    return rows.sort_values(
        ["n_models", "base_model_id"], ascending=[False, True], kind="stable"
    ).head(TOP_BASES)


def build_chart(df: pd.DataFrame, *, title: str = TITLE) -> alt.TopLevelMixin:
    bases = top_bases(df)
    base_axis = alt.Y("base_model_id:N", title="base model", sort=bases["base_model_id"].tolist())
    tooltip = [
        alt.Tooltip("base_model_id:N", title="base model"),
        count_tooltip("n_models", "models on this base"),
        alt.Tooltip("mean_improvement:Q", title="mean improvement", format="+.2f"),
        alt.Tooltip("median_improvement:Q", title="median improvement", format="+.2f"),
        alt.Tooltip("max_improvement:Q", title="max improvement", format="+.2f"),
        alt.Tooltip("share_improved:Q", title="share improved", format=".0%"),
    ]
    base = alt.Chart(bases).encode(y=base_axis, tooltip=tooltip)
    improvement = base.mark_bar().encode(
        x=alt.X("mean_improvement:Q", title="mean improvement of the Average (points)"),
        color=alt.when(alt.datum.mean_improvement >= 0)
        .then(alt.value(IMPROVED_COLOR))
        .otherwise(alt.value(WORSENED_COLOR)),
    )
    zero_line = alt.Chart(alt.InlineData(values=[{}])).mark_rule(color="#555").encode(
        x=alt.datum(0)
    )
    models = base.mark_bar(color="#9d9d9d").encode(
        x=alt.X("n_models:Q", title="models", axis=alt.Axis(tickMinStep=1, format="d")),
        y=base_axis.axis(None),
    )
    models_labels = models.mark_text(align="left", dx=3, fontSize=10).encode(text="n_models:Q")
    return alt.hconcat(
        alt.layer(improvement, zero_line, width=WIDTH - COUNT_PANEL_WIDTH, height=HEIGHT),
        alt.layer(models, models_labels, width=COUNT_PANEL_WIDTH, height=HEIGHT),
        spacing=8,
        title=chart_title(title, df),
    )
