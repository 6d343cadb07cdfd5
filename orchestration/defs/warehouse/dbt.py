"""dbt models as Dagster assets: staging → intermediate → marts, dbt tests as asset checks.

dbt builds the working database. Error-severity dbt tests become blocking asset checks
(dagster-dbt), so a failing test stops every asset downstream of the model it tests, the
publish asset included: users never see a model that failed a test. A complete, successful
build marks its area of the working database audited (orchestration/wap/state.py).

Two dbt asset definitions: the paper's warehouse, and the weekly v2 models (tag `weekly_v2`),
partitioned like `raw/leaderboard_v2`; a partition window reaches dbt as `window_start` /
`window_end` (environment variables, WINDOW_ENV, so dbt's partial parse survives a new window),
and a backfill of any range is one run (one dbt invocation).
"""


import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev
from dagster_duckdb import DuckDBResource

from orchestration.defs.leaderboard_v2.assets import BLOCKING_CHECK_KEYS as RAW_V2_BLOCKING_CHECK_KEYS
from orchestration.checks.upstream_gates import raise_if_upstream_failed
from orchestration.cli import prepare_manifest
from orchestration.partitions import WEEKLY_PARTITIONS
from orchestration.resources import EngineResource, WarehouseDbtCliResource, WarehouseResource, WriterLockResource, short_connection
from orchestration.settings import DBT_PROJECT_DIR, DUCKDB_WRITER_POOL, is_iso_date, load_settings
from orchestration.wap.inputs import (
    BUILT_RESOURCE_TYPES,
    BuiltFrom,
    RebuildPlan,
    full_refresh_requested,
    plan_rebuild,
    project_fingerprint,
)
from orchestration.wap.state import AUDITED, CORE, WEEKLY, AreaState
from orchestration.wap.versions import PUBLISHED_SCHEMAS


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` / `dg` the manifest is brought up to date on load, as `make manifest` does
# it: dbt given the settings' environment (profiles.yml reads its paths from it), this process's
# left as it is. Elsewhere `make manifest` builds it.
if using_dagster_dev():
    prepare_manifest(load_settings())


# The dbt vars the models read (macro window_var, which checks them again in Jinja): each an
# ISO date. Anything else is refused before dbt starts, so no other value reaches SQL.
DBT_VARS = ("window_start", "window_end")
# A partition window reaches dbt through the environment, not `--vars`: dbt re-parses the whole
# project whenever its command-line vars change, but only the files that read an environment
# variable when that variable changes (dbt's partial parsing). Names: WAREHOUSE_<VAR>.
WINDOW_ENV = {name: f"WAREHOUSE_{name.upper()}" for name in DBT_VARS}


# On Spark, the raw tables dbt's spark target registers (macros/engine/raw_tables.sql).
SPARK_RAW_TABLES_ENV = "WAREHOUSE_SPARK_RAW_TABLES"


def validate_dbt_vars(vars: Mapping[str, Any]) -> dict[str, str]:
    """The vars as dbt receives them; a var this project does not define, or a value that is
    not an ISO date (YYYY-MM-DD), is an error."""
    unknown = sorted(set(vars) - set(DBT_VARS))
    if unknown:
        raise ValueError(f"unknown dbt var(s) {', '.join(map(repr, unknown))}; expected {', '.join(DBT_VARS)}")
    checked = {}
    for name, value in vars.items():
        text = value.isoformat() if isinstance(value, date) else str(value)
        if not is_iso_date(text):
            raise ValueError(f"dbt var {name} must be an ISO date (YYYY-MM-DD), got {text!r}")
        checked[name] = text
    return checked


def build_dbt_args(
    command: str = "build",
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    vars: Mapping[str, Any] | None = None,
    full_refresh: bool = False,
) -> list[str]:
    """The dbt CLI arguments for one invocation (pure, unit-tested)."""
    if command not in {"build", "run", "test", "seed", "parse"}:
        raise ValueError(f"unsupported dbt command {command!r}")
    args = [command]
    if command == "build":
        # dbt unit tests check the SQL, not the data: `make test` runs them
        # (tests/integration/test_generated_default.py), a run only builds and tests the data.
        args += ["--exclude-resource-type", "unit_test"]
    if select:
        args += ["--select", " ".join(select)]
    if exclude:
        args += ["--exclude", " ".join(exclude)]
    if vars:
        args += ["--vars", json.dumps(validate_dbt_vars(vars), sort_keys=True)]
    if full_refresh:
        if command not in {"build", "run", "seed"}:
            raise ValueError(f"--full-refresh does not apply to dbt {command}")
        args.append("--full-refresh")
    return args


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """Keys models by their schema (`staging/stg_leaderboard`, `marts/dim_models`) and groups
    them by layer, so the asset graph reads raw → staging → intermediate → marts → figures."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


dbt_translator = WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# The weekly v2 models are partitioned by week; everything else is the paper's warehouse.
WEEKLY_SELECTOR = "tag:weekly_v2"


def published_models(asset_keys) -> list[tuple[str, str]]:
    """The (schema, name) of the dbt models among `asset_keys` that publishing copies."""
    return sorted(tuple(key.path) for key in asset_keys if len(key.path) == 2 and key.path[0] in PUBLISHED_SCHEMAS)


def build_and_audit(
    context: dg.AssetExecutionContext, dbt: WarehouseDbtCliResource, warehouse: WarehouseResource, args: list[str], *,
    area: str, engine: EngineResource, duckdb: DuckDBResource, env: Mapping[str, str] | None = None,
    incremental: bool = False,
):
    """`dbt build` one area of the working database, then mark it audited (wap/state.py).

    `incremental`: build only the models downstream of the raw tables reloaded since the last
    audited build, or nothing if none was (wap/inputs.py, plan_rebuild); the models kept are
    reported unchanged. On DuckDB, for the whole area only; Spark always builds everything.

    On Spark, dbt builds and tests on Spark (its `spark` target), then the marts it built are
    copied from their Parquet files into the working database, which publishing reads."""
    previous = warehouse.audit_state().area(area)
    step = f"dbt build ({area})"
    whole_area = set(context.selected_asset_keys) == set(context.assets_def.keys)
    built_from = None
    if incremental and whole_area and not engine.is_spark:
        plan, built_from, keys = _rebuild_plan(context, warehouse, duckdb, previous)
        context.log.info(f"dbt: {plan.reason}; rebuilding {len(plan.rebuild)} of "
                         f"{len(plan.rebuild) + len(plan.keep)} models and seeds")
        # First: no model kept depends on one rebuilt (a child of a rebuilt model is rebuilt).
        for name in plan.keep:
            yield dg.MaterializeResult(asset_key=keys[name], metadata={
                "unchanged": True, "rebuilt": False, "reason": plan.reason, "built_by_run": str(previous.run_id)})
        if plan.nothing:
            context.log.info(f"dbt not run: nothing changed since the audited build of run {previous.run_id}")
            return
        if not plan.everything:
            args = [*args, "--exclude", " ".join(plan.keep)]
    # From here until every model is built and tested, this area of the working database is a
    # mix that no check has passed as a whole: it may not be published, nor started from.
    warehouse.mark_building(context.run_id, step=step, area=area, built_from=None)
    env = dict(env or {})
    if engine.is_spark:
        env[SPARK_RAW_TABLES_ENV] = ",".join(engine.landed_raw_tables())
    yield from dbt.cli(args, env=env, context=context).stream()
    if engine.is_spark:
        with short_connection(duckdb) as conn:
            copied = engine.copy_models_to_working(conn, published_models(context.selected_asset_keys))
        context.log.info(f"copied {len(copied)} marts built on Spark into the working database ({sum(copied.values())} rows)")
    # Reached only if dbt exited 0: every selected model built and every test passed.
    if whole_area or (previous is not None and previous.status == AUDITED):
        warehouse.mark_audited(context.run_id, step=step if whole_area else f"{step}, subset", area=area,
                               built_from=asdict(built_from) if built_from else None)
    else:
        context.log.warning(
            f"Only part of the {area} dbt models was built on a working database that was not "
            f"audited (last changed by {previous.step if previous else 'nothing'}): build all of "
            "them before publishing."
        )


def _rebuild_plan(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, duckdb: DuckDBResource, previous: AreaState | None,
) -> tuple[RebuildPlan, BuiltFrom, dict[str, dg.AssetKey]]:
    """What to build of the run's dbt assets, what this build reads (to record once audited),
    and the asset key of each model and seed by name."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    keys = {dbt_translator.get_asset_key(node): uid for uid, node in manifest["nodes"].items()
            if node["resource_type"] in BUILT_RESOURCE_TYPES}
    area = [keys[key] for key in context.assets_def.keys if key in keys]
    with short_connection(duckdb) as conn:
        held = set(conn.execute("select table_schema, table_name from information_schema.tables").fetchall())
    missing = [f"{manifest['nodes'][uid]['schema']}.{manifest['nodes'][uid]['alias']}" for uid in area
               if manifest["nodes"][uid]["config"].get("materialized") != "ephemeral"
               and (manifest["nodes"][uid]["schema"], manifest["nodes"][uid]["alias"]) not in held]
    loads_now = {table: load.load_id for table, load in warehouse.loaded_inputs().items()}
    recorded = BuiltFrom(**previous.built_from) if previous and previous.built_from else None
    plan = plan_rebuild(manifest, area, built_from=recorded, loads_now=loads_now, missing=missing,
                        full_refresh=full_refresh_requested(context.run.tags))
    by_name = {manifest["nodes"][uid]["name"]: key for key, uid in keys.items() if uid in area}
    return plan, BuiltFrom(loads_now, project_fingerprint(manifest)), by_name


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    exclude=WEEKLY_SELECTOR,
    pool=DUCKDB_WRITER_POOL,
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: WarehouseDbtCliResource, warehouse: WarehouseResource, engine: EngineResource,
    duckdb: DuckDBResource, writer_lock: WriterLockResource,
):
    yield from build_and_audit(context, dbt, warehouse, build_dbt_args("build"), area=CORE, engine=engine, duckdb=duckdb,
                               incremental=True)


class WeeklyDbtConfig(dg.Config):
    full_refresh: bool = False
    """Rebuild the incremental history from every loaded week instead of from the window on."""


def partition_window_vars(start: date, end: date) -> dict[str, str]:
    """The dbt vars of a partition window, [window_start, window_end) as ISO dates."""
    if end <= start:
        raise ValueError(f"empty partition window {start}..{end}")
    return {"window_start": start.isoformat(), "window_end": end.isoformat()}


def dbt_window_env(vars: Mapping[str, Any]) -> dict[str, str]:
    """The environment that carries dbt vars to the models (macro window_var), validated as
    `--vars` would be: the weekly window without invalidating dbt's partial parse."""
    return {WINDOW_ENV[name]: value for name, value in validate_dbt_vars(vars).items()}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    select=WEEKLY_SELECTOR,
    name="weekly_v2_dbt_models",
    partitions_def=WEEKLY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
)
def weekly_v2_dbt_models(
    context: dg.AssetExecutionContext, dbt: WarehouseDbtCliResource, warehouse: WarehouseResource, config: WeeklyDbtConfig,
    engine: EngineResource, duckdb: DuckDBResource, writer_lock: WriterLockResource,
):
    # Launched without raw/leaderboard_v2 (a separate run), its failed gate still holds.
    raise_if_upstream_failed(context, RAW_V2_BLOCKING_CHECK_KEYS, what="The weekly v2 dbt models were")
    window = context.partition_time_window
    dbt_vars = partition_window_vars(window.start.date(), window.end.date())
    context.log.info(f"weeks {dbt_vars['window_start']} .. {dbt_vars['window_end']} (exclusive)"
                     + (", full refresh" if config.full_refresh else ""))
    args = build_dbt_args("build", full_refresh=config.full_refresh)
    yield from build_and_audit(context, dbt, warehouse, args, area=WEEKLY, engine=engine, duckdb=duckdb,
                               env=dbt_window_env(dbt_vars))
