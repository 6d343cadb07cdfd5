"""Run the real `build_warehouse` job and read what it left, for the integration tests."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.warehouse.dbt import warehouse_dbt_models, weekly_v2_dbt_models
from orchestration.defs.hfcommunity.assets import raw_hfcommunity
from orchestration.charts import CHART_MODULES
from orchestration.definitions import build_definitions
from orchestration.settings import Settings
from orchestration.wap.versions import PublishTarget, list_versions


def mart_names(dbt_assets: dg.AssetsDefinition) -> tuple[str, ...]:
    """The models of schema `marts` among a dbt assets definition's (read from the dbt manifest)."""
    return tuple(sorted(key.path[1] for key in dbt_assets.keys if key.path[0] == "marts"))


# Every mart of the dbt project, from its manifest: those `build_warehouse` builds (the paper's
# and beyond), and the weekly v2 ones (tag weekly_v2, partitioned by week).
MARTS = mart_names(warehouse_dbt_models)
WEEKLY_MARTS = mart_names(weekly_v2_dbt_models)
# The Hub-wide marts: downstream of the HFCommunity dump's own tables (raw/hfc_*) in the dbt lineage.
HUB_MARTS = tuple(sorted(
    key.path[1]
    for key in dg.AssetSelection.assets(*raw_hfcommunity.keys).downstream().resolve([raw_hfcommunity, warehouse_dbt_models])
    if key.path[0] == "marts"
))
# Every figure: one per chart module (orchestration/charts), in the findings report's order;
# those of the weekly v2 marts the weekly job draws, the others build_warehouse.
FIGURE_MARTS = tuple(CHART_MODULES)
WEEKLY_FIGURE_MARTS = tuple(mart for mart in FIGURE_MARTS if mart in WEEKLY_MARTS)
CORE_FIGURE_MARTS = tuple(mart for mart in FIGURE_MARTS if mart not in WEEKLY_MARTS)


# What runs in tests leave out unless figures, the report or the UI are what the test is about.
WITHOUT_FIGURES = "not group:figures and not group:report"


def run_warehouse(
    settings: Settings, *, figures: bool = False, report: bool | None = None, only: set[str] | None = None,
    skip_groups: set[str] = frozenset(), instance: dg.DagsterInstance | None = None,
    accept_volume_change: bool = False, full_refresh: bool = False,
) -> dg.ExecuteInProcessResult:
    """Run the `build_warehouse` job: without the figures and the report unless `figures` (the
    report alone with `report`, drawn from the figures already on disk), or only some assets by
    key (e.g. {"published/warehouse"}), or without some groups. On the instance given, else on
    the one in the settings' DAGSTER_HOME when it has been prepared (a copied build), else on
    an ephemeral one (instance_for). `accept_volume_change`: publish a fall in volume or
    coverage (a test whose next run is on smaller data on purpose). `full_refresh`: reload,
    rebuild and publish even what did not change (`make run FULL_REFRESH=1`)."""
    from orchestration.cli import full_refresh_tags, run_config_for, selected_keys

    defs = build_definitions(settings)
    job = defs.resolve_job_def("build_warehouse")
    skipped = set(skip_groups) | ({"figures"} if not figures else set()) | (
        {"report"} if not (figures if report is None else report) else set())
    selection = None
    if skipped or only is not None:
        graph = defs.resolve_asset_graph()
        chosen = (selected_keys(defs, "build_warehouse", " and ".join(f"not group:{g}" for g in sorted(skipped)))
                  if skipped else job.asset_layer.selected_asset_keys)
        selection = [key for key in chosen
                     if graph.get(key).is_materializable and (only is None or key.to_user_string() in only)]
    with instance_for(settings, instance) as chosen_instance:
        return job.execute_in_process(instance=chosen_instance, raise_on_error=False, asset_selection=selection,
                                      run_config=run_config_for(accept_volume_change=accept_volume_change),
                                      tags=full_refresh_tags(full_refresh))


@contextmanager
def instance_for(settings: Settings, instance: dg.DagsterInstance | None = None) -> Iterator[dg.DagsterInstance]:
    """`instance` if given; else the one in the settings' DAGSTER_HOME when it has been prepared
    (a copied build, as `make run` leaves it), else an ephemeral one."""
    if instance is not None:
        yield instance
    elif (settings.dagster_home / "dagster.yaml").exists():
        with dg.DagsterInstance.from_config(str(settings.dagster_home)) as persistent:
            yield persistent
    else:
        with dg.DagsterInstance.ephemeral() as ephemeral:
            yield ephemeral


