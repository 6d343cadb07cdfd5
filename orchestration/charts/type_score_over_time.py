"""Fig 7: the Average of new models week by week per model type, and the running count per type,
with the release dates of the base models marked."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    MODEL_TYPE_ORDER,
    WIDTH,
    category_order,
    chart_title,
    count_tooltip,
    date_axis,
    date_tooltip,
    iso_dates,
    model_type_color,
)
from orchestration.charts.releases import RELEASES_MART, release_rules
from orchestration.charts.render import Interactivity

MART = "type_score_over_time"
TITLE = "Fig. 7: Average score of new models over time by model type, and models per type"
REPORT_POSITION = 8
INTERACTIVITY = Interactivity(category="model_type")
CONTEXT_MARTS = (RELEASES_MART,)

PANEL_HEIGHT = 230


def build_chart(
    df: pd.DataFrame, base_model_releases: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    weeks = df.assign(week_start=iso_dates(df["week_start"]))
    types = category_order(weeks["model_type"], preferred=MODEL_TYPE_ORDER)
    color = model_type_color(types)
    tooltip = [
        date_tooltip("week_start", "week starting"),
        alt.Tooltip("model_type:N", title="model type"),
        count_tooltip("new_models", "new models"),
        alt.Tooltip("mean_average:Q", title="mean Average", format=".2f"),
        alt.Tooltip("max_average:Q", title="best Average of the week", format=".2f"),
        alt.Tooltip("best_average_so_far:Q", title="best Average so far", format=".2f"),
        count_tooltip("cumulative_models", "models so far"),
    ]
    base = alt.Chart(weeks).encode(
        x=date_axis("week_start", "week (starting Sunday)"), color=color, tooltip=tooltip
    )
    scores = base.mark_line(strokeWidth=1.5, opacity=0.85, point=alt.OverlayMarkDef(size=12)).encode(
        y=alt.Y("mean_average:Q", title="mean Average of new models", scale=alt.Scale(zero=False))
    )
    counts = base.mark_line(interpolate="step-after", strokeWidth=2).encode(
        y=alt.Y("cumulative_models:Q", title="models so far (cumulative)")
    )
    top = alt.layer(
        scores, *release_rules(base_model_releases, weeks["week_start"]),
        width=WIDTH, height=PANEL_HEIGHT,
    )
    bottom = alt.layer(
        counts, *release_rules(base_model_releases, weeks["week_start"], labels=False),
        width=WIDTH, height=PANEL_HEIGHT,
    )
    return alt.vconcat(top, bottom, spacing=12, title=chart_title(TITLE, df))
