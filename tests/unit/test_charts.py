"""The figures layer: chart specs per mart, rendering to PNG/SVG/HTML, and one figure asset."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import altair as alt
import dagster as dg
import duckdb
import pandas as pd
import pytest
import vl_convert

from orchestration.defs.figures.assets import figure_assets
import orchestration.charts
from orchestration.charts import CHART_MODULES, discover_chart_modules
from orchestration.charts.common import MODEL_TYPE_ORDER
from orchestration.charts.releases import RELEASES_MART, release_rules, releases_within
from orchestration.charts.render import (
    PNG_SCALE,
    PNG_SIGNATURE,
    PREVIEW_SCALE,
    chart_png,
    preview_markdown,
    recompressed_png,
    render_chart,
    vl_version,
)
from orchestration.resources import FiguresResource, WarehouseResource
from orchestration.wap.versions import PublicationInfo, publish
from tests.integration.harness import FIGURE_MARTS, MARTS, WEEKLY_MARTS



def weeks(*iso_days: str) -> list[dt.date]:
    return [dt.date.fromisoformat(day) for day in iso_days]


def strings(*values: str) -> pd.Series:
    return pd.Series(values, dtype="str")


def utc_times(*values: str | None) -> pd.Series:
    """Timestamps as DuckDB hands TIMESTAMPTZ to pandas (datetime64[us, UTC]); None is NaT."""
    return pd.Series(pd.to_datetime(list(values), utc=True, format="ISO8601")).astype("datetime64[us, UTC]")


# Small marts with the columns of METHOD.md, in the dtypes DuckDB hands to pandas 3
# (datetime64[us] dates and `str` strings), plus python dates where a caller might pass them.
SAMPLE_MARTS: dict[str, pd.DataFrame] = {
    "authors_over_time": pd.DataFrame(
        {
            "month_start": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]).astype(
                "datetime64[us]"
            ),
            "new_authors": [5, 3, 8],
            "total_authors": [5, 8, 16],
        }
    ),
    "repos_per_author": pd.DataFrame(
        {"author": strings("ann", "bob", "cy", "dee", "eve"), "repos": [1, 1, 2, 7, 1]}
    ),
    "authors_per_repo": pd.DataFrame(
        {"model_id": strings("a/x", "a/y", "b/z"), "authors": [1, 3, 1]}
    ),
    "weekly_models_by_type": pd.DataFrame(
        {
            "week_start": weeks("2024-01-07", "2024-01-07", "2024-01-14"),
            "model_type": strings("fine_tuned", "chat", "fine_tuned"),
            "new_models": [3, 1, 2],
            "share_of_week": [0.75, 0.25, 1.0],
        }
    ),
    "weekly_models_by_architecture": pd.DataFrame(
        {
            "week_start": pd.to_datetime(["2024-01-07", "2024-01-14", "2024-01-07"]).astype(
                "datetime64[us]"
            ),
            "architecture_group": strings("Llama", "Llama", "Mistral"),
            "new_models": [2, 3, 1],
            "cumulative_models": [2.0, 5.0, 1.0],
        }
    ),
    "benchmark_improvement_per_base": pd.DataFrame(
        {
            "base_model_id": strings("meta/llama-2-7b", "meta/llama-2-7b", "mistral/7b"),
            "benchmark": strings("average", "arc", "average"),
            "n_models": [4, 4, 2],
            "mean_improvement": [1.5, 2.0, -0.5],
            "median_improvement": [1.0, 2.0, -0.5],
            "max_improvement": [4.0, 5.0, 0.2],
            "share_improved": [0.75, 1.0, 0.5],
        }
    ),
    "top_author_activity": pd.DataFrame(
        {
            "author": strings("ann", "ann", "bob"),
            "author_rank": pd.Series([1, 1, 2], dtype="int32"),
            "author_repos": [3, 3, 1],
            "model_id": strings("ann/a", "ann/b", "bob/c"),
            "created_at": utc_times("2023-09-01 10:00", None, "2024-01-15 08:30"),
            "model_type": strings("fine_tuned", "chat", "merge"),
            "average": [60.0, 62.5, 70.1],
            "author_models": [2, 2, 1],
            "author_mean_average": [61.25, 61.25, 70.1],
        }
    ),
    "type_score_over_time": pd.DataFrame(
        {
            "week_start": weeks("2023-12-03", "2023-12-03", "2024-01-14"),
            "model_type": strings("fine_tuned", "chat", "fine_tuned"),
            "new_models": [3, 1, 2],
            "mean_average": [55.0, 60.0, 58.5],
            "max_average": [57.0, 60.0, 61.0],
            "cumulative_models": [3, 1, 5],
            "best_average_so_far": [57.0, 60.0, 61.0],
            "undated_models_left_out": [4, 4, 4],
        }
    ),
    "architecture_popularity_change": pd.DataFrame(
        {
            "week_start": weeks("2024-01-07", "2024-01-07", "2024-01-14", "2024-01-14"),
            "architecture_group": strings("Llama", "Mistral", "Llama", "Mistral"),
            "new_models": [2, 1, 0, 4],
            "change_vs_previous_week": [None, None, -2.0, 3.0],
            "mean_new_models_across_groups": [1.5, 1.5, 2.0, 2.0],
            "change_vs_mean": [0.5, -0.5, -2.0, 2.0],
            "undated_models_left_out": [7, 7, 7, 7],
        }
    ),
    "architecture_change_vs_mean": pd.DataFrame(
        {
            "week_start": weeks("2023-12-03", "2023-12-03", "2024-01-14", "2024-01-14"),
            "architecture_group": strings("Llama", "Mistral", "Llama", "Mistral"),
            "new_models": [2, 1, 0, 4],
            "mean_new_models_across_groups": [1.5, 1.5, 2.0, 2.0],
            "change_vs_mean": [0.5, -0.5, -2.0, 2.0],
            "undated_models_left_out": [7, 7, 7, 7],
        }
    ),
    "params_vs_score": pd.DataFrame(
        {
            "params_bin": pd.Series([7, 7, 13, 70], dtype="int32"),
            "architecture_group": strings("Mistral", "Llama", "Llama", "Llama"),
            "n_models": [30, 10, 5, 2],
            "share_of_bin": [0.75, 0.25, 1.0, 1.0],
            "best_average": [76.9, 66.9, 68.6, 73.0],
            "best_model_id": strings("m/best", "l/best", "l/13b", "l/70b"),
            "best_reached_at": utc_times("2024-03-18 11:36", "2024-01-18 01:03", None, "2023-08-01"),
        }
    ),
    "base_model_evolution": pd.DataFrame(
        {
            "family": strings("Mistral-7B", "Mistral-7B", "Phi-2"),
            "model_id": strings("m/first", "m/better", "p/only"),
            "model_type": strings("pretrained", "chat", "pretrained"),
            "created_at": utc_times("2023-09-20 12:00", "2023-12-01", "2024-01-11"),
            "days_since_release": [0.0, 71.5, 0.0],
            "average": [60.0, 65.0, 61.0],
            "improvement_over_first": [0.0, 5.0, 0.0],
            "family_priority": pd.Series([2, 2, 6], dtype="int32"),
            "undated_models_left_out": [3, 3, 3],
        }
    ),
    "improvement_per_dataset": pd.DataFrame(
        {
            "dataset": strings("org/a", "org/a", "org/b", "org/b"),
            "model_type": strings("chat", "fine_tuned", "chat", "fine_tuned"),
            "n_models": [4, 6, 5, 4],
            "mean_improvement": [1.2, -0.5, 3.0, 2.0],
            "median_improvement": [1.0, -0.4, 2.5, 2.0],
            "share_improved": [0.75, 0.5, 0.8, 1.0],
        }
    ),
    "benchmark_improvement_heatmap": pd.DataFrame(
        {
            "base_rank": pd.Series([1, 1, 2], dtype="int32"),
            "base_model_id": strings("mistral/7b", "mistral/7b", "phi/2"),
            "base_models": [9, 9, 4],
            "benchmark": strings("gsm8k", "average", "average"),
            "n_models": [9, 9, 4],
            "mean_improvement": [12.0, -0.5, 1.5],
            "median_improvement": [10.0, -0.2, 1.0],
            "max_improvement": [30.0, 4.0, 2.0],
            "share_improved": [0.8, 0.4, 0.75],
        }
    ),
    "size_efficiency_frontier": pd.DataFrame(
        {
            "size_class": strings("<3B", "<3B", "<3B", "3-9B", "3-9B"),
            "class_order": pd.Series([1, 1, 1, 2, 2], dtype="int32"),
            "month_start": pd.to_datetime(
                ["2023-12-01", "2024-01-01", "2024-02-01", "2024-01-01", "2024-02-01"]
            ).astype("datetime64[us]"),
            "new_models": [2, 0, 1, 5, 3],
            "best_average_in_month": [50.0, None, 49.0, 70.0, 71.5],
            "best_model_in_month": strings("s/a", None, "s/b", "m/b", "m/c"),
            "frontier_average": [50.0, 50.0, 50.0, 70.0, 71.5],
            "frontier_model_id": strings("s/a", "s/a", "s/a", "m/b", "m/c"),
            "sets_record": [True, False, False, True, True],
        }
    ),
    "base_family_agreement": pd.DataFrame(
        {
            "family": strings("Mistral-7B", "Phi-2", "Phi-3-medium"),
            "family_priority": pd.Series([2, 6, 11], dtype="int32"),
            "models_by_name": [40, 5, 0],
            "models_by_lineage": [45, 3, 0],
            "models_in_both": [10, 2, 0],
            "only_by_name": [30, 3, 0],
            "only_by_lineage": [35, 1, 0],
            "by_name_without_declared_base": [20, 3, 0],
            "by_name_other_lineage_family": [1, 0, 0],
            "agreement_share": [10 / 75, 2 / 6, None],
        }
    ),
    "discussion_activity_per_family": pd.DataFrame(
        {
            "family": strings("Mistral-7B", "Mistral-7B", "Llama-3-8B"),
            "family_priority": [2, 2, 1],
            "month_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]).astype("datetime64[us]"),
            "discussions": [3, 1, 4],
            "pull_requests": [2, 0, 5],
            "merged_pull_requests": [1, 0, 2],
            "bot_pull_requests": [1, 0, 0],
            "participants": [4, 1, 6],
            "repos": [2, 1, 3],
        }
    ),
}
# The v2 marts (weekly job), in the dtypes DuckDB hands to pandas.
SAMPLE_MARTS.update({
    "weekly_models_by_type_v2": pd.DataFrame({
        "week_start": weeks("2024-12-29", "2024-12-29", "2025-01-05"),
        "model_type": strings("merge", "multimodal", "fine_tuned"),
        "new_models": [3, 1, 2],
        "share_of_week": [0.75, 0.25, 1.0],
        "undated_models_left_out": [4, 4, 4],
    }),
    "benchmark_improvement_per_base_v2": SAMPLE_MARTS["benchmark_improvement_per_base"].assign(
        base_model_id=strings("qwen/qwen2.5-7b", "qwen/qwen2.5-7b", "meta-llama/llama-3.1-8b"),
        benchmark=strings("average", "math_lvl_5", "average")),
    "model_improvements_v2": pd.DataFrame({
        "model_id": strings("f/a", "f/a", "c/b", "c/b"),
        "base_model_id": strings("b/base", "b/base", "b/base", "b/base"),
        "model_type": strings("fine_tuned", "fine_tuned", "chat", "chat"),
        "benchmark": strings("average", "ifeval", "average", "ifeval"),
        "model_score": [21.5, 30.0, 22.0, 40.0],
        "base_score": [20.0, 32.0, 20.0, 32.0],
        "improvement": [1.5, -2.0, 2.0, 8.0],
    }),
    "merge_share_v2": pd.DataFrame({
        "week_start": weeks("2024-12-29", "2025-01-05", "2025-01-12"),
        "new_models": [10, 20, 8],
        "merge_type_models": [4, 9, 5],
        "merged_flag_models": [2, 6, 3],
        "merge_models": [5, 11, 5],
        "merge_share": [0.5, 0.55, 0.625],
        "models_with_generation": [10, 20, 8],
        "mean_generation": [0.8, 1.1, 0.9],
        "max_generation": [3, 7, 4],
        "models_generation_2_plus": [2, 5, 1],
    }),
    "base_model_lineage_agreement_v2": pd.DataFrame({
        "model_id": strings("f/a", "f/b", "c/c"),
        "model_type": strings("fine_tuned", "fine_tuned", "chat"),
        "v2_base_model_id": strings("b/x", "b/y", "b/x"),
        "hub_base_model_ids": [["b/x"], ["b/z"], ["b/w", "b/x"]],
        "n_hub_bases": [1, 1, 2],
        "agrees": [True, False, True],
    }),
})
SAMPLE_MARTS.update({f"hub_{mart}": SAMPLE_MARTS[mart] for mart in ("authors_over_time", "repos_per_author", "authors_per_repo")})

# marts.base_model_releases: the context the time-axis charts mark (two releases fall within
# the samples' dates, the others outside them).
SAMPLE_RELEASES = pd.DataFrame(
    {
        "base_model": strings("Llama 1", "Mistral 7B", "Phi-2", "Mistral 7B v0.3"),
        "release_date": pd.to_datetime(
            ["2023-02-24", "2023-09-20", "2024-01-11", "2024-05-22"]
        ).astype("datetime64[us]"),
    }
)


def sample_of(mart: str) -> pd.DataFrame:
    """The mart's sample: every figure has one, so its chart is checked here, not only drawn by
    the integration tests (a missing sample fails, never skips)."""
    if mart not in SAMPLE_MARTS:
        pytest.fail(f"marts.{mart} has no sample in SAMPLE_MARTS: add a few rows for its chart here "
                    "(tests/unit/test_charts.py; docs/contributing.md)")
    return SAMPLE_MARTS[mart]


def context_of(mart: str, releases: pd.DataFrame = SAMPLE_RELEASES) -> dict[str, pd.DataFrame]:
    """The keyword arguments a figure asset passes beside the mart (its CONTEXT_MARTS)."""
    known = {"base_model_releases": releases}
    return {name: known[name] for name in getattr(CHART_MODULES[mart], "CONTEXT_MARTS", ())}


def build(mart: str, df: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """The chart of a mart (its sample by default), with its context marts."""
    frame = sample_of(mart) if df is None else df
    return CHART_MODULES[mart].build_chart(frame, **context_of(mart))

# mart -> {channel: field} that some view of the chart encodes, and the fields its tooltip shows.
EXPECTED_ENCODINGS: dict[str, dict[str, str]] = {
    "authors_over_time": {"x": "month_start", "y": "new_authors"},
    "repos_per_author": {"x": "repos", "y": "n_authors"},
    "authors_per_repo": {"x": "bar_start", "x2": "bar_end", "y": "n_repos"},
    "weekly_models_by_type": {"x": "week_start", "y": "new_models", "color": "model_type"},
    "weekly_models_by_architecture": {
        "x": "week_start",
        "y": "cumulative_models",
        "color": "architecture_group",
    },
    "benchmark_improvement_per_base": {"x": "mean_improvement", "y": "base_model_id"},
    "top_author_activity": {"x": "created_at", "y": "author", "color": "model_type"},
    "type_score_over_time": {"x": "week_start", "y": "mean_average", "color": "model_type"},
    "architecture_popularity_change": {"x": "week_start", "y": "change_vs_previous_week"},
    "architecture_change_vs_mean": {
        "x": "week_start",
        "y": "change_vs_mean",
        "color": "architecture_group",
    },
    "params_vs_score": {"x": "params_bin", "y": "best_average", "color": "architecture_group"},
    "base_model_evolution": {
        "x": "days_since_release",
        "y": "improvement_over_first",
        "color": "family",
    },
    "improvement_per_dataset": {"x": "mean_improvement", "y": "dataset", "color": "model_type"},
    "benchmark_improvement_heatmap": {
        "x": "benchmark_label",
        "y": "base_model_id",
        "color": "mean_improvement",
    },
    "size_efficiency_frontier": {"x": "month_start", "y": "frontier_average", "color": "size_class"},
    "base_family_agreement": {"x": "models", "y": "family", "color": "part_label"},
    "discussion_activity_per_family": {"x": "month_start", "y": "threads", "color": "family"},
}
EXPECTED_ENCODINGS.update({
    "weekly_models_by_type_v2": EXPECTED_ENCODINGS["weekly_models_by_type"],
    "benchmark_improvement_per_base_v2": EXPECTED_ENCODINGS["benchmark_improvement_per_base"],
    "model_improvements_v2": {"x": "benchmark", "y": "model_type", "color": "mean_improvement"},
    "merge_share_v2": {"x": "week_start", "y": "merge_share"},
    "base_model_lineage_agreement_v2": {"x": "models", "y": "model_type", "color": "agreement"},
})
EXPECTED_ENCODINGS.update({f"hub_{mart}": EXPECTED_ENCODINGS[mart] for mart in ("authors_over_time", "repos_per_author", "authors_per_repo")})
RELEASE_TOOLTIPS = {"base_model", "release_date"}
EXPECTED_TOOLTIPS: dict[str, set[str]] = {
    "authors_over_time": {"month_start", "new_authors", "total_authors"},
    "repos_per_author": {"repos", "n_authors"},
    "authors_per_repo": {"authors", "n_repos"},
    "weekly_models_by_type": {"week_start", "model_type", "new_models", "share_of_week"},
    "weekly_models_by_architecture": {
        "week_start",
        "architecture_group",
        "new_models",
        "cumulative_models",
    },
    "benchmark_improvement_per_base": {
        "base_model_id",
        "n_models",
        "mean_improvement",
        "median_improvement",
        "max_improvement",
        "share_improved",
    },
    "top_author_activity": {
        "author",
        "model_id",
        "created_at",
        "model_type",
        "average",
        "author_repos",
        "author_models",
        "author_mean_average",
    },
    "type_score_over_time": {
        "week_start",
        "model_type",
        "new_models",
        "mean_average",
        "max_average",
        "best_average_so_far",
        "cumulative_models",
        *RELEASE_TOOLTIPS,
    },
    "architecture_popularity_change": {
        "week_start",
        "architecture_group",
        "new_models",
        "change_vs_previous_week",
    },
    "architecture_change_vs_mean": {
        "week_start",
        "architecture_group",
        "new_models",
        "mean_new_models_across_groups",
        "change_vs_mean",
        *RELEASE_TOOLTIPS,
    },
    "params_vs_score": {
        "params_bin",
        "architecture_group",
        "n_models",
        "share_of_bin",
        "best_average",
        "best_model_id",
        "best_reached_at",
    },
    "base_model_evolution": {
        "family",
        "model_id",
        "model_type",
        "created_at",
        "days_since_release",
        "average",
        "improvement_over_first",
        *RELEASE_TOOLTIPS,
    },
    "improvement_per_dataset": {
        "dataset",
        "model_type",
        "n_models",
        "mean_improvement",
        "median_improvement",
        "share_improved",
    },
    "benchmark_improvement_heatmap": {
        "base_model_id",
        "base_models",
        "benchmark_label",
        "n_models",
        "mean_improvement",
        "median_improvement",
        "share_improved",
    },
    "size_efficiency_frontier": {
        "size_class",
        "month_start",
        "new_models",
        "best_average_in_month",
        "best_model_in_month",
        "frontier_average",
        "frontier_model_id",
        *RELEASE_TOOLTIPS,
    },
    "base_family_agreement": {
        "family",
        "models_by_name",
        "models_by_lineage",
        "models_in_both",
        "only_by_name",
        "only_by_lineage",
        "by_name_without_declared_base",
        "agreement_share",
    },
    "discussion_activity_per_family": {
        "family", "month_start", "discussions", "pull_requests", "merged_pull_requests",
        "bot_pull_requests", "participants", "repos",
    },
}
EXPECTED_TOOLTIPS.update({
    "weekly_models_by_type_v2": EXPECTED_TOOLTIPS["weekly_models_by_type"],
    "benchmark_improvement_per_base_v2": EXPECTED_TOOLTIPS["benchmark_improvement_per_base"],
    "model_improvements_v2": {"benchmark", "model_type", "models", "mean_improvement", "share_improved"},
    "merge_share_v2": {"week_start", "new_models", "merge_models", "merge_type_models", "merged_flag_models",
                       "merge_share", "mean_generation", "max_generation"},
    "base_model_lineage_agreement_v2": {"model_type", "agreement", "models"},
})
EXPECTED_TOOLTIPS.update({f"hub_{mart}": EXPECTED_TOOLTIPS[mart] for mart in ("authors_over_time", "repos_per_author", "authors_per_repo")})


def views(spec: dict) -> Iterator[dict]:
    """Every view of a (possibly layered or concatenated) spec that has an encoding."""
    if "encoding" in spec:
        yield spec
    for composition in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(composition, []):
            yield from views(child)
    if "spec" in spec:  # a facet
        yield from views(spec["spec"])


def encoded_fields(spec: dict, channel: str) -> set[str]:
    return {
        view["encoding"][channel]["field"]
        for view in views(spec)
        if "field" in view["encoding"].get(channel, {})
    }


def tooltip_fields(spec: dict) -> set[str]:
    return {
        tooltip["field"] for view in views(spec) for tooltip in view["encoding"].get("tooltip", [])
    }


def chart_rows(spec: dict) -> list[dict]:
    """The rows of the chart's (one non-trivial) dataset."""
    datasets = [rows for rows in spec.get("datasets", {}).values() if rows != [{}]]
    assert len(datasets) == 1
    return datasets[0]


