"""Do fine-tunes and chats improve on the base model the v2 leaderboard declares? Mean
improvement per benchmark, by model type, with the share of models that improve: the paper's
question (Figs. 11-12) asked again of the v2 leaderboard."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import HEIGHT, MODEL_TYPE_ORDER, WIDTH, category_order, chart_title, count_tooltip, model_type_color
from orchestration.charts.render import Interactivity

MART = "model_improvements_v2"
TITLE = "Improvement over the declared base model per benchmark and type, v2 leaderboard (cf. Figs. 11-12)"
REPORT_POSITION = 23
INTERACTIVITY = Interactivity(category="model_type")

BENCHMARK_ORDER = ["average", "ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlu_pro"]


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
    bars = alt.Chart(summary, width=WIDTH, height=HEIGHT).mark_bar().encode(
        x=alt.X("benchmark:N", title="benchmark", sort=benchmarks),
        xOffset=alt.XOffset("model_type:N", sort=types),
        y=alt.Y("mean_improvement:Q", title="mean improvement over the base (points)"),
        color=model_type_color(types),
        tooltip=[
            alt.Tooltip("benchmark:N", title="benchmark"),
            alt.Tooltip("model_type:N", title="model type"),
            count_tooltip("models", "models"),
            alt.Tooltip("mean_improvement:Q", title="mean improvement", format="+.2f"),
            alt.Tooltip("share_improved:Q", title="share improved", format=".0%"),
        ],
    )
    zero_line = alt.Chart(alt.InlineData(values=[{}])).mark_rule(color="#555").encode(y=alt.datum(0))
    return alt.layer(bars, zero_line, title=chart_title(TITLE, df))
