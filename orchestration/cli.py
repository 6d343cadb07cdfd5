"""`python -m orchestration.cli prepare|materialize`: what the Makefile runs.

prepare      copy dagster.yaml into DAGSTER_HOME and build the dbt manifest (`dbt parse`)
materialize  run the `build_warehouse` job (every asset and check) on the configured source,
             recorded in DAGSTER_HOME so the Dagster UI shows the run
ui           `dagster dev` on 127.0.0.1 with the same settings
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings, load_settings


def prepare_dagster_home(settings: Settings) -> None:
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", settings.dagster_home / "dagster.yaml")


def manifest_is_fresh() -> bool:
    """True when target/manifest.json is newer than every file of the dbt project."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = (
        path
        for folder in ("models", "macros", "seeds", "tests")
        for path in (DBT_PROJECT_DIR / folder).rglob("*")
        if path.is_file()
    )
    inputs = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml", *sources]
    return all(path.stat().st_mtime < built for path in inputs)


def prepare_manifest(settings: Settings, *, force: bool = False) -> None:
    """`dbt parse`, unless the manifest is already newer than the dbt project's files."""
    from orchestration.resources import dbt_cli_resource

    settings.export()
    if force or not manifest_is_fresh():
        manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
        dbt_cli_resource().cli(["parse", "--quiet"], target_path=manifest.parent, raise_on_error=True).wait()
        # dbt leaves manifest.json untouched when partial parsing finds nothing to change.
        manifest.touch()


def materialize(settings: Settings) -> int:
    import dagster as dg

    from orchestration.definitions import build_definitions

    settings.export()
    defs = build_definitions(settings)
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("build_warehouse").execute_in_process(
            instance=instance, raise_on_error=False
        )
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    print(f"\nrun {result.run_id}: {'succeeded' if result.success and not failed_checks else 'FAILED'}")
    print(f"  source        {settings.source_name} ({settings.source_dir})")
    print(f"  assets        {len(materialized)} materialised")
    print(f"  checks        {len(failed_checks)} failed")
    for evaluation in failed_checks:
        print(f"    - {evaluation.asset_key.to_user_string()}: {evaluation.check_name}")
    print(f"  warehouse     {settings.duckdb_path}")
    print(f"  figures       {settings.figures_dir}")
    print(f"  dagster home  {settings.dagster_home}   (open the UI: make ui)")
    return 0 if result.success and not failed_checks else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli")
    parser.add_argument("command", choices=["prepare", "materialize", "ui"])
    parser.add_argument("--host", default=os.environ.get("WAREHOUSE_UI_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("WAREHOUSE_UI_PORT", "3000"))
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "prepare":
        prepare_dagster_home(settings)
        prepare_manifest(settings)
        return 0
    if args.command == "ui":
        settings.export()
        dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
        workspace = str(PROJECT_ROOT / "workspace.yaml")
        os.execv(dagster, [dagster, "dev", "-w", workspace, "-h", args.host, "-p", str(args.port)])
    return materialize(settings)


if __name__ == "__main__":
    sys.exit(main())