def empty_like(df: pd.DataFrame) -> pd.DataFrame:
    return df.iloc[0:0]


def test_registry_names_each_chart_module_after_its_mart():
    for mart, module in CHART_MODULES.items():
        assert module.MART == mart
        assert module.__name__ == f"orchestration.charts.{mart}"
        assert "Fig" in module.TITLE
    assert set(CHART_MODULES) <= set(MARTS) | set(WEEKLY_MARTS), "each figure draws a mart of the dbt project"


def test_registry_holds_every_module_of_the_package_but_the_shared_helpers():
    modules = {info.name for info in pkgutil.iter_modules(orchestration.charts.__path__)}
    assert modules - set(CHART_MODULES) == {"common", "releases", "render"}


def test_registry_keeps_the_papers_figures_in_their_order():
    positions = [module.REPORT_POSITION for module in CHART_MODULES.values()]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    paper = [int(m[1]) for module in CHART_MODULES.values() if (m := re.match(r"Fig\. (\d+):", module.TITLE))]
    assert paper == list(range(1, 13)), "Figs. 1-12 of the paper, in order"
    hub = [int(m[1]) for module in CHART_MODULES.values() if (m := re.match(r"Whole Hub, Fig\. (\d+):", module.TITLE))]
    assert hub == [1, 2, 3], "and Figs. 1-3 over the whole Hub"


