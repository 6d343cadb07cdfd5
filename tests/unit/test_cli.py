"""The CLI behind the Makefile: DAGSTER_HOME preparation, the read-only SQL shell command and the
docs site's catalog and server."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import (
    copy_working_schema,
    docs_server_command,
    prepare_dagster_home,
    sql_shell_command,
    ui_command,
)
from orchestration.settings import PROJECT_ROOT, SettingsError, load_settings


def test_runs_started_at_once_on_a_new_dagster_home_all_prepare_it(tmp_path: Path):
    """Two `make run`s at once on a fresh DAGSTER_HOME: both create Dagster's storage, neither fails."""
    settings = load_settings({"DAGSTER_HOME": str(tmp_path / "home")})
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=prepare_dagster_home, args=(settings,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    home = tmp_path / "home"
    assert (home / "dagster.yaml").read_text() == (PROJECT_ROOT / "dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_sql_shell_opens_the_published_file_read_only(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})
    command = sql_shell_command(settings, ["-c", "select 1"])
    assert Path(command[0]).name == "duckdb" and Path(command[0]).exists()
    assert command[1:] == ["-readonly", str(tmp_path / "warehouse.duckdb"), "-c", "select 1"]


def test_the_ui_binds_the_loopback_unless_configured():
    command = ui_command(load_settings({}))
    assert command[command.index("-h") + 1] == "127.0.0.1" and command[command.index("-p") + 1] == "3000"
    exposed = ui_command(load_settings({"WAREHOUSE_UI_HOST": "0.0.0.0", "WAREHOUSE_UI_PORT": "8080"}))
    assert exposed[exposed.index("-h") + 1] == "0.0.0.0" and exposed[exposed.index("-p") + 1] == "8080"


def test_the_docs_catalog_reads_a_rowless_copy_of_the_working_database(tmp_path: Path):
    """dbt's catalog needs the tables' columns, not their rows: `make docs` copies the schema and
    only reads the working database (no run is kept waiting on it)."""
    import hashlib

    import duckdb

    settings = load_settings({"WAREHOUSE_WORK_DIR": str(tmp_path / "work"),
                              "WAREHOUSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})
    assert copy_working_schema(settings) is False, "no working database yet: an empty catalog"
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.working_duckdb_path)) as conn:
        conn.execute("create schema raw; create schema staging; create schema marts")
        conn.execute("create table raw.scores as select 'a/m' as model_id, 61.5 as average")
        conn.execute("create view staging.scores as select lower(model_id) as model_id, average from raw.scores")
        conn.execute("create table marts.dim_models as select model_id, average, 7.0 as params_b from staging.scores")
    working = hashlib.sha256(settings.working_duckdb_path.read_bytes()).hexdigest()

    assert copy_working_schema(settings) is True
    assert hashlib.sha256(settings.working_duckdb_path.read_bytes()).hexdigest() == working
    with duckdb.connect(str(settings.dbt_docs_catalog_path), read_only=True) as conn:
        columns = conn.execute(
            "select table_schema || '.' || table_name, column_name, data_type from information_schema.columns "
            "order by all").fetchall()
        rows = conn.execute("select count(*) from marts.dim_models").fetchone()
    assert columns == [
        ("marts.dim_models", "average", "DECIMAL(3,1)"), ("marts.dim_models", "model_id", "VARCHAR"),
        ("marts.dim_models", "params_b", "DECIMAL(2,1)"),
        ("raw.scores", "average", "DECIMAL(3,1)"), ("raw.scores", "model_id", "VARCHAR"),
        ("staging.scores", "average", "DECIMAL(3,1)"), ("staging.scores", "model_id", "VARCHAR"),
    ]
    assert rows == (0,)


def test_the_docs_site_is_served_on_the_loopback_from_its_directory(capsys):
    from orchestration.cli import main

    settings = load_settings({})
    command = docs_server_command(settings, 8181)
    assert command[1:4] == ["-m", "http.server", "8181"]
    assert command[command.index("--bind") + 1] == "127.0.0.1"
    assert command[command.index("--directory") + 1] == str(settings.dbt_docs_dir)
    with pytest.raises(SystemExit) as exit_:
        main(["versions", "--port", "8181"])
    assert exit_.value.code == 2 and "--port applies to docs only" in capsys.readouterr().err


@pytest.mark.parametrize("name, value", [
    ("WAREHOUSE_UI_HOST", "0.0.0.0 --workspace /tmp/evil.yaml"),
    ("WAREHOUSE_UI_HOST", "host;rm -rf /"),
    ("WAREHOUSE_UI_PORT", "70000"),
    ("WAREHOUSE_UI_PORT", "http"),
])
def test_ui_settings_are_validated(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_a_killed_runs_writer_slot_is_freed_by_the_next_run(tmp_path: Path):
    """A run whose process is gone (SIGKILL) stays STARTED and holds the one-writer slot; the next
    CLI run marks it failed and frees the slot. A run whose CLI process lives, and a run launched
    from the UI (no process tag), are left alone."""
    import subprocess
    import sys

    from dagster._core.storage.dagster_run import DagsterRun

    from orchestration.dead_runs import HOST_TAG, PROCESS_TAG, process_tags, release_dead_runs
    from orchestration.settings import DUCKDB_WRITER_POOL

    settings = load_settings({"DAGSTER_HOME": str(tmp_path / "home")})
    prepare_dagster_home(settings)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = gone.stdout.strip()
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "orchestration.cli"])
        runs = {
            "dead": {PROCESS_TAG: dead_pid, HOST_TAG: process_tags()[HOST_TAG]},
            "alive": {PROCESS_TAG: str(alive.pid), HOST_TAG: process_tags()[HOST_TAG]},
            "from-the-ui": {},
        }
        for name, tags in runs.items():
            instance.add_run(DagsterRun(job_name="build_warehouse", run_id=f"{name}-run",
                                        status=dg.DagsterRunStatus.STARTED, tags=tags))
        storage = instance.event_log_storage
        assert storage.initialize_concurrency_limit_to_default(DUCKDB_WRITER_POOL)  # as a run's first step does
        assert storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "dead-run", "raw__leaderboard").is_claimed
        assert not storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "next-run", "raw__leaderboard").is_claimed

        try:
            released = release_dead_runs(instance)
        finally:
            alive.kill()

        assert released == ["dead-run"]
        assert instance.get_run_by_id("dead-run").status == dg.DagsterRunStatus.FAILURE
        assert {instance.get_run_by_id(f"{n}-run").status for n in ("alive", "from-the-ui")} == {dg.DagsterRunStatus.STARTED}
        assert storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "next-run", "raw__leaderboard").is_claimed


