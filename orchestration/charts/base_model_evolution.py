"""Fig 11: evolution of the popular base-model families. Each family's new running maxima of
the Average over calendar time (release dates marked) and as improvement over the family's
first model against days since its release; merges removed."""

from __future__ import annotations

import itertools

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    NAMED_GROUP_COLORS,
    WIDTH,
    chart_title,
    date_axis,
    date_tooltip,
    iso_dates,
)
from orchestration.charts.releases import RELEASES_MART, release_rules

MART = "base_model_evolution"
TITLE = "Fig. 11: Evolution of base-model families (new best models only, merges removed)"
REPORT_POSITION = 12
CONTEXT_MARTS = (RELEASES_MART,)

PANEL_HEIGHT = 240
EXTRA_COLORS = ("#79706e", "#d67195")


def families_in_order(df: pd.DataFrame) -> list[str]:
    """Families in the seed's priority order (ties by name)."""
    order = df[["family", "family_priority"]].drop_duplicates()
    return order.sort_values(["family_priority", "family"], kind="stable")["family"].tolist()


def build_chart(
    df: pd.DataFrame, base_model_releases: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    records = df.assign(created_at=iso_dates(df["created_at"]))
    families = families_in_order(records)
    palette = list(itertools.islice(itertools.cycle(NAMED_GROUP_COLORS + EXTRA_COLORS), len(families)))
    color = alt.Color(
        "family:N", title="family", sort=families, scale=alt.Scale(domain=families, range=palette)
    )
    tooltip = [
        alt.Tooltip("family:N", title="family"),
        alt.Tooltip("model_id:N", title="model"),
        alt.Tooltip("model_type:N", title="model type"),
        date_tooltip("created_at", "created"),
        alt.Tooltip("days_since_release:Q", title="days since the family's first model", format=".0f"),
        alt.Tooltip("average:Q", title="Average", format=".2f"),
        alt.Tooltip("improvement_over_first:Q", title="improvement over the first", format="+.2f"),
    ]
    base = alt.Chart(records).encode(color=color, tooltip=tooltip)
    steps = {"interpolate": "step-after", "strokeWidth": 2, "point": alt.OverlayMarkDef(size=30)}
    over_time = base.mark_line(**steps).encode(
        x=date_axis("created_at", "model created"),
        y=alt.Y("average:Q", title="best Average in the family", scale=alt.Scale(zero=False)),
    )
    since_release = base.mark_line(**steps).encode(
        x=alt.X("days_since_release:Q", title="days since the family's first model"),
        y=alt.Y("improvement_over_first:Q", title="improvement over the first model (Average)"),
    )
    top = alt.layer(
        over_time,
        *release_rules(base_model_releases, records["created_at"]),
        width=WIDTH,
        height=PANEL_HEIGHT,
    )
    bottom = since_release.properties(width=WIDTH, height=PANEL_HEIGHT)
    return alt.vconcat(top, bottom, spacing=14, title=chart_title(TITLE, df))
