"""Fig 3: how many human commit authors each model repository has (repos counted per value)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import chart_title, count_distribution_chart

MART = "authors_per_repo"
TITLE = "Fig. 3: Distribution of authors per repository"
REPORT_POSITION = 3


def build_chart(df: pd.DataFrame, *, title: str = TITLE) -> alt.TopLevelMixin:
    return count_distribution_chart(
        df["authors"],
        value_field="authors",
        value_title="authors per repository",
        count_field="n_repos",
        count_title="repositories",
        title=chart_title(title, df),
    )
