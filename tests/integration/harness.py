"""Run the real `build_warehouse` job and read what it left, for the integration tests."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.definitions import build_definitions
from orchestration.settings import Settings
from orchestration.wap.versions import PublishTarget, current_version, list_versions

MARTS = (
    "dim_models",
    "authors_over_time",
    "repos_per_author",
    "authors_per_repo",
    "weekly_models_by_type",
    "weekly_models_by_architecture",
    "model_improvements",
    "benchmark_improvement_per_base",
    "top_author_activity",
    "type_score_over_time",
    "architecture_popularity_change",
    "architecture_change_vs_mean",
    "params_vs_score",
    "base_model_evolution",
    "improvement_per_dataset",
    "base_model_releases",
    "benchmark_improvement_heatmap",
    "size_efficiency_frontier",
    "base_family_agreement",
    "hub_authors_over_time",
    "hub_repos_per_author",
    "hub_authors_per_repo",
    "discussion_activity_per_family",
)
FIGURE_MARTS = (
    "authors_over_time",
    "repos_per_author",
    "authors_per_repo",
    "weekly_models_by_type",
    "weekly_models_by_architecture",
    "benchmark_improvement_per_base",
    "top_author_activity",
    "type_score_over_time",
    "architecture_popularity_change",
    "architecture_change_vs_mean",
    "params_vs_score",
    "base_model_evolution",
    "improvement_per_dataset",
    "benchmark_improvement_heatmap",
    "size_efficiency_frontier",
    "base_family_agreement",
    "hub_authors_over_time",
    "hub_repos_per_author",
    "hub_authors_per_repo",
    "discussion_activity_per_family",
)


def run_warehouse(
    settings: Settings, *, skip_groups: set[str] = frozenset(), only: set[str] | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the `build_warehouse` job in a fresh ephemeral instance, or the one given (optionally
    without some groups, or only some assets by key, e.g. {"published/warehouse"})."""
    defs = build_definitions(settings)
    job = defs.resolve_job_def("build_warehouse")
    graph = defs.resolve_asset_graph()
    selection = [key for key in job.asset_layer.selected_asset_keys
                 if graph.get(key).is_materializable and graph.get(key).group_name not in skip_groups
                 and (only is None or key.to_user_string() in only)]
    subset = bool(skip_groups) or only is not None
    if instance is not None:
        return job.execute_in_process(instance=instance, raise_on_error=False,
                                      asset_selection=selection if subset else None)
    with dg.DagsterInstance.ephemeral() as ephemeral:
        return job.execute_in_process(
            instance=ephemeral, raise_on_error=False, asset_selection=selection if subset else None
        )


def copy_warehouse_state(source: Settings, target: Settings) -> None:
    """Give `target` a copy of `source`'s working database and published versions, with the
    published file a hard link to the same current version (as publishing leaves it)."""
    shutil.copytree(source.work_dir, target.work_dir, dirs_exist_ok=True)
    shutil.copytree(source.versions_dir, target.versions_dir, dirs_exist_ok=True)
    current = current_version(PublishTarget.from_settings(source))
    os.link(target.versions_dir / current.path.name, target.duckdb_path)


def materialized_keys(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def table_rows(database: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(f"select * from {table} order by all").fetchall()


def warehouse_tables(settings: Settings) -> dict[str, list[tuple]]:
    """Every table and view the pipeline writes, with all its rows (sorted): the working
    database's layers, and the published marts (prefixed `published.`)."""
    tables = _tables(settings.working_duckdb_path, ("raw", "seeds", "staging", "intermediate", "marts"))
    published = _tables(settings.duckdb_path, ("marts",)) if settings.duckdb_path.exists() else {}
    return tables | {f"published.{name}": rows for name, rows in published.items()}


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """The tables added, dropped or with other rows: compare this list, never the dicts, whose
    pytest diff on a failure takes hours on a warehouse's rows."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def _tables(database: Path, schemas: tuple[str, ...]) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        names = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where list_contains(?, table_schema) order by 1", [list(schemas)]
        ).fetchall()
        return {name: conn.execute(f"select * from {name} order by all").fetchall() for (name,) in names}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class PublishedState:
    """What a user can observe of the published warehouse: its exact bytes, its version, and
    the versions kept beside it."""

    sha256: str
    version_id: str
    kept: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> PublishedState:
        kept = tuple(v.version_id for v in list_versions(PublishTarget.from_settings(settings)))
        return cls(file_sha256(settings.duckdb_path), published_version_id(settings), kept)


def published_version_id(settings: Settings) -> str:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute("select version_id from meta.publication").fetchone()[0]


WEEKLY_MARTS = ("leaderboard_v2_history", "weekly_leaderboard_v2")


def run_weekly(
    settings: Settings,
    instance: dg.DagsterInstance,
    first: str,
    last: str | None = None,
    *,
    full_refresh: bool = False,
    assets: set[str] | None = None,
) -> dg.ExecuteInProcessResult:
    """The `leaderboard_v2_weekly` job over weeks first..last as one run, with the tags of a
    single-run backfill (what the UI and `make backfill` launch), on the given instance;
    optionally only some of its assets (e.g. without `raw/leaderboard_v2`)."""
    from orchestration.cli import PARTITION_RANGE_END, PARTITION_RANGE_START

    job = build_definitions(settings).resolve_job_def("leaderboard_v2_weekly")
    run_config = {"ops": {"weekly_v2_dbt_models": {"config": {"full_refresh": True}}}} if full_refresh else None
    selection = None
    if assets is not None:
        selection = [key for key in job.asset_layer.selected_asset_keys if key.to_user_string() in assets]
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=run_config,
        asset_selection=selection,
        tags={PARTITION_RANGE_START: first, PARTITION_RANGE_END: last or first},
    )


def published_weekly_marts(settings: Settings) -> dict[str, list[tuple]]:
    return {name: table_rows(settings.duckdb_path, f"marts.{name}") for name in WEEKLY_MARTS}


def landing_dir_with(tmp_path: Path, real_weekly_dir: Path, *dates: str) -> Path:
    """A landing directory holding copies of the real weekly files of the given dates."""
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    for day in dates:
        name = f"huggingface_v2_{day}.csv.gz"
        shutil.copy(real_weekly_dir / name, landing / name)
    return landing