def chart_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> ModuleType:
    """A package under tmp_path holding the given modules (name -> source), named after the test."""
    name = re.sub(r"\W", "_", f"charts_{tmp_path.name}")
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


@pytest.mark.parametrize(
    ("modules", "refusal"),
    [
        ({"a": "MART = 'b'\nREPORT_POSITION = 1\n"}, "a chart module is named after its mart"),
        ({"a": "MART = 'a'\n"}, "declares no REPORT_POSITION"),
        ({"a": "MART = 'a'\nREPORT_POSITION = 1\n", "b": "MART = 'b'\nREPORT_POSITION = 1\n"}, "share REPORT_POSITION [1]"),
    ],
)
def test_discovery_refuses_a_module_it_could_not_place(tmp_path, monkeypatch, modules, refusal):
    package = chart_package(tmp_path, monkeypatch, modules)
    with pytest.raises(ImportError, match=re.escape(refusal)):
        discover_chart_modules(package)


def test_discovery_orders_chart_modules_by_position_and_leaves_helpers_out(tmp_path, monkeypatch):
    package = chart_package(tmp_path, monkeypatch, {
        "late": "MART = 'late'\nREPORT_POSITION = 9\n", "early": "MART = 'early'\nREPORT_POSITION = 2\n",
        "helper": "WIDTH = 720\n",
    })
    assert list(discover_chart_modules(package)) == ["early", "late"]


