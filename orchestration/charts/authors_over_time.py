"""Fig 1: new authors per month (bars) and the running total of authors (line)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    HEIGHT,
    WIDTH,
    chart_title,
    count_tooltip,
    date_axis,
    date_tooltip,
    with_periods,
)
from orchestration.charts.render import Interactivity

MART = "authors_over_time"
TITLE = "Fig. 1: New authors per month and total authors over time"
REPORT_POSITION = 1
INTERACTIVITY = Interactivity(time="month_start")

NEW_COLOR = "#4c78a8"
TOTAL_COLOR = "#f58518"


def build_chart(df: pd.DataFrame, *, title: str = TITLE) -> alt.TopLevelMixin:
    months = with_periods(df, "month_start", "month_end", pd.DateOffset(months=1))
    tooltip = [
        date_tooltip("month_start", "month", time_unit="utcyearmonth"),
        count_tooltip("new_authors", "new authors"),
        count_tooltip("total_authors", "total authors"),
    ]
    base = alt.Chart(months).encode(x=date_axis("month_start", "month"), tooltip=tooltip)
    new_authors = base.mark_bar(
        orient="vertical", color=NEW_COLOR, stroke="white", strokeWidth=0.5
    ).encode(
        x2="month_end:T",
        y=alt.Y(
            "new_authors:Q",
            title="new authors per month",
            axis=alt.Axis(titleColor=NEW_COLOR),
        ),
    )
    total_authors = base.mark_line(
        color=TOTAL_COLOR, strokeWidth=2.5, point=alt.OverlayMarkDef(color=TOTAL_COLOR, size=20)
    ).encode(
        y=alt.Y(
            "total_authors:Q",
            title="total authors",
            axis=alt.Axis(titleColor=TOTAL_COLOR, orient="right"),
        ),
    )
    return alt.layer(
        new_authors, total_authors, title=chart_title(title, df), width=WIDTH, height=HEIGHT
    ).resolve_scale(y="independent")
