"""Labelled rules at the release dates of the base models, for the time-axis figures.

The dates are the dbt seed `base_model_release_dates`, published as `marts.base_model_releases`.
A chart module that marks them lists that mart in `CONTEXT_MARTS`; its figure asset then reads
it from the published warehouse beside the figure's own mart and passes it to
`build_chart(df, base_model_releases=...)`. Without it (None), the chart has no rules.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import UTC_SCALE, iso_dates

RELEASES_MART = "base_model_releases"
RULE_COLOR = "#7a7a7a"
LABEL_FONT_SIZE = 9


def releases_within(releases: pd.DataFrame | None, dates: pd.Series) -> pd.DataFrame:
    """The releases dated within the span of `dates` (any date dtype), as ISO-date strings.

    Releases outside the data's span are left out, so that the rules never stretch the axis.
    """
    columns = ["base_model", "release_date"]
    known = pd.to_datetime(pd.Series(dates), utc=True).dropna()
    if releases is None or not len(releases) or known.empty:
        return pd.DataFrame({column: pd.Series(dtype="str") for column in columns})
    released = pd.to_datetime(releases["release_date"], utc=True)
    first, last = known.min().normalize(), known.max()
    inside = releases.loc[(released >= first) & (released <= last), columns].copy()
    inside["release_date"] = iso_dates(pd.to_datetime(inside["release_date"]))
    inside["base_model"] = inside["base_model"].astype("str")
    return inside.sort_values("release_date", kind="stable").reset_index(drop=True)


def release_rules(
    releases: pd.DataFrame | None, dates: pd.Series, *, labels: bool = True
) -> list[alt.Chart]:
    """Layers for a time-axis chart: a dashed rule per release within the span of `dates`,
    labelled with the base model's name at the top of the plot (or unlabelled).

    Returns no layer when there is nothing to mark. The rules share the chart's x scale (UTC);
    their x axis has no title of its own, so the chart's axis title stays as it is.
    """
    inside = releases_within(releases, dates)
    if inside.empty:
        return []
    x = alt.X("release_date:T", scale=UTC_SCALE, title=None)
    tooltip = [
        alt.Tooltip("base_model:N", title="base model released"),
        alt.Tooltip("release_date:T", title="release date", timeUnit="utcyearmonthdate"),
    ]
    base = alt.Chart(inside).encode(x=x, tooltip=tooltip)
    rules = base.mark_rule(color=RULE_COLOR, strokeDash=[4, 3], strokeWidth=1, opacity=0.8)
    if not labels:
        return [rules]
    texts = base.mark_text(
        angle=270,
        align="right",
        baseline="bottom",
        dx=-3,
        dy=-2,
        fontSize=LABEL_FONT_SIZE,
        color="#4a4a4a",
    ).encode(y=alt.value(0), text="base_model:N")
    return [rules, texts]
