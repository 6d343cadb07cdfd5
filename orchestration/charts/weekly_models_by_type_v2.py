"""Fig. 4 asked again of the v2 leaderboard: new models per week of their submission, stacked by
model type (the v2 canon, dim_models_v2; v2 has no Hub creation dates)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts import weekly_models_by_type

MART = "weekly_models_by_type_v2"
TITLE = "Fig. 4 on the v2 leaderboard: new models per submission week by model type"
REPORT_POSITION = 21
INTERACTIVITY = weekly_models_by_type.INTERACTIVITY


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    return weekly_models_by_type.build_chart(df, title=TITLE, date_name="submission date")
