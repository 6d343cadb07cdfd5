"""Fig. 2 for the whole Hub, from an HFCommunity dump: the same chart as `repos_per_author`, drawn
from `marts.hub_repos_per_author` (every model repo's human commit authors)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts import repos_per_author

MART = "hub_repos_per_author"
TITLE = "Whole Hub, Fig. 2: Distribution of model repositories per author (HFCommunity)"
REPORT_POSITION = 18


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    return repos_per_author.build_chart(df, title=TITLE)
