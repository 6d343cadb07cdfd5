"""Fig 4: new models per week, stacked by model type."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    HEIGHT,
    MODEL_TYPE_ORDER,
    WIDTH,
    category_order,
    chart_title,
    count_tooltip,
    date_axis,
    date_tooltip,
    model_type_color,
    with_periods,
)
from orchestration.charts.render import Interactivity

MART = "weekly_models_by_type"
TITLE = "Fig. 4: New models per week by model type"
REPORT_POSITION = 4
INTERACTIVITY = Interactivity(category="model_type", time="week_start")


def build_chart(df: pd.DataFrame, *, title: str = TITLE, date_name: str = "creation date") -> alt.TopLevelMixin:
    weeks = with_periods(df, "week_start", "week_end", pd.DateOffset(weeks=1))
    types = category_order(weeks["model_type"], preferred=MODEL_TYPE_ORDER)
    return (
        alt.Chart(weeks, title=chart_title(title, df, date_name), width=WIDTH, height=HEIGHT)
        .mark_bar(orient="vertical", stroke="white", strokeWidth=0.3)
        .encode(
            x=date_axis("week_start", "week (starting Sunday)"),
            x2="week_end:T",
            y=alt.Y("new_models:Q", title="new models", stack="zero"),
            color=model_type_color(types),
            tooltip=[
                date_tooltip("week_start", "week starting"),
                alt.Tooltip("model_type:N", title="model type"),
                count_tooltip("new_models", "new models"),
                alt.Tooltip("share_of_week:Q", title="share of week", format=".1%"),
            ],
        )
    )
