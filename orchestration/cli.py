"""`python -m orchestration.cli prepare|materialize`: what the Makefile runs.

prepare      copy dagster.yaml into DAGSTER_HOME and build the dbt manifest (`dbt parse`)
materialize  run the `build_warehouse` job (every asset and check) on the configured source,
             recorded in DAGSTER_HOME so the Dagster UI shows the run; --select takes a Dagster
             asset selection (e.g. 'not group:figures and not group:report') to run part of it
run          what `make run` does, in one process: materialize, then backfill --if-any
backfill     the weekly v2 job over a range of weeks (--from/--to, default every week with a
             file in the landing directory) as one run, through write-audit-publish
ui           `dagster dev` on 127.0.0.1 with the same settings
sql          the DuckDB shell on the published warehouse, read-only
versions     the published versions kept, the current one marked, each verified against the
             sha256 recorded when it was published (ok / CHANGED IN PLACE), and the served file
rollback     serve the previous intact version again (or --to VERSION); never a changed one
docs         dbt's documentation site, built offline from the working database, served on
             127.0.0.1 (--port, default 8080)
check        `dg check defs` (the Dagster definitions load) with the same settings
settings-docs  docs/settings.md and .env.example from the settings registry; --check only says
             whether they are stale (exit status 1)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, V1_DATASET_FILE_NAME, Settings, load_settings
from orchestration.wap.versions import (
    CHANGED_IN_PLACE,
    PublishError,
    PublishTarget,
    current_version,
    list_versions,
    rollback,
    verify,
)

WEEKLY_JOB = "leaderboard_v2_weekly"  # orchestration/jobs.py; its runs read the weekly v2 files only


def prepare_dagster_home(settings: Settings) -> None:
    """DAGSTER_HOME with the project's dagster.yaml and its storage created.

    Under a lock: two runs started at once on a new DAGSTER_HOME would otherwise both create
    Dagster's SQLite storage and one would fail on its schema-version row.
    """
    import dagster as dg

    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".prepare.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        config = (PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8")
        target = home / "dagster.yaml"
        if not target.exists() or target.read_text(encoding="utf-8") != config:
            tmp = home / f".dagster.yaml.{os.getpid()}.tmp"
            tmp.write_text(config, encoding="utf-8")
            os.replace(tmp, target)
        with dg.DagsterInstance.from_config(str(home)):
            pass


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

    if force or not manifest_is_fresh():
        manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
        dbt_cli_resource(settings).cli(["parse", "--quiet"], target_path=manifest.parent, raise_on_error=True).wait()
        # dbt leaves manifest.json untouched when partial parsing finds nothing to change.
        manifest.touch()


def selected_keys(defs, job_name: str, select: str | None):
    """The job's assets that a Dagster asset selection string picks (None: the whole job)."""
    import dagster as dg

    if not select:
        return None
    job = defs.resolve_job_def(job_name)
    try:
        chosen = dg.AssetSelection.from_string(select).resolve(defs.resolve_asset_graph())
    except Exception as exc:  # noqa: BLE001 - Dagster's parser raises several kinds
        raise ValueError(f"--select {select!r}: not a Dagster asset selection ({exc})") from None
    keys = [key for key in job.asset_layer.selected_asset_keys if key in chosen]
    if not keys:
        raise ValueError(f"--select {select!r} selects no asset of the {job_name} job")
    return keys


