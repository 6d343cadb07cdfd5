"""Fig 8: week-over-week change in new models, one row of bars per architecture group."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import WIDTH, chart_title, count_tooltip, date_axis, date_tooltip, with_periods

MART = "architecture_popularity_change"
TITLE = "Fig. 8: Week-over-week change in new models per architecture"
REPORT_POSITION = 9

ROW_HEIGHT = 42
GROWTH_COLOR = "#54a24b"
DECLINE_COLOR = "#e45756"


def groups_by_total(df: pd.DataFrame) -> list[str]:
    """Architecture groups by their total new models, largest first (ties by name)."""
    totals = df.groupby("architecture_group")["new_models"].sum().reset_index()
    totals = totals.sort_values(["new_models", "architecture_group"], ascending=[False, True], kind="stable")
    return totals["architecture_group"].tolist()


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    weeks = with_periods(df, "week_start", "week_end", pd.DateOffset(weeks=1))
    groups = groups_by_total(weeks)
    bars = (
        alt.Chart(weeks, width=WIDTH, height=ROW_HEIGHT)
        .mark_bar(orient="vertical")
        .encode(
            x=date_axis("week_start", "week (starting Sunday)"),
            x2="week_end:T",
            y=alt.Y(
                "change_vs_previous_week:Q",
                title=None,
                axis=alt.Axis(tickCount=3, grid=False),
            ),
            color=alt.when(alt.datum.change_vs_previous_week >= 0)
            .then(alt.value(GROWTH_COLOR))
            .otherwise(alt.value(DECLINE_COLOR)),
            tooltip=[
                date_tooltip("week_start", "week starting"),
                alt.Tooltip("architecture_group:N", title="architecture"),
                count_tooltip("new_models", "new models"),
                alt.Tooltip("change_vs_previous_week:Q", title="change vs previous week", format="+,"),
            ],
        )
    )
    return bars.facet(
        row=alt.Row(
            "architecture_group:N",
            sort=groups,
            title="change in new models vs the previous week, per architecture (own scale per row)",
            header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=11),
        ),
        spacing=6,
        title=chart_title(TITLE, df),
    ).resolve_scale(y="independent")
