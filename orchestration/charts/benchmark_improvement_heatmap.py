"""Beyond the paper: improvement over the base model on every benchmark, for the ten base models
the community fine-tunes most, as a heatmap."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import chart_title, count_tooltip

MART = "benchmark_improvement_heatmap"
TITLE = (
    "Mean improvement over the base model per benchmark, ten most fine-tuned bases "
    "(beyond the paper; cf. Fig. 12)"
)
REPORT_POSITION = 14

BENCHMARK_ORDER = ["average", "arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"]
BENCHMARK_LABELS = {
    "average": "Average",
    "arc": "ARC",
    "hellaswag": "HellaSwag",
    "mmlu": "MMLU",
    "truthfulqa": "TruthfulQA",
    "winogrande": "Winogrande",
    "gsm8k": "GSM8K",
}
CELL_WIDTH = 78
CELL_HEIGHT = 30


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    cells = df.assign(benchmark_label=df["benchmark"].map(BENCHMARK_LABELS).fillna(df["benchmark"]))
    bases = (
        cells.sort_values(["base_rank", "base_model_id"], kind="stable")["base_model_id"]
        .drop_duplicates()
        .tolist()
    )
    labels = [BENCHMARK_LABELS[b] for b in BENCHMARK_ORDER]
    labels += sorted(set(cells["benchmark_label"]) - set(labels))
    largest = float(cells["mean_improvement"].abs().max()) if len(cells) else 1.0
    base = alt.Chart(cells).encode(
        x=alt.X("benchmark_label:N", title=None, sort=labels, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("base_model_id:N", title="base model (most fine-tuned first)", sort=bases),
        tooltip=[
            alt.Tooltip("base_model_id:N", title="base model"),
            count_tooltip("base_models", "models on this base"),
            alt.Tooltip("benchmark_label:N", title="benchmark"),
            count_tooltip("n_models", "models with both scores"),
            alt.Tooltip("mean_improvement:Q", title="mean improvement", format="+.2f"),
            alt.Tooltip("median_improvement:Q", title="median improvement", format="+.2f"),
            alt.Tooltip("share_improved:Q", title="share improved", format=".0%"),
        ],
    )
    heat = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "mean_improvement:Q",
            title="mean improvement (points)",
            scale=alt.Scale(scheme="redblue", domain=[-largest, largest], domainMid=0),
        )
    )
    values = base.mark_text(fontSize=10).encode(
        text=alt.Text("mean_improvement:Q", format="+.1f"),
        color=alt.when(abs(alt.datum.mean_improvement) > largest * 0.6)
        .then(alt.value("white"))
        .otherwise(alt.value("#222")),
    )
    return alt.layer(
        heat,
        values,
        width=CELL_WIDTH * len(labels),
        height=CELL_HEIGHT * max(len(bases), 1),
        title=chart_title(TITLE, df),
    )