@pytest.mark.parametrize("mart", FIGURE_MARTS)
def test_chart_is_valid_vega_lite_with_expected_encodings_and_tooltips(mart):
    spec = build(mart).to_dict()  # validates the schema

    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    vl_convert.vegalite_to_vega(spec)  # compiles
    for channel, field in EXPECTED_ENCODINGS[mart].items():
        assert field in encoded_fields(spec, channel), (channel, field)
    assert tooltip_fields(spec) == EXPECTED_TOOLTIPS[mart]


@pytest.mark.parametrize("mart", FIGURE_MARTS)
def test_chart_of_an_empty_mart_renders_empty(mart):
    chart = build(mart, empty_like(sample_of(mart)))

    spec = chart.to_dict()
    assert all(rows in ([], [{}]) for rows in spec.get("datasets", {}).values())
    assert chart_png(chart, scale=1).startswith(PNG_SIGNATURE)


def test_dates_become_utc_iso_days_whatever_their_dtype():
    python_dates = SAMPLE_MARTS["weekly_models_by_type"]
    datetimes = python_dates.assign(
        week_start=pd.to_datetime(python_dates["week_start"]).astype("datetime64[us]")
    )
    module = CHART_MODULES["weekly_models_by_type"]

    rows = chart_rows(module.build_chart(python_dates).to_dict())

    assert rows == chart_rows(module.build_chart(datetimes).to_dict())
    assert (rows[0]["week_start"], rows[0]["week_end"]) == ("2024-01-07", "2024-01-14")
    x = module.build_chart(python_dates).to_dict()["encoding"]["x"]
    assert x["scale"]["type"] == "utc"


