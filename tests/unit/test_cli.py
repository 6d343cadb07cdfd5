"""The CLI behind the Makefile: DAGSTER_HOME preparation and the read-only SQL shell command."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import prepare_dagster_home, sql_shell_command, ui_command
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


@pytest.mark.parametrize("name, value", [
    ("WAREHOUSE_UI_HOST", "0.0.0.0 --workspace /tmp/evil.yaml"),
    ("WAREHOUSE_UI_HOST", "host;rm -rf /"),
    ("WAREHOUSE_UI_PORT", "70000"),
    ("WAREHOUSE_UI_PORT", "http"),
])
def test_ui_settings_are_validated(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})
