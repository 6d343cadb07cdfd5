"""Beyond the paper: discussions and pull requests opened per month on the Hub's model repos,
per base-model family (HFCommunity dump), one line per family."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import HEIGHT, WIDTH, chart_title, count_tooltip, date_axis, date_tooltip
from orchestration.charts.render import Interactivity

MART = "discussion_activity_per_family"
TITLE = "Whole Hub: discussions and pull requests per month by base-model family (HFCommunity; beyond the paper, cf. Fig. 11)"
REPORT_POSITION = 20
INTERACTIVITY = Interactivity(time="month_start")


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    threads = df.assign(threads=df["discussions"] + df["pull_requests"])
    families = threads.sort_values(["family_priority", "family"], kind="stable")["family"].drop_duplicates().tolist()
    return (
        alt.Chart(threads, title=chart_title(TITLE, df), width=WIDTH, height=HEIGHT)
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=date_axis("month_start", "month"),
            y=alt.Y("threads:Q", title="discussions + pull requests opened"),
            color=alt.Color("family:N", title="base-model family", sort=families),
            tooltip=[
                alt.Tooltip("family:N", title="family"),
                date_tooltip("month_start", "month", time_unit="utcyearmonth"),
                count_tooltip("discussions", "discussions"),
                count_tooltip("pull_requests", "pull requests"),
                count_tooltip("merged_pull_requests", "merged"),
                count_tooltip("bot_pull_requests", "by bots"),
                count_tooltip("participants", "participants"),
                count_tooltip("repos", "repos"),
            ],
        )
    )