def test_model_types_keep_their_colours_and_unexpected_types_come_last():
    mart = SAMPLE_MARTS["weekly_models_by_type"].copy()
    mart.loc[len(mart)] = [dt.date(2024, 1, 14), "mystery", 1, 0.5]

    color = CHART_MODULES["weekly_models_by_type"].build_chart(mart).to_dict()["encoding"]["color"]

    assert color["scale"]["domain"] == [*MODEL_TYPE_ORDER, "mystery"]
    assert color["sort"] == color["scale"]["domain"]


def test_distribution_counts_items_per_value_on_log_scales():
    spec = CHART_MODULES["repos_per_author"].build_chart(SAMPLE_MARTS["repos_per_author"]).to_dict()

    assert chart_rows(spec) == [
        {"repos": 1, "n_authors": 3},
        {"repos": 2, "n_authors": 1},
        {"repos": 7, "n_authors": 1},
    ]
    assert spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["y"]["scale"]["type"] == "log"


def test_architecture_legend_lists_largest_groups_first_with_grey_catch_alls():
    mart = SAMPLE_MARTS["weekly_models_by_architecture"].copy()
    mart.loc[len(mart)] = [pd.Timestamp("2024-01-14"), "Other", 4, 4.0]

    color = (
        CHART_MODULES["weekly_models_by_architecture"].build_chart(mart).to_dict()["encoding"][
            "color"
        ]
    )

    assert color["sort"] == color["scale"]["domain"] == ["Llama", "Other", "Mistral"]
    llama, other, mistral = color["scale"]["range"]
    assert other == "#7f7f7f" and llama != mistral


