"""Fig 9: each architecture group's new models per week against the mean over groups."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.architecture_popularity_change import groups_by_total
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
from orchestration.charts.releases import RELEASES_MART, release_rules
from orchestration.charts.render import Interactivity

MART = "architecture_change_vs_mean"
TITLE = "Fig. 9: New models per architecture against the mean across architectures"
REPORT_POSITION = 10
INTERACTIVITY = Interactivity(category="architecture_group", time="week_start")
CONTEXT_MARTS = (RELEASES_MART,)


def build_chart(
    df: pd.DataFrame, base_model_releases: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    weeks = df.assign(week_start=iso_dates(df["week_start"]))
    groups = groups_by_total(weeks)
    lines = (
        alt.Chart(weeks)
        .mark_line(strokeWidth=1.6, point=alt.OverlayMarkDef(size=8))
        .encode(
            x=date_axis("week_start", "week (starting Sunday)"),
            y=alt.Y("change_vs_mean:Q", title="new models minus the mean across architectures"),
            color=architecture_color(groups),
            tooltip=[
                date_tooltip("week_start", "week starting"),
                alt.Tooltip("architecture_group:N", title="architecture"),
                count_tooltip("new_models", "new models"),
                alt.Tooltip("mean_new_models_across_groups:Q", title="mean across architectures", format=".2f"),
                alt.Tooltip("change_vs_mean:Q", title="vs the mean", format="+.2f"),
            ],
        )
    )
    mean_line = alt.Chart(alt.InlineData(values=[{}])).mark_rule(color="#333", strokeWidth=1).encode(
        y=alt.datum(0)
    )
    return alt.layer(
        lines,
        mean_line,
        *release_rules(base_model_releases, weeks["week_start"]),
        width=WIDTH,
        height=HEIGHT,
        title=chart_title(TITLE, df),
    )
