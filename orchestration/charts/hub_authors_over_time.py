"""Fig. 1 for the whole Hub, from an HFCommunity dump: the same chart as `authors_over_time`, drawn
from `marts.hub_authors_over_time` (every model repo's human commit authors)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts import authors_over_time

MART = "hub_authors_over_time"
TITLE = "Whole Hub, Fig. 1: New model-repo authors per month and total authors (HFCommunity)"
REPORT_POSITION = 17
INTERACTIVITY = authors_over_time.INTERACTIVITY


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    return authors_over_time.build_chart(df, title=TITLE)