def run_job(settings: Settings, job_name: str, *, tags: dict[str, str] | None = None,
            run_config: dict | None = None, select: str | None = None) -> int:
    """Run one job (or the part of it `select` picks) in this process, recorded in DAGSTER_HOME
    (the UI shows it), and summarise."""
    import dagster as dg

    from orchestration.dead_runs import process_tags, release_dead_runs
    from orchestration.definitions import build_definitions
    from orchestration.partitions import PARTITION_RANGE_END, PARTITION_RANGE_START
    from orchestration.run_summary import step_failures

    defs = build_definitions(settings)
    try:
        asset_selection = selected_keys(defs, job_name, select)
    except ValueError as exc:
        print(f"{job_name}: {exc}", file=sys.stderr)
        return 2
    prepare_dagster_home(settings)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for run_id in release_dead_runs(instance):
            print(f"run {run_id} was killed: marked failed and its writer slot freed")
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, raise_on_error=False, tags={**(tags or {}), **process_tags()}, run_config=run_config,
            asset_selection=asset_selection,
        )
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    # A warning check (a week without a snapshot) is reported, and does not fail the command.
    errors = [e for e in failed_checks if e.severity == dg.AssetCheckSeverity.ERROR]
    succeeded = result.success and not errors
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    print(f"\n{job_name} run {result.run_id}: {'succeeded' if succeeded else 'FAILED'}")
    if job_name == WEEKLY_JOB:
        print(f"  source        {settings.weekly_source} ({settings.weekly_source_dir})")
    else:
        print(f"  source        {settings.source} ({settings.source_dir})")
        if settings.v1_source == "final_table":
            print(f"  v1 source     final_table ({settings.v1_final_table_path})")
        elif settings.v1_source == "dataset_parquet":
            print(f"  v1 source     dataset_parquet ({settings.source_dir / V1_DATASET_FILE_NAME})")
    if tags and PARTITION_RANGE_START in tags:
        print(f"  weeks         {tags[PARTITION_RANGE_START]} .. {tags[PARTITION_RANGE_END]}")
    unchanged = [e for e in result.get_asset_materialization_events()
                 if (flag := e.materialization.metadata.get("unchanged")) is not None and flag.value is True]
    print(f"  assets        {len(materialized)} materialised" + (f" (--select {select})" if select else "")
          + (f", {len(unchanged)} of them unchanged (not reloaded or rebuilt)" if unchanged else ""))
    failed_steps = step_failures(result)
    print(f"  failed steps  {len(failed_steps)}")
    for failure in failed_steps:
        print(f"    - {failure.line()}")
    print(f"  checks        {len(errors)} failed, {len(failed_checks) - len(errors)} warnings")
    for evaluation in failed_checks:
        print(f"    - {evaluation.asset_key.to_user_string()}: {evaluation.check_name} "
              f"({evaluation.severity.value.lower()}){': ' + evaluation.description if evaluation.description else ''}")
    version = current_version(PublishTarget.from_settings(settings))
    print(f"  published     {settings.duckdb_path} ({version.version_id if version else 'nothing yet'})")
    for event in result.get_asset_observation_events():
        metadata = event.asset_observation_data.asset_observation.metadata
        if (flag := metadata.get("nothing_changed")) is not None and flag.value is True:
            print(f"                {metadata['reason'].value}")
    print(f"  working db    {settings.working_duckdb_path}   (runs only; query the published file: make sql)")
    print(f"  figures       {settings.figures_dir}")
    if job_name in ("build_warehouse", WEEKLY_JOB):  # the weekly job writes it again (era verdicts)
        written = dg.AssetKey(["report", "findings"]) in materialized
        print(f"  report        {settings.report_dir / 'findings.html'}"
              f"{'   (open it in a browser)' if written else '   (not written by this run)'}")
    print(f"  dagster home  {settings.dagster_home}   (open the UI: make ui)")
    return 0 if succeeded else 1


def run_config_for(*, full_refresh: bool = False, accept_volume_change: bool = False) -> dict | None:
    """The run config of a CLI run: dbt's full refresh for the weekly history, and a fall in
    volume or coverage accepted by the publish step (orchestration/wap/coverage.py), this run only."""
    ops = {}
    if full_refresh:
        ops["weekly_v2_dbt_models"] = {"config": {"full_refresh": True}}
    if accept_volume_change:
        ops["published__warehouse"] = {"config": {"accept_volume_change": True}}
    return {"ops": ops} if ops else None


def full_refresh_tags(full_refresh: bool) -> dict[str, str]:
    """The run tag that makes a run reload every file, rebuild every model and publish a new
    version even when nothing changed (orchestration/wap/inputs.py)."""
    from orchestration.wap.inputs import FULL_REFRESH_TAG

    return {FULL_REFRESH_TAG: "true"} if full_refresh else {}


def materialize(settings: Settings, select: str | None = None, *, accept_volume_change: bool = False,
                full_refresh: bool = False) -> int:
    return run_job(settings, "build_warehouse", select=select, tags=full_refresh_tags(full_refresh),
                   run_config=run_config_for(accept_volume_change=accept_volume_change))


