"""The CLI behind the Makefile: DAGSTER_HOME preparation and the read-only SQL shell command."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg

from orchestration.cli import prepare_dagster_home, sql_shell_command
from orchestration.settings import PROJECT_ROOT, load_settings


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
