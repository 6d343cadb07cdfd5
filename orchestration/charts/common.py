"""What the figure modules share: size, date handling, model-type colours, the distribution chart.

Dates reach Vega-Lite as `YYYY-MM-DD` strings, which JavaScript parses as UTC midnight, and every
time scale and tooltip below is UTC: a week that starts on Sunday 2024-01-07 reads as that Sunday
in every browser, whatever its time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import altair as alt
import pandas as pd

WIDTH = 720
HEIGHT = 360

MODEL_TYPE_ORDER = (
    "pretrained",
    "continuously_pretrained",
    "fine_tuned",
    "chat",
    "merge",
    "unknown",
)

UTC_SCALE = alt.Scale(type="utc")

LOG_BASELINE = 0.5
MARK_COLOR = "#4c78a8"


# Vega's tableau10 without its grey: greys are for the catch-all architecture groups.
NAMED_GROUP_COLORS = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
)
CATCH_ALL_COLORS = {"Other": "#7f7f7f", "Unknown": "#bab0ac"}

UNDATED_COLUMN = "undated_models_left_out"
# ... and how many of those the Hub dates only at its created_at floor (docs/sources.md).
CENSORED_COLUMN = "censored_models_left_out"
"""Marts of models over time may say how many models had no created_at (METHOD.md)."""


def chart_title(title: str, mart: pd.DataFrame, date_name: str = "creation date") -> alt.TitleParams:
    """The title; when the mart counts models left out for want of a date (`date_name`), a
    subtitle says so."""
    if UNDATED_COLUMN in mart.columns and len(mart):
        left_out = int(mart[UNDATED_COLUMN].max())
        censored = int(mart[CENSORED_COLUMN].max()) if CENSORED_COLUMN in mart.columns else 0
        if left_out:
            why = f" ({censored:,} dated only at the Hub's 2022-03-02 floor)" if censored else ""
            return alt.TitleParams(title, subtitle=f"{left_out:,} models without a {date_name} are left out{why}")
    return alt.TitleParams(title)


def iso_dates(dates: pd.Series) -> pd.Series:
    """Dates (datetime64 of any unit, python dates or strings) as `YYYY-MM-DD` strings."""
    return pd.to_datetime(dates).dt.strftime("%Y-%m-%d")


def with_periods(df: pd.DataFrame, start: str, end: str, period: pd.DateOffset) -> pd.DataFrame:
    """A copy of `df` with `start` as an ISO date and `end` = start + period (bars span periods)."""
    starts = pd.to_datetime(df[start])
    out = df.copy()
    out[start] = iso_dates(starts)
    out[end] = iso_dates(starts + period)
    return out


def date_axis(field: str, title: str, label_format: str = "%b %Y") -> alt.X:
    axis = alt.Axis(format=label_format, labelOverlap=True, labelSeparation=8)
    return alt.X(f"{field}:T", title=title, scale=UTC_SCALE, axis=axis)


def date_tooltip(field: str, title: str, time_unit: str = "utcyearmonthdate") -> alt.Tooltip:
    return alt.Tooltip(f"{field}:T", title=title, timeUnit=time_unit)


def count_tooltip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:Q", title=title, format=",")


def category_order(present: Iterable[str], preferred: Iterable[str] = ()) -> list[str]:
    """The preferred categories first (all of them, so colours never shift), then any others."""
    order = list(preferred)
    order += sorted({value for value in present if value not in order})
    return order


def group_colors(groups: list[str]) -> list[str]:
    """One colour per group, in order: greys for the catch-all groups, the palette for the rest."""
    named = itertools.cycle(NAMED_GROUP_COLORS)
    return [CATCH_ALL_COLORS.get(group) or next(named) for group in groups]


def model_type_color(types: list[str]) -> alt.Color:
    """The colour encoding every figure by model type shares, so a type keeps its colour."""
    return alt.Color(
        "model_type:N", title="model type", sort=types, scale=alt.Scale(domain=types, scheme="tableau10")
    )


def architecture_color(groups: list[str]) -> alt.Color:
    """The colour encoding every figure by architecture group shares."""
    return alt.Color(
        "architecture_group:N",
        title="architecture",
        sort=groups,
        scale=alt.Scale(domain=groups, range=group_colors(groups)),
    )


def count_distribution_chart(
    values: pd.Series,
    *,
    value_field: str,
    value_title: str,
    count_field: str,
    count_title: str,
    title: alt.TitleParams,
    log_values: bool = False,
) -> alt.Chart:
    """How many items have each value (e.g. how many authors have 3 repos), counts on a log scale.

    The mart has one row per item; it is counted here so the chart embeds one row per value.
    Each value is a bar from value - 0.5 to value + 0.5, rising from LOG_BASELINE (a log scale
    has no zero) so that a count of 1 still shows as a bar. With `log_values` (long tails) the
    values are on a log scale too, and drawn as dots: bars of unequal width would mislead.
    """
    counts = (
        pd.to_numeric(values)
        .astype("int64")
        .value_counts()
        .sort_index()
        .rename_axis(value_field)
        .reset_index(name=count_field)
    )
    largest_value = int(counts[value_field].max()) if len(counts) else 1
    largest_count = int(counts[count_field].max()) if len(counts) else 1
    chart = alt.Chart(counts, title=title, width=WIDTH, height=HEIGHT).encode(
        y=alt.Y(
            f"{count_field}:Q",
            title=f"{count_title} (log scale)",
            # Headroom above the largest count; no `nice`, which would take the bottom to 0.1.
            scale=alt.Scale(type="log", domain=[LOG_BASELINE, largest_count * 1.5], nice=False),
        ),
        tooltip=[
            count_tooltip(value_field, value_title),
            count_tooltip(count_field, count_title),
        ],
    )
    value_axis = alt.Axis(tickMinStep=1, format="d")
    if log_values:
        return chart.mark_circle(size=40, opacity=0.8, color=MARK_COLOR).encode(
            x=alt.X(
                f"{value_field}:Q",
                title=f"{value_title} (log scale)",
                scale=alt.Scale(type="log", domain=[0.8, largest_value * 1.25], nice=False),
                axis=value_axis,
            ),
        )
    return chart.mark_bar(orient="vertical", color=MARK_COLOR).encode(
        x=alt.X(
            "bar_start:Q", title=value_title, scale=alt.Scale(domainMin=0.5), axis=value_axis
        ),
        x2="bar_end:Q",
        y2=alt.datum(LOG_BASELINE),
    ).transform_calculate(
        bar_start=f"datum.{value_field} - 0.5", bar_end=f"datum.{value_field} + 0.5"
    )