def backfill_weeks(
    landing_dir: Path, first: str | None, last: str | None, complete_weeks: Sequence[str]
) -> tuple[str, str]:
    """The partition range of `make backfill FROM= TO=`: validated weeks; by default, every week
    from the first to the last with a snapshot file in the landing directory."""
    from orchestration.partitions import NothingToBackfill, PartitionKeyError, week_key
    from orchestration.defs.leaderboard_v2.reader import list_landing_dir, snapshot_date_of, sunday_week_start

    first = week_key(first, name="FROM") if first else None
    last = week_key(last, name="TO") if last else None
    if first is None or last is None:
        weeks = sorted(
            sunday_week_start(snapshot_date_of(path)).isoformat() for path in list_landing_dir(landing_dir).snapshots
        )
        weeks = [w for w in weeks if w in complete_weeks]
        if not weeks:
            raise NothingToBackfill(f"no snapshot file of a completed week in {landing_dir}: give FROM and TO")
        first, last = first or weeks[0], last or weeks[-1]
    if first > last:
        raise PartitionKeyError(f"FROM {first} is after TO {last}")
    if last not in complete_weeks:
        raise PartitionKeyError(f"TO {last} is not a completed week yet (the last one is {complete_weeks[-1]})")
    return first, last


def backfill(
    settings: Settings,
    first: str | None,
    last: str | None,
    *,
    full_refresh: bool = False,
    if_any: bool = False,
    accept_volume_change: bool = False,
) -> int:
    """The weekly job over a range of weeks as one run, through write-audit-publish. With
    `if_any` (`make run`), no completed week to load is a note, not an error."""
    from orchestration.partitions import WEEKLY_PARTITIONS, NothingToBackfill, PartitionKeyError, partition_range_tags
    from orchestration.resources import build_resources
    from orchestration.defs.leaderboard_v2.reader import list_landing_dir, stray_warning

    weekly_dir = build_resources(settings)["weekly_source"].resolve_dir()
    for path in list_landing_dir(weekly_dir).strays:
        print(f"backfill: warning: {stray_warning(path)}", file=sys.stderr)
    try:
        first, last = backfill_weeks(weekly_dir, first, last, WEEKLY_PARTITIONS.get_partition_keys())
    except NothingToBackfill as exc:
        print(f"backfill: {exc}", file=sys.stderr)
        return 0 if if_any else 2
    except (PartitionKeyError, ValueError) as exc:
        print(f"backfill: {exc}", file=sys.stderr)
        return 2
    run_config = run_config_for(full_refresh=full_refresh, accept_volume_change=accept_volume_change)
    tags = {**partition_range_tags(first, last), "openllm/launched_by": "make backfill",
            **full_refresh_tags(full_refresh)}
    return run_job(settings, WEEKLY_JOB, tags=tags, run_config=run_config)


def run_everything(settings: Settings, select: str | None = None, *, accept_volume_change: bool = False,
                   full_refresh: bool = False) -> int:
    """`make run`: the paper's warehouse, then every completed week of the weekly v2 leaderboard
    (one backfill run, which draws the v2 figures and writes the findings report again with them
    and with the era verdicts of the latest week), in one process (one interpreter start and one
    Dagster import, not two)."""
    code = materialize(settings, select, accept_volume_change=accept_volume_change, full_refresh=full_refresh)
    return code if code else backfill(settings, None, None, if_any=True, accept_volume_change=accept_volume_change,
                                      full_refresh=full_refresh)


def sql_shell_command(settings: Settings, extra_args: list[str] = ()) -> list[str]:
    """The DuckDB shell (PyPI's duckdb-cli, pinned to the Python duckdb's release), read-only on
    the published warehouse: a user's session never locks out a run, or the other readers."""
    duckdb_cli = os.path.join(os.path.dirname(sys.executable), "duckdb")
    return [duckdb_cli, "-readonly", str(settings.duckdb_path), *extra_args]


def print_versions(settings: Settings) -> int:
    """The kept versions and the served file, each hashed and compared with the sha256 recorded
    when its version was published. Exit status 1 if any was changed in place."""
    target = PublishTarget.from_settings(settings)
    current = current_version(target)
    versions = list_versions(target)
    if not versions:
        print(f"nothing published yet at {settings.duckdb_path} (run `make run`)")
        return 1
    print(f"published warehouse: {settings.duckdb_path}   (keeping {target.keep} versions)")
    checked = []
    for version in versions:
        integrity = verify(version)
        checked.append(integrity)
        marker = "*" if current and version.version_id == current.version_id else " "
        rows = sum(version.info.get("row_counts", {}).values())
        print(f" {marker} {version.version_id}  run {str(version.info.get('run_id'))[:8]}  "
              f"source {version.info.get('source') or '-'}  weekly {version.info.get('weekly_source') or '-'}  "
              f"{rows} mart rows  {integrity.status}")
    if current is None:
        print("   served file: missing, or a copy of none of the kept versions")
    else:
        served = verify(current, settings.duckdb_path)
        checked.append(served)
        print(f"   served file, a copy of {current.version_id}: {served.status}")
    changed = [integrity for integrity in checked if integrity.status == CHANGED_IN_PLACE]
    for integrity in changed:
        print(f"WARNING: {integrity.describe()}", file=sys.stderr)
    if changed:
        print("A changed version is never served by rollback. A changed served file is replaced by the next "
              "publish, or now by `make rollback TO=<its version>` if that version is ok.", file=sys.stderr)
    return 1 if changed else 0