WITHOUT_FIGURES = "not group:figures and not group:report"


def test_select_picks_part_of_a_job_by_dagster_asset_selection(settings_factory):
    from orchestration.cli import selected_keys
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings_factory())
    job_keys = set(defs.resolve_job_def("build_warehouse").asset_layer.selected_asset_keys)
    assert selected_keys(defs, "build_warehouse", None) is None, "no selection: the whole job"
    chosen = {key.to_user_string() for key in selected_keys(defs, "build_warehouse", WITHOUT_FIGURES)}
    assert chosen == {key.to_user_string() for key in job_keys
                      if key.path[0] not in ("figures", "report")}
    assert {"raw/leaderboard", "marts/dim_models", "published/warehouse"} <= chosen
    # Only the job's own assets: the weekly assets belong to the other job.
    assert not any(key.startswith("raw/leaderboard_v2") for key in chosen)
    with pytest.raises(ValueError, match="not a Dagster asset selection"):
        selected_keys(defs, "build_warehouse", "group:(")
    with pytest.raises(ValueError, match="selects no asset of the build_warehouse job"):
        selected_keys(defs, "build_warehouse", 'key:"raw/leaderboard_v2"')


def test_select_is_refused_where_it_does_not_apply(capsys):
    from orchestration.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["backfill", "--select", "group:raw"])
    assert exit_.value.code == 2 and "--select applies to materialize and run only" in capsys.readouterr().err


def test_a_load_error_is_named_in_the_run_summary_with_its_file_row_and_reason(settings_factory, tmp_path, capsys):
    """The closing summary, not only a log line above a traceback, names the failed step and
    what the loader said: file, row, reason."""
    from orchestration.cli import run_job
    from orchestration.defs.paper_snapshot.reader import LEADERBOARD

    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    (snapshot / LEADERBOARD.file_name).write_bytes(b"")
    settings = settings_factory(WAREHOUSE_SNAPSHOT_DIR=str(snapshot))

    code = run_job(settings, "build_warehouse", select='key:"raw/leaderboard"')

    out = capsys.readouterr().out
    assert code == 1 and "succeeded" not in out
    assert "  failed steps  1\n" in out
    (line,) = [line for line in out.splitlines() if line.startswith("    - raw/leaderboard (step ")]
    assert str(snapshot / LEADERBOARD.file_name) in line and "row 0" in line and "is empty: no header row" in line
    assert "Traceback" not in out


def test_a_failed_step_line_adds_what_its_reason_leaves_out():
    from orchestration.run_summary import StepFailure

    named = StepFailure("raw__leaderboard", ("raw/leaderboard",), "file /d/l.csv, row 3, column 'x': bad",
                        {"file": "/d/l.csv", "row": "3", "column": "x"})
    assert named.line() == "raw/leaderboard (step raw__leaderboard): file /d/l.csv, row 3, column 'x': bad"
    terse = StepFailure("dbt_models", tuple(f"marts/m{i}" for i in range(5)), "boom", {"file": "/d/f.csv", "row": "unknown"})
    assert terse.line() == "marts/m0, marts/m1, marts/m2 and 2 more (step dbt_models): boom [file /d/f.csv]"


def test_an_unexpected_error_is_summarised_by_its_own_first_line_not_dagsters_wrapper():
    from orchestration.run_summary import step_failures

    @dg.asset
    def broken():
        raise ValueError("the first line\nand the rest")

    (failure,) = step_failures(dg.materialize([broken], raise_on_error=False))
    assert failure.line() == "broken (step broken): ValueError: the first line"


def test_backfill_warns_of_each_stray_file_and_is_not_blocked_by_it(settings_factory, tmp_path, capsys):
    """Only strays landed (and a week not ended yet): each named in a warning, then the usual
    "nothing to backfill" (make run's --if-any goes on), no run started."""
    from datetime import date

    from orchestration.cli import backfill

    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("notes.txt", ".DS_Store", "huggingface_v2_2024-07-13.csv.gz.part"):
        (landing / name).write_bytes(b"")
    (landing / f"huggingface_v2_{date.today().isoformat()}.csv.gz").write_bytes(b"")
    settings = settings_factory(WAREHOUSE_LANDING_DIR=str(landing))
    assert backfill(settings, None, None, if_any=True) == 0
    err = capsys.readouterr().err
    for name in ("notes.txt", ".DS_Store", "huggingface_v2_2024-07-13.csv.gz.part"):
        assert f"backfill: warning: {landing / name}: ignored, not a snapshot file" in err
    assert "no snapshot file of a completed week" in err
    assert not settings.duckdb_path.exists()