def test_subtitle_counts_models_left_out_for_want_of_a_date():
    mart = SAMPLE_MARTS["weekly_models_by_type"].assign(undated_models_left_out=786)
    module = CHART_MODULES["weekly_models_by_type"]

    title = module.build_chart(mart).to_dict()["title"]

    assert title == {
        "text": module.TITLE,
        "subtitle": "786 models without a creation date are left out",
    }
    assert "subtitle" not in module.build_chart(SAMPLE_MARTS[module.MART]).to_dict()["title"]


def test_improvement_chart_keeps_the_average_of_the_top_20_bases_by_models():
    bases = [f"org/base-{i:02d}" for i in range(25)]
    mart = pd.DataFrame(
        {
            "base_model_id": strings(*bases, *bases),
            "benchmark": strings(*["average"] * 25, *["arc"] * 25),
            "n_models": list(range(1, 26)) * 2,
            "mean_improvement": [1.0] * 50,
            "median_improvement": [1.0] * 50,
            "max_improvement": [2.0] * 50,
            "share_improved": [0.5] * 50,
        }
    )

    spec = CHART_MODULES["benchmark_improvement_per_base"].build_chart(mart).to_dict()

    rows = chart_rows(spec)
    assert {row["benchmark"] for row in rows} == {"average"}
    assert [row["base_model_id"] for row in rows] == bases[::-1][:20]
    assert "n_models" in encoded_fields(spec, "x")


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png.startswith(PNG_SIGNATURE)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.parametrize("mart", FIGURE_MARTS)
def test_every_chart_renders_to_a_png_of_sensible_size(mart):
    with alt.data_transformers.disable_max_rows():
        width, height = png_size(chart_png(build(mart), scale=1))

    # At least the chart's own width (WIDTH = 720 px, minus side panels and legends), no poster.
    assert 500 <= width <= 1400, width
    assert 150 <= height <= 1400, height


TIME_AXIS_MARTS = [mart for mart in FIGURE_MARTS if getattr(CHART_MODULES[mart], "CONTEXT_MARTS", ())]


def release_views(spec: dict) -> list[dict]:
    return [view for view in views(spec) if view["encoding"].get("x", {}).get("field") == "release_date"]


def test_figs_7_and_11_mark_the_base_model_releases():
    assert {"type_score_over_time", "base_model_evolution"} <= set(TIME_AXIS_MARTS)
    for mart in TIME_AXIS_MARTS:
        assert CHART_MODULES[mart].CONTEXT_MARTS == (RELEASES_MART,)


@pytest.mark.parametrize("mart", TIME_AXIS_MARTS)
def test_release_dates_are_labelled_rules_within_the_data_span(mart):
    spec = build(mart).to_dict()

    marks = {view["mark"]["type"] for view in release_views(spec)}
    assert marks == {"rule", "text"}
    labels = [view for view in release_views(spec) if view["mark"]["type"] == "text"]
    assert all(view["encoding"]["text"]["field"] == "base_model" for view in labels)
    # Only releases within the mart's dates are drawn (Mistral 7B v0.3 of May 2024 never is).
    release_rows = [rows for rows in spec["datasets"].values() if rows and "release_date" in rows[0]]
    assert release_rows
    drawn = {row["base_model"] for rows in release_rows for row in rows}
    assert drawn and drawn <= {"Mistral 7B", "Phi-2"}
    assert all(len(row["release_date"]) == 10 for rows in release_rows for row in rows)  # ISO days


@pytest.mark.parametrize("mart", TIME_AXIS_MARTS)
def test_without_release_dates_time_axis_charts_draw_no_rules(mart):
    spec = CHART_MODULES[mart].build_chart(sample_of(mart)).to_dict()

    assert release_views(spec) == []


def test_releases_within_keeps_the_span_of_the_data_only():
    dates = pd.Series(["2023-09-20", "2024-01-11"])

    inside = releases_within(SAMPLE_RELEASES, dates)

    assert inside.to_dict("records") == [
        {"base_model": "Mistral 7B", "release_date": "2023-09-20"},
        {"base_model": "Phi-2", "release_date": "2024-01-11"},
    ]
    assert releases_within(None, dates).empty
    assert releases_within(SAMPLE_RELEASES, pd.Series([], dtype="str")).empty
    assert release_rules(SAMPLE_RELEASES, pd.Series(["2022-01-01"])) == []


def test_params_chart_draws_the_best_of_each_size_dated_or_not():
    spec = build("params_vs_score").to_dict()
    (panel_counts, panel_shares, panel_best) = spec["vconcat"]

    assert panel_counts["encoding"]["y"]["stack"] == "zero"
    assert panel_shares["encoding"]["y"]["stack"] == "normalize"
    best_filters = [
        transform.get("filter")
        for layer in panel_best["layer"]
        for transform in layer.get("transform", [])
        if "filter" in transform
    ]
    assert "isValid(datum.best_reached_at)" in best_filters
    assert "!isValid(datum.best_reached_at)" in best_filters  # undated bests are drawn grey


