"""Fig 12: mean improvement over the base model per fine-tuning dataset, fine-tuned against chat."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import WIDTH, count_tooltip
from orchestration.charts.render import Interactivity

MART = "improvement_per_dataset"
TITLE = "Fig. 12: Mean improvement over the base model per fine-tuning dataset, fine-tuned vs chat"
REPORT_POSITION = 13
INTERACTIVITY = Interactivity(category="model_type")

TYPE_ORDER = ["fine_tuned", "chat"]
TYPE_COLORS = ["#e45756", "#72b7b2"]  # the model-type colours of Figs 4 and 7
ROW_HEIGHT = 34


def datasets_by_improvement(df: pd.DataFrame) -> list[str]:
    """Datasets by their mean improvement over both types, largest first (ties by name)."""
    means = df.groupby("dataset")["mean_improvement"].mean().reset_index()
    means = means.sort_values(["mean_improvement", "dataset"], ascending=[False, True], kind="stable")
    return means["dataset"].tolist()


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    datasets = datasets_by_improvement(df)
    height = ROW_HEIGHT * max(len(datasets), 4)
    base = alt.Chart(df).encode(
        y=alt.Y(
            "dataset:N", title=None, sort=datasets, axis=alt.Axis(labelLimit=320)
        ),
        yOffset=alt.YOffset("model_type:N", sort=TYPE_ORDER, scale=alt.Scale(domain=TYPE_ORDER)),
        tooltip=[
            alt.Tooltip("dataset:N", title="dataset"),
            alt.Tooltip("model_type:N", title="model type"),
            count_tooltip("n_models", "models"),
            alt.Tooltip("mean_improvement:Q", title="mean improvement", format="+.2f"),
            alt.Tooltip("median_improvement:Q", title="median improvement", format="+.2f"),
            alt.Tooltip("share_improved:Q", title="share improved", format=".0%"),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X("mean_improvement:Q", title="mean improvement of the Average over the base (points)"),
        color=alt.Color(
            "model_type:N",
            title="model type",
            sort=TYPE_ORDER,
            scale=alt.Scale(domain=TYPE_ORDER, range=TYPE_COLORS),
        ),
    )
    # The number of models beside each bar, on its outer end.
    label = {"fontSize": 9, "color": "#555"}
    count = {"x": alt.X("mean_improvement:Q"), "text": alt.Text("n_models:Q", format="d")}
    counts_right = base.transform_filter(alt.datum.mean_improvement >= 0).mark_text(
        align="left", dx=4, **label
    ).encode(**count)
    counts_left = base.transform_filter(alt.datum.mean_improvement < 0).mark_text(
        align="right", dx=-4, **label
    ).encode(**count)
    zero_line = alt.Chart(alt.InlineData(values=[{}])).mark_rule(color="#555").encode(
        x=alt.datum(0)
    )
    title = alt.TitleParams(TITLE, subtitle="Beside each bar: the number of models")
    return alt.layer(
        bars, counts_right, counts_left, zero_line, width=WIDTH - 200, height=height, title=title
    )
