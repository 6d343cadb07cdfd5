"""Merges and generation depth over time on the v2 leaderboard: per week of submission, the
share of new models that are merges (declared type merge or the merged flag), and the mean and
deepest generation (steps of declared bases from a base model)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import MARK_COLOR, WIDTH, chart_title, count_tooltip, date_axis, date_tooltip, iso_dates

MART = "merge_share_v2"
TITLE = "Merges and generation depth per submission week, v2 leaderboard (beyond the paper; cf. Fig. 4)"
REPORT_POSITION = 24

PANEL_HEIGHT = 170
DEEPEST_COLOR = "#e45756"


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    weeks = df.assign(week_start=iso_dates(df["week_start"]))
    tooltip = [
        date_tooltip("week_start", "week starting"),
        count_tooltip("new_models", "new models"),
        count_tooltip("merge_models", "merges"),
        count_tooltip("merge_type_models", "of type merge"),
        count_tooltip("merged_flag_models", "merged flag"),
        alt.Tooltip("merge_share:Q", title="merge share", format=".0%"),
        alt.Tooltip("mean_generation:Q", title="mean generation", format=".2f"),
        alt.Tooltip("max_generation:Q", title="deepest generation"),
    ]
    base = alt.Chart(weeks, width=WIDTH, height=PANEL_HEIGHT)
    share = base.mark_line(point=True).encode(
        x=date_axis("week_start", "week (starting Sunday)"),
        y=alt.Y("merge_share:Q", title="share of new models that are merges", axis=alt.Axis(format="%")),
        tooltip=tooltip,
    )
    # Two layers, not a fold: a folded empty mart leaves Vega no size to draw.
    mean_depth = base.mark_line(point=True, color=MARK_COLOR).encode(
        x=date_axis("week_start", "week (starting Sunday)"),
        y=alt.Y("mean_generation:Q", title="generation (line: mean, ticks: deepest)"),
        tooltip=tooltip,
    )
    deepest = base.mark_tick(color=DEEPEST_COLOR, thickness=2).encode(
        x=date_axis("week_start", "week (starting Sunday)"), y="max_generation:Q", tooltip=tooltip,
    )
    depth = alt.layer(mean_depth, deepest)
    return alt.vconcat(share, depth, spacing=12, title=chart_title(TITLE, df))
