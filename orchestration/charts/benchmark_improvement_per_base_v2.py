"""Mean improvement on the v2 Average over each base model the v2 leaderboard declares, for the
most used bases: the paper's improvement rule asked again of the v2 leaderboard."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts import benchmark_improvement_per_base

MART = "benchmark_improvement_per_base_v2"
TITLE = "Mean improvement over the declared base model (v2 Average), top 20 bases, v2 leaderboard (cf. Figs. 11-12)"
REPORT_POSITION = 22


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    return benchmark_improvement_per_base.build_chart(df, title=TITLE)
