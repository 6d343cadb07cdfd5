"""Beyond the paper: base-model families found by name (the paper's rule) and by declared-base
lineage, per family: models both methods agree on, and models only one of them finds."""

from __future__ import annotations

import altair as alt
import pandas as pd

from orchestration.charts.common import WIDTH, chart_title, count_tooltip

MART = "base_family_agreement"
TITLE = "Base-model families by name vs by declared lineage (beyond the paper; cf. Fig. 11)"
REPORT_POSITION = 16

PARTS = {
    "models_in_both": "both methods",
    "only_by_name": "only by name",
    "only_by_lineage": "only by lineage",
}
PART_COLORS = ["#54a24b", "#4c78a8", "#f58518"]
ROW_HEIGHT = 26
SHARE_PANEL_WIDTH = 140


def part_expression(values: dict[str, str]) -> str:
    """A Vega expression mapping the folded column name (`datum.part`) to a value."""
    cases = " : ".join(f"datum.part === '{field}' ? {value}" for field, value in values.items())
    return f"{cases} : null"


def build_chart(df: pd.DataFrame) -> alt.TopLevelMixin:
    families = df.sort_values(["family_priority", "family"], kind="stable")["family"].tolist()
    height = ROW_HEIGHT * max(len(families), 1)
    family_axis = alt.Y("family:N", title="family (seed order)", sort=families)
    tooltip = [
        alt.Tooltip("family:N", title="family"),
        count_tooltip("models_by_name", "by name"),
        count_tooltip("models_by_lineage", "by lineage"),
        count_tooltip("models_in_both", "both"),
        count_tooltip("only_by_name", "only by name"),
        count_tooltip("only_by_lineage", "only by lineage"),
        count_tooltip("by_name_without_declared_base", "by name, no declared base"),
        alt.Tooltip("agreement_share:Q", title="agreement", format=".0%"),
    ]
    labels = list(PARTS.values())
    counts = (
        alt.Chart(df, width=WIDTH - SHARE_PANEL_WIDTH, height=height)
        .transform_fold(list(PARTS), as_=["part", "models"])
        .transform_calculate(
            part_label=part_expression({field: repr(label) for field, label in PARTS.items()}),
            part_order=part_expression({field: str(i) for i, field in enumerate(PARTS)}),
        )
        .mark_bar()
        .encode(
            x=alt.X("models:Q", title="non-flagged models", stack="zero"),
            y=family_axis,
            color=alt.Color(
                "part_label:N",
                title="found",
                sort=labels,
                scale=alt.Scale(domain=labels, range=PART_COLORS),
            ),
            order=alt.Order("part_order:Q"),
            tooltip=tooltip,
        )
    )
    share = alt.Chart(df, width=SHARE_PANEL_WIDTH, height=height).encode(
        y=family_axis.axis(None), tooltip=tooltip
    )
    share_bars = share.mark_bar(color="#54a24b", opacity=0.5).encode(
        x=alt.X(
            "agreement_share:Q",
            title="agreement",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", tickCount=3),
        )
    )
    share_labels = share.mark_text(align="left", dx=3, fontSize=10).encode(
        x="agreement_share:Q", text=alt.Text("agreement_share:Q", format=".0%")
    )
    return alt.hconcat(
        counts, alt.layer(share_bars, share_labels), spacing=10, title=chart_title(TITLE, df)
    )
