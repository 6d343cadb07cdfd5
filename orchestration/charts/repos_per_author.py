"""Fig 2: how many repositories each commit author worked on (authors counted per value)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import chart_title, count_distribution_chart

MART = "repos_per_author"
TITLE = "Fig. 2: Distribution of repositories per author"
REPORT_POSITION = 2


def build_chart(df: pd.DataFrame, *, title: str = TITLE) -> alt.TopLevelMixin:
    return count_distribution_chart(
        df["repos"],
        value_field="repos",
        value_title="repositories per author",
        count_field="n_authors",
        count_title="authors",
        title=chart_title(title, df),
        log_values=True,
    )
