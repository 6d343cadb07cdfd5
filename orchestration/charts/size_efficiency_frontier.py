"""Beyond the paper: the best Average reached so far in each parameter-size class, month by
month (the frontier), with the base-model release dates marked."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    HEIGHT,
    WIDTH,
    count_tooltip,
    date_axis,
    date_tooltip,
    iso_dates,
)
from orchestration.charts.releases import RELEASES_MART, release_rules
from orchestration.charts.render import Interactivity

MART = "size_efficiency_frontier"
TITLE = "Best Average reached so far per parameter-size class (beyond the paper; cf. Fig. 10)"
REPORT_POSITION = 15
INTERACTIVITY = Interactivity(time="month_start")
CONTEXT_MARTS = (RELEASES_MART,)

# Small to large: light to dark.
SIZE_SCHEME = "viridis"


def classes_in_order(df: pd.DataFrame) -> list[str]:
    order = df[["size_class", "class_order"]].drop_duplicates()
    return order.sort_values(["class_order", "size_class"], kind="stable")["size_class"].tolist()


def build_chart(
    df: pd.DataFrame, base_model_releases: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    months = df.assign(month_start=iso_dates(df["month_start"]))
    classes = classes_in_order(months)
    color = alt.Color(
        "size_class:N",
        title="parameters",
        sort=classes,
        scale=alt.Scale(domain=classes, scheme=SIZE_SCHEME, reverse=True),
    )
    tooltip = [
        alt.Tooltip("size_class:N", title="parameters"),
        date_tooltip("month_start", "month", time_unit="utcyearmonth"),
        count_tooltip("new_models", "new models this month"),
        alt.Tooltip("best_average_in_month:Q", title="best Average this month", format=".2f"),
        alt.Tooltip("best_model_in_month:N", title="best model this month"),
        alt.Tooltip("frontier_average:Q", title="best Average so far", format=".2f"),
        alt.Tooltip("frontier_model_id:N", title="held by"),
    ]
    base = alt.Chart(months).encode(
        x=date_axis("month_start", "month of creation"), color=color, tooltip=tooltip
    )
    frontier = base.mark_line(interpolate="step-after", strokeWidth=2.2).encode(
        y=alt.Y("frontier_average:Q", title="best Average so far", scale=alt.Scale(zero=False))
    )
    records = base.transform_filter(alt.datum.sets_record).mark_point(
        filled=True, size=40, opacity=1
    ).encode(y="frontier_average:Q")
    return alt.layer(
        frontier,
        records,
        *release_rules(base_model_releases, months["month_start"]),
        width=WIDTH,
        height=HEIGHT,
        title=alt.TitleParams(TITLE, subtitle="Dots: months that raised the best of their class"),
    )