def roll_back(settings: Settings, to: str | None) -> int:
    try:
        rolled = rollback(PublishTarget.from_settings(settings), to)
    except PublishError as exc:
        print(f"rollback: {exc}", file=sys.stderr)
        return 2
    if rolled.replaced is not None and rolled.replaced.status == CHANGED_IN_PLACE:
        print(f"rollback: WARNING: the file replaced, {rolled.replaced.describe()}", file=sys.stderr)
    for integrity in rolled.refused:
        print(f"rollback: passed over {integrity.describe()}", file=sys.stderr)
    print(f"{settings.duckdb_path} now serves {rolled.now.version_id} "
          f"(was {rolled.previous.version_id if rolled.previous else 'nothing'}); readers already connected keep their view")
    return 0


def dagster_cli_env(settings: Settings) -> dict[str, str]:
    """The environment of a Dagster command line (`dagster dev`, `dg`): this one, and the
    instance in DAGSTER_HOME (its dagster.yaml turns telemetry off), which the settings resolve."""
    return {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}


def ui_command(settings: Settings) -> list[str]:
    """`dagster dev` on WAREHOUSE_UI_HOST (the loopback unless set) and WAREHOUSE_UI_PORT."""
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    return [dagster, "dev", "-w", workspace, "-h", settings.ui_host, "-p", str(settings.ui_port)]


# The docs site is served to this machine only.
DOCS_HOST = "127.0.0.1"
DOCS_PORT = 8080


def copy_working_schema(settings: Settings) -> bool:
    """Write settings.dbt_docs_catalog_path: the working database's schemas, tables and views
    without a row, which is all dbt's catalog reads (column names and types). The runs' own file
    is attached read-only for a moment and never opened by dbt, so a run is not kept waiting.
    False (an empty copy) when there is no working database yet; duckdb.IOException while a
    run holds it."""
    import duckdb

    copy = settings.dbt_docs_catalog_path
    copy.parent.mkdir(parents=True, exist_ok=True)
    for stale in (copy, copy.with_name(f"{copy.name}.wal")):
        stale.unlink(missing_ok=True)
    with duckdb.connect(str(copy)) as conn:
        if not settings.working_duckdb_path.exists():
            return False
        working = str(settings.working_duckdb_path).replace("'", "''")
        conn.execute(f"attach '{working}' as runs_working (read_only)")
        conn.execute(f"copy from database runs_working to {copy.stem} (schema)")
    return True


def build_docs(settings: Settings) -> int:
    """`dbt docs generate --static` into settings.dbt_docs_dir, offline: every model, column and
    test with its description, the lineage graph and each table's column types; `index.html`
    for a server, `static_index.html` one self-contained page. dbt's exit status."""
    import subprocess

    import duckdb

    from orchestration.resources import dbt_cli_resource

    try:
        copied = copy_working_schema(settings)
    except duckdb.IOException as exc:
        print(f"docs: cannot read the working database (is a run writing it?): {exc}\n"
              "docs: run `make docs` again when the run has finished", file=sys.stderr)
        return 1
    if not copied:
        print(f"docs: no working database at {settings.working_duckdb_path} yet (`make run` builds it): "
              "the site has every description but no column types")
    # The duckdb target whatever the engine: on Spark the working database holds the marts copied back.
    command = [
        dbt_cli_resource(settings).dbt_executable, "docs", "generate", "--static", "--target", "duckdb",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(settings.dbt_docs_dir),
    ]
    env = {**os.environ, **settings.dbt_env(), "WAREHOUSE_WORKING_DUCKDB_PATH": str(settings.dbt_docs_catalog_path)}
    return subprocess.run(command, env=env, check=False).returncode