def materialized_keys(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def run_failures(result: dg.ExecuteInProcessResult) -> str:
    """Why a run did not succeed, for an assertion's message: each failed step's error and each
    failed check with its metadata (a CI log then says what failed, not only that it did)."""
    steps = [f"step {event.step_key}: {event.step_failure_data.error.to_string() if event.step_failure_data.error else ''}"
             for event in result.all_events if event.is_step_failure]
    checks = [f"check {name}: {{{', '.join(f'{k}={v.value!r}' for k, v in e.metadata.items())}}}"
              for name, e in check_evaluations(result).items() if not e.passed]
    return "\n".join(steps + checks) or "no failed step or check"


def table_rows(database: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(f"select * from {table} order by all").fetchall()


def warehouse_tables(settings: Settings) -> dict[str, tuple[int, int]]:
    """Every table and view the pipeline writes, as (rows, content hash): the working
    database's layers, and the published marts (prefixed `published.`)."""
    tables = _fingerprints(settings.working_duckdb_path, ("raw", "seeds", "staging", "intermediate", "marts", "audit"))
    published = _fingerprints(settings.duckdb_path, ("marts", "audit")) if settings.duckdb_path.exists() else {}
    return tables | {f"published.{name}": value for name, value in published.items()}


def changed_tables(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """The tables added, dropped or with other content."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def _fingerprints(database: Path, schemas: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    from orchestration.wap.versions import table_fingerprint

    with duckdb.connect(str(database), read_only=True) as conn:
        names = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where list_contains(?, table_schema) order by 1", [list(schemas)]
        ).fetchall()
        return {name: table_fingerprint(conn, name) for (name,) in names}


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


def run_weekly(
    settings: Settings,
    instance: dg.DagsterInstance | None,
    first: str,
    last: str | None = None,
    *,
    full_refresh: bool = False,
    assets: set[str] | None = None,
    figures: bool = False,
    report: bool | None = None,
) -> dg.ExecuteInProcessResult:
    """The `leaderboard_v2_weekly` job over weeks first..last as one run, with the tags of a
    single-run backfill (what the UI and `make backfill` launch), on the given instance (None:
    instance_for's choice); optionally only some of its assets (e.g. without `raw/leaderboard_v2`);
    without the v2 figures and the report unless `figures` (the report alone with `report`, as
    run_warehouse)."""
    from orchestration.partitions import partition_range_tags

    job = build_definitions(settings).resolve_job_def("leaderboard_v2_weekly")
    run_config = {"ops": {"weekly_v2_dbt_models": {"config": {"full_refresh": True}}}} if full_refresh else None
    skipped = ({"figures"} if not figures else set()) | ({"report"} if not (figures if report is None else report) else set())
    selection = [key for key in job.asset_layer.selected_asset_keys
                 if (assets is None or key.to_user_string() in assets) and key.path[0] not in skipped]
    with instance_for(settings, instance) as chosen_instance:
        return job.execute_in_process(
            instance=chosen_instance,
            raise_on_error=False,
            run_config=run_config,
            asset_selection=selection,
            tags=partition_range_tags(first, last or first),
        )


def evaluate_sensor(settings: Settings, instance: dg.DagsterInstance, cursor: str | None):
    """One tick of the landing sensor on `settings`' landing directory: (its result, its new cursor)."""
    from orchestration.automation import leaderboard_v2_landing_sensor
    from orchestration.resources import build_resources

    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"weekly_source": build_resources(settings)["weekly_source"]},
        definitions=build_definitions(settings),
    ) as context:
        result = leaderboard_v2_landing_sensor(context)
        return result, context.cursor


def launch_as_the_daemon(settings: Settings, instance: dg.DagsterInstance, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    """A sensor's run request executed as the daemon launches it: its whole job, its partition, its tags."""
    job = build_definitions(settings).resolve_job_def(request.job_name or "leaderboard_v2_weekly")
    return job.execute_in_process(instance=instance, partition_key=request.partition_key, tags=request.tags,
                                  raise_on_error=False)


# The pages whose SQL examples are run against builds: each statement must answer with rows.
SQL_EXAMPLE_PAGES = ("README.md", "docs/querying.md")


def documented_sql_statements() -> list[str]:
    """The statements of the SQL examples in SQL_EXAMPLE_PAGES, each once (pieces that are only
    comments left out)."""
    from orchestration.settings import PROJECT_ROOT

    statements = [
        statement.strip()
        for page in SQL_EXAMPLE_PAGES
        for block in re.findall(r"```sql\n(.*?)```", (PROJECT_ROOT / page).read_text(encoding="utf-8"), flags=re.S)
        for statement in block.split(";")
        if statement.strip() and not all(line.startswith("--") for line in statement.strip().splitlines())
    ]
    return list(dict.fromkeys(statements))


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


def dbt_reparsed_because(settings: Settings) -> str | None:
    """Why dbt's newest invocation on this working database parsed the whole project again
    (dbt's own reason: "profile has changed", "vars changed", …), or None when it parsed
    partially."""
    import json

    invocations = sorted(settings.dbt_target_dir.glob("*/dbt.log"), key=lambda p: p.stat().st_mtime)
    assert invocations, f"no dbt invocation under {settings.dbt_target_dir}"
    for line in invocations[-1].read_text(encoding="utf-8").splitlines():
        if "Unable to do partial parsing" in line:
            return json.loads(line)["data"].get("reason", line)
    return None


def dump_with_one_byte_changed(dump: Path, directory: Path) -> Path:
    """The generated HFCommunity dump with one byte of a discussion's title changed."""
    from orchestration.synthetic.hfcommunity import SQL_MEMBER_NAME

    with zipfile.ZipFile(dump) as archive:
        sql = archive.read(SQL_MEMBER_NAME)
    edited = sql.replace(b"Can\\'t load tokenizer", b"Can\\'t load tokenizes", 1)
    assert len(edited) == len(sql) and edited != sql
    directory.mkdir()
    changed = directory / dump.name
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SQL_MEMBER_NAME, edited)
    return changed
