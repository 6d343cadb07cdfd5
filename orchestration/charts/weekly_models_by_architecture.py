"""Fig 5: cumulative number of models per architecture group, week by week."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    HEIGHT,
    WIDTH,
    architecture_color,
    chart_title,
    count_tooltip,
    date_axis,
    date_tooltip,
    iso_dates,
)
from orchestration.charts.render import Interactivity

MART = "weekly_models_by_architecture"
TITLE = "Fig. 5: Cumulative models per architecture over time"
REPORT_POSITION = 5
INTERACTIVITY = Interactivity(category="architecture_group", time="week_start")

def largest_groups_first(df: pd.DataFrame) -> list[str]:
    """Architecture groups by their final cumulative count, largest first (legend = line order)."""
    final_counts = df.groupby("architecture_group")["cumulative_models"].max()
    return final_counts.sort_values(ascending=False, kind="stable").index.tolist()


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    weeks = df.assign(week_start=iso_dates(df["week_start"]))
    groups = largest_groups_first(weeks)
    return (
        alt.Chart(weeks, title=chart_title(TITLE, df), width=WIDTH, height=HEIGHT)
        .mark_line(interpolate="step-after", strokeWidth=2, point=alt.OverlayMarkDef(size=10))
        .encode(
            x=date_axis("week_start", "week (starting Sunday)"),
            y=alt.Y("cumulative_models:Q", title="cumulative models"),
            color=architecture_color(groups),
            tooltip=[
                date_tooltip("week_start", "week starting"),
                alt.Tooltip("architecture_group:N", title="architecture"),
                count_tooltip("new_models", "new models"),
                count_tooltip("cumulative_models", "cumulative models"),
            ],
        )
    )