def docs_server_command(settings: Settings, port: int = DOCS_PORT) -> list[str]:
    """Python's file server on the docs site, bound to the loopback."""
    return [sys.executable, "-m", "http.server", str(port), "--bind", DOCS_HOST,
            "--directory", str(settings.dbt_docs_dir)]


def settings_docs(*, check: bool = False, root: Path = PROJECT_ROOT) -> int:
    """Write the stale files generated from the settings registry, or (check) only name them."""
    from orchestration.settings_docs import REGENERATE, stale_files, write_settings_docs

    if check:
        stale = stale_files(root)
        for path in stale:
            print(f"settings-docs: {path} is out of date: run `{REGENERATE}`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_settings_docs(root):
        print(f"settings-docs: wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli")
    parser.add_argument(
        "command",
        choices=["prepare", "run", "materialize", "backfill", "ui", "check", "sql", "versions", "rollback", "docs",
                 "settings-docs"],
    )
    parser.add_argument("--to", default=None, help="rollback: the version id (or its vNNNNN prefix); backfill: the last week")
    parser.add_argument("--from", dest="first", default=None, help="backfill: the first week (a Sunday, YYYY-MM-DD)")
    parser.add_argument(
        "--full-refresh", action="store_true",
        help="run, materialize: reload every file, rebuild every model and publish, even if nothing changed; "
             "backfill: also rebuild the history from every loaded week",
    )
    parser.add_argument(
        "--if-any", action="store_true", help="backfill: exit 0 when no completed week has a file yet (make run)"
    )
    parser.add_argument(
        "--accept-volume-change", action="store_true",
        help="run, materialize, backfill: publish even if a source's rows or coverage fell beyond its tolerance (this run only)",
    )
    parser.add_argument(
        "--select", default=None,
        help="materialize, run: only these assets of build_warehouse, as a Dagster asset selection (e.g. 'not group:figures and not group:report')",
    )
    parser.add_argument("--check", action="store_true",
                        help="settings-docs: exit 1 if docs/settings.md or .env.example is stale, writing nothing")
    parser.add_argument("--port", type=int, default=None,
                        help=f"docs: the port to serve the site on {DOCS_HOST} (default {DOCS_PORT})")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "sql":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.select and args.command not in ("materialize", "run"):
        parser.error("--select applies to materialize and run only")
    if args.port is not None and args.command != "docs":
        parser.error("--port applies to docs only")
    if args.check and args.command != "settings-docs":
        parser.error("--check applies to settings-docs only")
    if args.command == "settings-docs":  # reads the registry, not the environment
        return settings_docs(check=args.check)
    settings = load_settings()
    if args.command == "versions":
        return print_versions(settings)
    if args.command == "rollback":
        return roll_back(settings, args.to)
    if args.command == "run":
        return run_everything(settings, args.select, accept_volume_change=args.accept_volume_change,
                              full_refresh=args.full_refresh)
    if args.command == "backfill":
        return backfill(settings, args.first, args.to, full_refresh=args.full_refresh, if_any=args.if_any,
                        accept_volume_change=args.accept_volume_change)
    if args.command == "sql":
        if not settings.duckdb_path.exists():
            print(f"{settings.duckdb_path} does not exist yet: run `make run` first", file=sys.stderr)
            return 1
        command = sql_shell_command(settings, extra)
        os.execv(command[0], command)
    if args.command == "prepare":
        prepare_dagster_home(settings)
        prepare_manifest(settings)
        return 0
    if args.command == "docs":
        code = build_docs(settings)
        if code:
            return code
        print(f"docs: {settings.dbt_docs_dir / 'index.html'} (one self-contained page: static_index.html)")
        port = args.port or DOCS_PORT
        print(f"docs: serving http://{DOCS_HOST}:{port}/   (Ctrl+C stops it)", flush=True)
        command = docs_server_command(settings, port)
        os.execv(command[0], command)
    if args.command == "ui":
        command = ui_command(settings)
        os.execve(command[0], command, dagster_cli_env(settings))
    if args.command == "check":
        dg = os.path.join(os.path.dirname(sys.executable), "dg")
        os.execve(dg, [dg, "check", "defs"], dagster_cli_env(settings))
    return materialize(settings, args.select, accept_volume_change=args.accept_volume_change,
                       full_refresh=args.full_refresh)


if __name__ == "__main__":
    sys.exit(main())
