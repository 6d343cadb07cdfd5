"""The figures: one module per figure mart, named as the mart.

Each module exposes `MART` (the mart in schema `marts`), `TITLE` and
`build_chart(df) -> altair chart`; `render.py` writes a chart to PNG, SVG and HTML. A module
that also draws from other marts (the time-axis figures mark the base-model release dates of
`marts.base_model_releases`, see `releases.py`) lists them in `CONTEXT_MARTS` and takes each as
a keyword argument of `build_chart`, named after the mart (None: drawn without it).
A module also declares, optionally, `INTERACTIVITY` (which field is the colour category, which
the time axis: see render.py) for its interactive HTML. Registering a module below adds its
figure asset and puts the figure in the findings report.
"""

from __future__ import annotations

from types import ModuleType

from orchestration.charts import (
    architecture_change_vs_mean,
    architecture_popularity_change,
    authors_over_time,
    authors_per_repo,
    base_family_agreement,
    base_model_evolution,
    benchmark_improvement_heatmap,
    benchmark_improvement_per_base,
    discussion_activity_per_family,
    hub_authors_over_time,
    hub_authors_per_repo,
    hub_repos_per_author,
    improvement_per_dataset,
    params_vs_score,
    repos_per_author,
    size_efficiency_frontier,
    top_author_activity,
    type_score_over_time,
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
        top_author_activity,
        type_score_over_time,
        architecture_popularity_change,
        architecture_change_vs_mean,
        params_vs_score,
        base_model_evolution,
        improvement_per_dataset,
        benchmark_improvement_heatmap,
        size_efficiency_frontier,
        base_family_agreement,
        hub_authors_over_time,
        hub_repos_per_author,
        hub_authors_per_repo,
        discussion_activity_per_family,
    )
}
