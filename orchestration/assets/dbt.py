"""dbt models as Dagster assets: staging → intermediate → marts, dbt tests as asset checks.

dbt builds the working database. Error-severity dbt tests become blocking asset checks
(dagster-dbt), so a failing test stops every asset downstream of the model it tests, the
publish asset included: users never see a model that failed a test. A complete, successful
build marks the working database audited (orchestration/wap/state.py).
"""


import json
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import WarehouseResource
from orchestration.settings import DBT_PROJECT_DIR, DUCKDB_WRITER_POOL, load_settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` / `dg` the manifest is (re)built on load, and dbt's profiles.yml reads its
# paths from the environment the settings export; elsewhere `make manifest` builds it.
load_settings().export()
dbt_project.prepare_if_dev()


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
    if select:
        args += ["--select", " ".join(select)]
    if exclude:
        args += ["--exclude", " ".join(exclude)]
    if vars:
        args += ["--vars", json.dumps(dict(vars), sort_keys=True, default=str)]
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


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=DUCKDB_WRITER_POOL,
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    previous = warehouse.audit_state()
    # From here until every model is built and tested, the working database is a mix that no
    # check has passed as a whole: it may not be published.
    warehouse.mark_building(context.run_id, step="dbt build")
    yield from dbt.cli(build_dbt_args("build"), context=context).stream()
    # Reached only if dbt exited 0: every selected model built and every test passed.
    whole_project = set(context.selected_asset_keys) == set(context.assets_def.keys)
    if whole_project or previous.audited:
        warehouse.mark_audited(context.run_id, step="dbt build" if whole_project else "dbt build (subset)")
    else:
        context.log.warning(
            "Only part of the dbt project was built on a working database that was not audited "
            f"(last changed by {previous.step}): run the whole job before publishing."
        )
