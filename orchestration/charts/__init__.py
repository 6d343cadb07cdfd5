"""The figures: one module per figure mart, named as the mart.

Each module exposes `MART` (the mart in schema `marts`), `TITLE` and
`build_chart(df) -> altair chart`, and optionally `INTERACTIVITY` (which field is the colour
category, which the time axis: see render.py) for its interactive HTML; `render.py` writes a
chart to PNG, SVG and HTML. Registering a module below adds its figure asset and puts the figure
in the findings report.
"""

from __future__ import annotations

from types import ModuleType

from orchestration.charts import (
    authors_over_time,
    authors_per_repo,
    benchmark_improvement_per_base,
    repos_per_author,
    weekly_models_by_architecture,
    weekly_models_by_type,
)

CHART_MODULES: dict[str, ModuleType] = {
    module.MART: module
    for module in (
        authors_over_time,
        repos_per_author,
        authors_per_repo,
        weekly_models_by_type,
        weekly_models_by_architecture,
        benchmark_improvement_per_base,
    )
}
