"""DAGSTER_HOME's instance (orchestration/dagster_instance.py): Dagster's SQLite storage in its
own layout, the event log on open connections, every write to a run's log checkpointed into its file,
and homes written by Dagster's default storage read the same (and the other way round)."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import prepare_dagster_home
from orchestration.dagster_instance import OPEN_DATABASES, OpenSqliteEventLogStorage, WarehouseInstance
from orchestration.settings import PROJECT_ROOT
from tests.conftest import make_settings


@dg.asset
def numbers() -> int:
    return 1


@dg.asset_check(asset=numbers)
def numbers_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def run_once(home: Path) -> str:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize([numbers, numbers_positive], instance=instance)
        assert result.success
        return result.run_id


def dagster_default_home(home: Path) -> None:
    """The project's dagster.yaml without its instance class: Dagster's own storage."""
    config = (PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    lines = [line for line in config.splitlines()
             if not line.startswith(("instance_class:", "  module: orchestration.", "  class: WarehouseInstance"))]
    (home / "dagster.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    settings = make_settings(tmp_path, monkeypatch)
    prepare_dagster_home(settings)
    return settings.dagster_home


def test_the_home_opens_as_the_warehouse_instance_in_dagsters_layout(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance, WarehouseInstance)
        assert isinstance(instance.event_log_storage, OpenSqliteEventLogStorage)
    run_id = run_once(home)
    for path in ("history/runs.db", f"history/runs/{run_id}.db", "history/runs/index.db", "schedules/schedules.db"):
        assert (home / path).is_file(), path


def event_rows_in_database_file(database: Path) -> int:
    """Rows of the event log in the database file alone: `immutable` reads the file as it is on
    disk, without its write-ahead log."""
    with sqlite3.connect(f"file:{database}?immutable=1", uri=True) as conn:
        return conn.execute("select count(*) from event_logs").fetchone()[0]


def test_every_event_is_in_the_database_file_while_the_connections_stay_open(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize([numbers, numbers_positive], instance=instance)
        storage = instance.event_log_storage
        assert storage._engines, "connections stay open between events"
        stored = len(instance.all_logs(result.run_id))
        # What the UI's live run view watches (the file, not its write-ahead log) has every event.
        assert event_rows_in_database_file(home / "history" / "runs" / f"{result.run_id}.db") == stored > 10
        # The index, which nothing watches, is not checkpointed after each write; read through
        # SQLite (as every reader does) it has the run's asset and check events.
        index = home / "history" / "runs" / "index.db"
        with closing(sqlite3.connect(index)) as conn:
            indexed = conn.execute("select count(*) from event_logs where run_id = ?", (result.run_id,)).fetchone()[0]
        assert indexed > 0 and event_rows_in_database_file(index) < indexed
    assert not storage._engines
    assert not list((home / "history" / "runs").glob("*.db-wal")), "closed with the instance: the logs checkpointed"
    assert event_rows_in_database_file(index) == indexed


def test_homes_of_dagsters_own_storage_read_the_same_both_ways(home):
    dagster_default_home(home)
    first = run_once(home)  # Dagster's own storage
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    second = run_once(home)  # this project's
    for config in ("warehouse", "dagster"):
        if config == "dagster":
            dagster_default_home(home)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert isinstance(instance, WarehouseInstance) == (config == "warehouse")
            assert {r.run_id for r in instance.get_runs()} == {first, second}
            for run_id in (first, second):
                events = {e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event}
                assert {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION,
                        dg.DagsterEventType.RUN_SUCCESS} <= events
            check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
                [dg.AssetCheckKey(dg.AssetKey("numbers"), "numbers_positive")])
            assert next(iter(check.values())).run_id == second, "the cross-run index holds both runs"


def test_no_more_than_a_few_databases_stay_open(home):
    run_id = run_once(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        stored = len(instance.all_logs(run_id))
        for other in range(OPEN_DATABASES):  # more run databases than connections kept
            assert instance.all_logs(f"another-run-{other}") == []
        assert len(storage._engines) == OPEN_DATABASES
        assert len(instance.all_logs(run_id)) == stored > 5, "a closed one opens again"
        assert len(storage._engines) == OPEN_DATABASES


def test_the_schema_is_looked_up_once_per_process_not_before_every_event(home, monkeypatch):
    """Dagster asks, before storing each asset or check event, whether its migrations' tables and
    the asset-key index columns exist (a new connection, or a schema inspection, each time): asked
    once, and a table that is absent is asked again (a migration may add it meanwhile)."""
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    tables_asked, columns_asked = [], []
    dagsters_has_table = SqliteEventLogStorage.has_table
    dagsters_columns = SqlEventLogStorage._has_asset_key_index_cols_on_connection
    monkeypatch.setattr(SqliteEventLogStorage, "has_table",
                        lambda self, name: tables_asked.append(name) or dagsters_has_table(self, name))
    monkeypatch.setattr(SqlEventLogStorage, "_has_asset_key_index_cols_on_connection",
                        lambda self, conn: columns_asked.append(1) or dagsters_columns(self, conn))

    with dg.DagsterInstance.from_config(str(home)) as instance:
        for _ in range(3):
            result = dg.materialize([numbers, numbers_positive], instance=instance)
            assert result.success
        storage = instance.event_log_storage
        # Every event still stored where Dagster reads it: the asset's latest materialisation,
        # the check's evaluation, the asset event's tags.
        assert instance.get_latest_materialization_event(numbers.key).run_id == result.run_id
        check_key = dg.AssetCheckKey(numbers.key, "numbers_positive")
        executions = storage.get_asset_check_execution_history(check_key, limit=10)
        assert len(executions) == 3 and executions[0].run_id == result.run_id
        assert storage.has_asset_key_index_cols()

        assert sorted(tables_asked) == sorted(set(tables_asked)), "each table asked for once"
        assert {"asset_check_executions", "asset_event_tags"} <= set(tables_asked)
        assert len(columns_asked) == 1
        assert not storage.has_table("a_table_no_migration_adds") and not storage.has_table("a_table_no_migration_adds")
        assert tables_asked.count("a_table_no_migration_adds") == 2
