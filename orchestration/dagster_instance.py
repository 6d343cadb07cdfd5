"""The Dagster instance of DAGSTER_HOME (dagster.yaml's `instance_class`): Dagster's own, with its
SQLite event log kept on open connections.

Dagster's SQLite event log opens, and closes, a new database connection for every event it
stores: a run of `build_warehouse` stores about a thousand (each dbt test's check evaluation is
one, and is planned before the run as another), and storing them took 15 of the 40 CPU-seconds
of a `make run` process on these machines, 6 with this storage (docs/architecture.md, "Dagster's
instance"). This storage is Dagster's SQLite storage, in Dagster's layout under DAGSTER_HOME
(runs, event logs and schedules where Dagster puts them: an existing home reads as before), but
its event log keeps one connection per database file open for the process and writes each event
in its own transaction, as Dagster does; the tables and columns that Dagster's migrations add,
which it looks up again before storing each asset or check event, are looked up once.

What closing the connection did besides is kept: a run's write-ahead log is checkpointed into its
database file after every write (the UI's live run view watches that file for changes; the index
database, which nothing watches, is checkpointed by SQLite as it grows), and the connections are
closed, the logs checkpointed, when the instance is disposed.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
import sqlalchemy as sa
import yaml
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData

# Open connections kept per process: the index database and the runs being written or read
# (a run writes to two files; the UI reads a few runs at a time). The oldest is closed beyond.
OPEN_DATABASES = 8


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (one database per run, and an index), each database on one
    connection kept open, used under Dagster's own lock one operation at a time."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[tuple[int, str], sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_present: set[str] = set()
        self._asset_key_index_cols_present = False
        super().__init__(base_dir, inst_data)

    # Before storing each asset or check event, Dagster asks whether a migration's table (or the
    # asset-key index columns) exists: a new SQLite connection, or an inspection of the schema,
    # per event. Migrations only ever add them, so once seen they are remembered for the process;
    # an absent one is asked again (`dagster instance migrate` may add it meanwhile).

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables_present:
            if not super().has_table(table_name):
                return False
            self._tables_present.add(table_name)
        return True

    def _has_asset_key_index_cols_on_connection(self, conn: sa.Connection) -> bool:
        if not self._asset_key_index_cols_present:
            self._asset_key_index_cols_present = super()._has_asset_key_index_cols_on_connection(conn)
        return self._asset_key_index_cols_present

    def has_asset_key_index_cols(self) -> bool:
        if not self._asset_key_index_cols_present:
            self._asset_key_index_cols_present = super().has_asset_key_index_cols()
        return self._asset_key_index_cols_present

    def _engine(self, shard: str) -> sa.Engine:
        # Keyed by process too: a forked child opens its own connections, never its parent's.
        key = (os.getpid(), shard)
        with self._engines_lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = sa.create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=sa.pool.StaticPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                )
                self._engines[key] = engine
                while len(self._engines) > OPEN_DATABASES:
                    _, oldest = self._engines.popitem(last=False)
                    oldest.dispose()
            else:
                self._engines.move_to_end(key)
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                sqlite = conn.connection.dbapi_connection
                changes = sqlite.total_changes
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME and sqlite.total_changes != changes:
                    # Into the run's database file, as closing the connection did: the UI's live
                    # run view watches that file (and only a run's: the index is read through
                    # SQLite, which reads the write-ahead log, and checkpointed as SQLite does).
                    sqlite.execute("pragma wal_checkpoint(PASSIVE)")

    def close_connections(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()


class OpenSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage under `base_dir` (its layout), with OpenSqliteEventLogStorage."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = OpenSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> OpenSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


class WarehouseInstance(dg.DagsterInstance):
    """Dagster's instance, its default storage OpenSqliteStorage in DAGSTER_HOME: dagster.yaml
    names this class, so every process that opens the home (runs, `dagster dev`, the daemon, the
    tests) stores events the same way. A `storage:` entry in dagster.yaml still takes precedence."""

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        return {}  # no settings of its own

    @staticmethod
    def config_defaults(base_dir: str) -> dict[str, ConfigurableClassData | None]:
        return {
            **InstanceRef.config_defaults(base_dir),
            "storage": ConfigurableClassData(__name__, OpenSqliteStorage.__name__,
                                             yaml.dump({"base_dir": base_dir}, default_flow_style=False)),
        }