def test_heatmap_lists_benchmarks_average_first_and_bases_by_rank():
    spec = build("benchmark_improvement_heatmap").to_dict()
    (heat, _) = spec["layer"]

    assert heat["encoding"]["x"]["sort"][:3] == ["Average", "ARC", "HellaSwag"]
    assert heat["encoding"]["y"]["sort"] == ["mistral/7b", "phi/2"]
    assert heat["encoding"]["color"]["scale"]["domainMid"] == 0


def test_top_authors_are_listed_by_rank():
    spec = build("top_author_activity").to_dict()

    (timeline, _) = spec["hconcat"]
    assert timeline["encoding"]["y"]["sort"] == ["ann", "bob"]


def test_family_agreement_stacks_both_and_each_method_alone():
    spec = build("base_family_agreement").to_dict()

    (counts, _) = spec["hconcat"]
    (fold,) = [t for t in counts["transform"] if "fold" in t]
    assert fold["fold"] == ["models_in_both", "only_by_name", "only_by_lineage"]
    assert counts["encoding"]["color"]["scale"]["domain"] == [
        "both methods",
        "only by name",
        "only by lineage",
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    module = CHART_MODULES["weekly_models_by_type"]
    chart = module.build_chart(SAMPLE_MARTS[module.MART])
    return render_chart(chart, tmp_path_factory.mktemp("figures"), module.MART)


def test_render_writes_png_svg_and_offline_html(rendered):
    assert {path.name for path in rendered.values()} == {
        "weekly_models_by_type.png",
        "weekly_models_by_type.preview.png",
        "weekly_models_by_type.svg",
        "weekly_models_by_type.html",
    }
    for key in ("png", "preview_png"):
        assert rendered[key].read_bytes().startswith(PNG_SIGNATURE)
    # the 2x PNG has twice the width of the 1x preview (IHDR width: bytes 16-20)
    width = int.from_bytes(rendered["png"].read_bytes()[16:20], "big")
    preview_width = int.from_bytes(rendered["preview_png"].read_bytes()[16:20], "big")
    assert width == 2 * preview_width
    assert "<svg" in rendered["svg"].read_text()
    html = rendered["html"].read_text()
    assert not re.search(r"<script[^>]*\bsrc=", html)  # Vega's JavaScript is inline
    assert "vegaEmbed" in html
    assert CHART_MODULES["weekly_models_by_type"].TITLE in html  # the spec is embedded


def test_the_pngs_are_the_charts_own_pngs_drawn_once_as_svg(rendered):
    """render_chart rasterises its SVG instead of drawing the chart again per PNG: the bytes
    must stay those vl-convert draws from the chart itself, at both scales."""
    module = CHART_MODULES["weekly_models_by_type"]
    vega = vl_convert.vegalite_to_vega(module.build_chart(SAMPLE_MARTS[module.MART]).to_dict(), vl_version=vl_version())
    assert rendered["png"].read_bytes() == recompressed_png(vl_convert.vega_to_png(vega, scale=PNG_SCALE))
    assert rendered["preview_png"].read_bytes() == recompressed_png(vl_convert.vega_to_png(vega, scale=PREVIEW_SCALE))


def test_preview_markdown_embeds_the_png_as_a_data_uri(rendered):
    markdown = preview_markdown(rendered["preview_png"], alt_text="Fig. 4")

    assert markdown.startswith("![Fig. 4](data:image/png;base64,")
    assert markdown.endswith(")")


def test_recompressed_png_keeps_the_pixels(rendered):
    png = rendered["png"].read_bytes()
    again = recompressed_png(png)

    def pixels(data: bytes) -> bytes:
        offset, idat = len(PNG_SIGNATURE), b""
        while offset < len(data):
            length = int.from_bytes(data[offset : offset + 4], "big")
            if data[offset + 4 : offset + 8] == b"IDAT":
                idat += data[offset + 8 : offset + 8 + length]
            offset += 12 + length
        return zlib.decompress(idat)

    assert pixels(again) == pixels(png)
    with pytest.raises(ValueError):
        recompressed_png(b"GIF89a")


def test_render_lifts_the_row_limit_only_while_rendering(tmp_path):
    weeks_by_group = pd.DataFrame(
        {
            "week_start": pd.date_range("1990-01-07", periods=6000, freq="W-SUN"),
            "architecture_group": strings(*["Llama"] * 6000),
            "new_models": [1] * 6000,
            "cumulative_models": list(range(1, 6001)),
        }
    )
    chart = CHART_MODULES["weekly_models_by_architecture"].build_chart(weeks_by_group)

    paths = render_chart(chart, tmp_path, "many_rows")

    assert paths["png"].read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(alt.MaxRowsError):
        chart.to_dict()


def test_figure_assets_one_per_chart_module():
    assert [asset.key for asset in figure_assets] == [
        dg.AssetKey(["figures", mart]) for mart in FIGURE_MARTS
    ]
    for asset in figure_assets:
        spec = asset.specs_by_key[asset.key]
        mart = asset.key.path[-1]
        assert spec.group_name == "figures"
        assert spec.kinds == {"altair", "png", "svg", "html"}
        context = [dg.AssetKey(["marts", name]) for name in getattr(CHART_MODULES[mart], "CONTEXT_MARTS", ())]
        assert [dep.asset_key for dep in spec.deps] == [
            dg.AssetKey(["marts", mart]),
            *context,
            dg.AssetKey(["published", "warehouse"]),
        ]
        assert spec.description == CHART_MODULES[mart].TITLE
        assert {"warehouse", "figures"} <= asset.required_resource_keys


def publish_weekly_models_by_type(tmp_path: Path, rows: str, working: Path | None = None):
    """Publish a working database holding only marts.weekly_models_by_type with `rows` (SQL values)."""
    working = working or tmp_path / "work" / "working.duckdb"
    working.parent.mkdir(exist_ok=True)
    with duckdb.connect(str(working)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute(
            f"""
            create or replace table marts.weekly_models_by_type as
            select week_start::date as week_start, model_type, new_models, share_of_week
            from (values {rows}) as t(week_start, model_type, new_models, share_of_week)
            """
        )
    warehouse = WarehouseResource(
        working_duckdb_path=str(working),
        published_duckdb_path=str(tmp_path / "warehouse.duckdb"),
        versions_dir=str(tmp_path / "warehouse.versions"),
    )
    version, _ = publish(warehouse.publish_target(), working, PublicationInfo("run", "run", "generated", "/data"))
    return warehouse, version


WEEKLY_ROWS = "('2024-01-07', 'fine_tuned', 3, 0.75), ('2024-01-07', 'chat', 1, 0.25), ('2024-01-14', 'merge', 2, 1.0)"


def materialize_figure(warehouse: WarehouseResource, figures_dir: Path) -> dict:
    asset = next(a for a in figure_assets if a.key.path[-1] == "weekly_models_by_type")
    result = dg.materialize(
        [asset],
        resources={"warehouse": warehouse, "figures": FiguresResource(figures_dir=str(figures_dir))},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node(asset.op.name)
    return materialization.metadata


def test_materialize_figure_asset_from_a_published_mart(tmp_path):
    """The figure reads the published version (read-only), never the working database."""
    warehouse, version = publish_weekly_models_by_type(tmp_path, WEEKLY_ROWS)
    # Once published, the working database may change (or vanish) without touching the figure.
    Path(warehouse.working_duckdb_path).unlink()
    figures_dir = tmp_path / "figs"

    metadata = materialize_figure(warehouse, figures_dir)

    assert metadata["mart_rows"].value == 3
    assert metadata["dagster/row_count"].value == 3
    assert metadata["published_version_id"].value == version.version_id
    assert metadata["rendered"].value is True
    assert "data:image/png;base64," in metadata["preview"].value
    for kind in ("png", "svg", "html"):
        path = Path(metadata[kind].value)
        assert path == figures_dir / f"weekly_models_by_type.{kind}"
        assert path.stat().st_size > 0


def test_a_figure_is_drawn_again_only_when_its_mart_changed(tmp_path):
    """The same mart content in a new version (rows in another order) keeps the files; a changed
    row, or a file gone, draws the figure again."""
    figures_dir = tmp_path / "figs"
    warehouse, first = publish_weekly_models_by_type(tmp_path, WEEKLY_ROWS)
    drawn = materialize_figure(warehouse, figures_dir)
    png = figures_dir / "weekly_models_by_type.png"
    drawn_at = png.stat().st_mtime_ns

    reordered = "('2024-01-14', 'merge', 2, 1.0), ('2024-01-07', 'chat', 1, 0.25), ('2024-01-07', 'fine_tuned', 3, 0.75)"
    _, second = publish_weekly_models_by_type(tmp_path, reordered)
    kept = materialize_figure(warehouse, figures_dir)
    assert second.version_id != first.version_id
    assert kept["rendered"].value is False and png.stat().st_mtime_ns == drawn_at
    assert kept["published_version_id"].value == second.version_id
    assert kept["drawn_from_version_id"].value == first.version_id
    assert kept["fingerprint"].value == drawn["fingerprint"].value and kept["mart_rows"].value == 3

    _, third = publish_weekly_models_by_type(tmp_path, WEEKLY_ROWS.replace("'merge', 2", "'merge', 5"))
    changed = materialize_figure(warehouse, figures_dir)
    assert changed["rendered"].value is True and changed["drawn_from_version_id"].value == third.version_id
    assert changed["fingerprint"].value != drawn["fingerprint"].value

    (figures_dir / "weekly_models_by_type.svg").unlink()
    assert materialize_figure(warehouse, figures_dir)["rendered"].value is True, "a missing file is drawn again"


def test_the_fingerprint_follows_content_not_row_order():
    from orchestration.defs.figures.assets import figure_fingerprint

    with duckdb.connect() as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.m as select * from (values (1, 'a'), (2, 'b'), (2, 'b')) t(x, y)")
        base = figure_fingerprint(conn, ("m",))
        conn.execute("create or replace table marts.m as select * from (values (2, 'b'), (1, 'a'), (2, 'b')) t(x, y)")
        assert figure_fingerprint(conn, ("m",)) == base, "row order is not content"
        conn.execute("create or replace table marts.m as select * from (values (1, 'a'), (2, 'b')) t(x, y)")
        assert figure_fingerprint(conn, ("m",)) != base, "a duplicated row is content"
        conn.execute("create or replace table marts.m as select * from (values (1, 'a'), (2, 'b'), (2, 'c')) t(x, y)")
        assert figure_fingerprint(conn, ("m",)) != base

