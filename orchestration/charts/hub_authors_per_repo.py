"""Fig. 3 for the whole Hub, from an HFCommunity dump: the same chart as `authors_per_repo`, drawn
from `marts.hub_authors_per_repo` (every model repo's human commit authors)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts import authors_per_repo

MART = "hub_authors_per_repo"
TITLE = "Whole Hub, Fig. 3: Distribution of authors per model repository (HFCommunity)"
REPORT_POSITION = 19


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    return authors_per_repo.build_chart(df, title=TITLE)
