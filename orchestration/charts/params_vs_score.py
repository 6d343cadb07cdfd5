"""Fig 10: parameter size. Models per whole-billion size by architecture, each architecture's
share of a size, and the best Average per size with when it was reached."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.architecture_popularity_change import groups_by_total
from orchestration.charts.common import (
    WIDTH,
    architecture_color,
    count_tooltip,
    date_tooltip,
    iso_dates,
)
from orchestration.charts.render import Interactivity

MART = "params_vs_score"
TITLE = "Fig. 10: Parameter size: models by architecture, architecture share, best Average per size"
REPORT_POSITION = 11
INTERACTIVITY = Interactivity(category="architecture_group")

PANEL_HEIGHT = 170
UNDATED_COLOR = "#c7c7c7"


def size_scale(bins: pd.Series) -> alt.Scale:
    """One x scale for every panel: symlog (sizes run from under 1B to hundreds of billions;
    symlog keeps 0-14B readable and the largest in view), from the first bar to the last."""
    largest = float(bins.max()) if len(bins) else 1.0
    return alt.Scale(type="symlog", constant=4, nice=False, padding=0, domain=[-0.5, largest + 0.5])


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    cells = df.assign(
        best_reached_at=iso_dates(df["best_reached_at"]),
        bin_start=df["params_bin"] - 0.5,
        bin_end=df["params_bin"] + 0.5,
    )
    groups = groups_by_total(cells.rename(columns={"n_models": "new_models"}))
    size_ticks = [0, 1, 3, 7, 13, 34, 70, 180]
    size_axis = alt.Axis(values=size_ticks, format="d", labelOverlap=True)
    scale = size_scale(cells["params_bin"])
    color = architecture_color(groups)
    tooltip = [
        alt.Tooltip("params_bin:Q", title="parameters (B, rounded)"),
        alt.Tooltip("architecture_group:N", title="architecture"),
        count_tooltip("n_models", "models"),
        alt.Tooltip("share_of_bin:Q", title="share of this size", format=".0%"),
        alt.Tooltip("best_average:Q", title="best Average", format=".2f"),
        alt.Tooltip("best_model_id:N", title="best model"),
        date_tooltip("best_reached_at", "best reached"),
    ]
    base = alt.Chart(cells).encode(tooltip=tooltip)
    x_bins = alt.X("bin_start:Q", title=None, scale=scale, axis=size_axis)
    histogram = base.mark_bar(orient="vertical").encode(
        x=x_bins,
        x2="bin_end:Q",
        y=alt.Y("n_models:Q", title="models", stack="zero"),
        color=color,
    )
    shares = base.mark_bar(orient="vertical").encode(
        x=x_bins,
        x2="bin_end:Q",
        y=alt.Y("n_models:Q", title="share of the size", stack="normalize", axis=alt.Axis(format="%")),
        color=color,
    )
    # The best cell of each size: the highest best Average over architectures (ties: earlier).
    best = base.transform_window(
        rank="row_number()",
        groupby=["params_bin"],
        sort=[alt.SortField("best_average", order="descending"), alt.SortField("best_reached_at")],
    ).transform_filter(alt.datum.rank == 1)
    best_x = alt.X(
        "params_bin:Q",
        title="parameters (billions, rounded; symlog scale)",
        scale=scale,
        axis=size_axis,
    )
    best_y = alt.Y("best_average:Q", title="best Average", scale=alt.Scale(zero=False))
    point = {"filled": True, "size": 60, "opacity": 0.9, "stroke": "#333", "strokeWidth": 0.5}
    dated = best.transform_filter("isValid(datum.best_reached_at)").mark_point(**point).encode(
        x=best_x,
        y=best_y,
        fill=alt.Fill(
            "best_reached_at:T",
            title="best reached",
            timeUnit="utcyearmonth",
            scale=alt.Scale(type="utc", scheme="viridis"),
            legend=alt.Legend(format="%b %Y"),
        ),
    )
    # A best model without a creation date is drawn grey, not dropped.
    undated = best.transform_filter("!isValid(datum.best_reached_at)").mark_point(
        **point, fill=UNDATED_COLOR
    ).encode(x=best_x, y=best_y)
    panels = [
        histogram.properties(width=WIDTH, height=PANEL_HEIGHT),
        shares.properties(width=WIDTH, height=PANEL_HEIGHT),
        alt.layer(dated, undated, width=WIDTH, height=PANEL_HEIGHT),
    ]
    title = alt.TitleParams(
        TITLE, subtitle="Bottom: the best model of each size, grey where it has no creation date"
    )
    return alt.vconcat(*panels, spacing=10, title=title).resolve_scale(
        color="shared", fill="independent"
    )
