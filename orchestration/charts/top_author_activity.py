"""Fig 6: when the ten most active commit authors published their models, and their mean score."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import (
    HEIGHT,
    MODEL_TYPE_ORDER,
    WIDTH,
    category_order,
    chart_title,
    date_axis,
    date_tooltip,
    iso_dates,
    model_type_color,
)
from orchestration.charts.render import Interactivity

MART = "top_author_activity"
TITLE = "Fig. 6: Activity and mean Average of the ten most active authors"
REPORT_POSITION = 7
INTERACTIVITY = Interactivity(category="model_type")

MEAN_PANEL_WIDTH = 150
MEAN_COLOR = "#4c78a8"


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    rows = df.assign(created_at=iso_dates(df["created_at"]))
    authors = (
        rows.sort_values(["author_rank", "author"], kind="stable")["author"].drop_duplicates().tolist()
    )
    types = category_order(rows["model_type"], preferred=MODEL_TYPE_ORDER)
    author_axis = alt.Y("author:N", title="author (by repos)", sort=authors)
    timeline = (
        alt.Chart(rows, width=WIDTH - MEAN_PANEL_WIDTH, height=HEIGHT)
        .mark_circle(size=45, opacity=0.75)
        .encode(
            x=date_axis("created_at", "model created"),
            y=author_axis,
            color=model_type_color(types),
            tooltip=[
                alt.Tooltip("author:N", title="author"),
                alt.Tooltip("model_id:N", title="model"),
                date_tooltip("created_at", "created"),
                alt.Tooltip("model_type:N", title="model type"),
                alt.Tooltip("average:Q", title="Average", format=".2f"),
            ],
        )
    )
    mean_score = (
        alt.Chart(rows, width=MEAN_PANEL_WIDTH, height=HEIGHT)
        .mark_bar(color=MEAN_COLOR)
        .encode(
            x=alt.X("mean(average):Q", title="mean Average"),
            y=author_axis.axis(None),
            tooltip=[
                alt.Tooltip("author:N", title="author"),
                alt.Tooltip("author_repos:Q", title="repos", aggregate="max"),
                alt.Tooltip("author_models:Q", title="models on the leaderboard", aggregate="max"),
                alt.Tooltip("author_mean_average:Q", title="mean Average", aggregate="max", format=".2f"),
            ],
        )
    )
    mean_labels = mean_score.mark_text(align="right", dx=-4, color="white", fontSize=10).encode(
        text=alt.Text("mean(average):Q", format=".1f")
    )
    return alt.hconcat(
        timeline, alt.layer(mean_score, mean_labels), spacing=8, title=chart_title(TITLE, df)
    )
