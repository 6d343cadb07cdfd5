"""WAREHOUSE_ENGINE=spark: raw tables land as Parquet, dbt builds on Spark, marts come back.

Ingest is the same on both engines: each raw asset parses its file into the working DuckDB file
(errors name file, row and column), quarantines and gates it there. On Spark the accepted table
then *lands*: DuckDB writes it as Parquet to a staging directory under WAREHOUSE_SPARK_DIR/raw,
Spark reads that Parquet back and the raw table's GX suite validates what Spark read (every row
up to WAREHOUSE_SPARK_GX_MAX_ROWS, a seeded sample of that many beyond), and only then is the
directory swapped in as `raw/<name>`. dbt's `spark` target registers those directories as the
tables `raw.<name>` (macros/engine/raw_tables.sql) and builds every model as Parquet tables
under WAREHOUSE_SPARK_DIR/tables. After a successful build (every test passed on Spark) the
marts are read back from their Parquet files into the working DuckDB file, from which the
publish step copies them, so SQL users and the figures read the same published file whatever
the engine.

The Spark session here reads Parquet files by path only (no catalog): dbt's own Spark session
holds the local metastore, and two JVMs cannot share it.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.checks.gx_suite import SuiteOutcome, merge_outcomes, validate_frame
from orchestration.loading import duckdb_literal_path

RAW_DIR = "raw"
TABLES_DIR = "tables"
_LANDING_DIR = ".landing"
# A raw table's directory name is its name in `raw`: letters, digits and underscores.
_RAW_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class SparkEngineError(RuntimeError):
    pass


def raw_table_dir(spark_dir: Path, name: str) -> Path:
    if not name or not set(name) <= _RAW_NAME_CHARACTERS:
        raise SparkEngineError(f"not a raw table name: {name!r}")
    return spark_dir / RAW_DIR / name


def landed_raw_tables(spark_dir: Path) -> list[str]:
    """The raw tables landed so far (what dbt's `spark` target registers)."""
    root = spark_dir / RAW_DIR
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def model_table_dir(spark_dir: Path, schema: str, name: str) -> Path:
    """Where Spark keeps a dbt table (`<warehouse dir>/<schema>.db/<name>`)."""
    return spark_dir / TABLES_DIR / f"{schema}.db" / name


# --- the Spark session of the Dagster process ------------------------------------------------

_session = None


def spark_session(master: str, java_options: str):
    """One local Spark session per process, for reading Parquet (started on first use, with
    the driver's JVM flags WAREHOUSE_SPARK_JAVA_OPTIONS: they apply when the JVM starts)."""
    global _session
    if _session is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # the optional extra
            raise SparkEngineError(
                "WAREHOUSE_ENGINE=spark needs the Spark extra: pip install '.[spark]' (and Java 17)"
            ) from exc
        _session = (
            SparkSession.builder.master(master)
            .appName("openllm-warehouse")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.extraJavaOptions", java_options)
            .getOrCreate()
        )
        _session.sparkContext.setLogLevel("ERROR")
    return _session


# --- landing raw tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """One raw table landed as Parquet, and what Spark read back."""

    name: str
    path: Path
    rows: int
    rows_validated: int
    outcome: SuiteOutcome | None
    """The raw table's GX suite on what Spark read (None: the table has no suite)."""

    @property
    def accepted(self) -> bool:
        return self.outcome is None or self.outcome.success

    @property
    def sampled(self) -> bool:
        return self.rows_validated < self.rows

    def metadata(self) -> dict[str, object]:
        return {"engine": "spark", "landed_parquet": str(self.path), "rows_read_by_spark": self.rows,
                "rows_validated_by_spark": self.rows_validated, "sampled": self.sampled}


def land_raw_tables(
    conn: duckdb.DuckDBPyConnection, names: Iterable[str], *, spark_dir: Path, master: str,
    java_options: str, suites: dict[str, str] | None = None, max_rows: int = 1_000_000,
) -> list[Landing]:
    """Land raw.<name> of the working database for each name: all of them are written and read
    back before any is swapped in, and none is if one fails its suite on what Spark read."""
    suites = suites or {}
    staging_dirs: list[Path] = []  # removed at the end, whatever happens (a swapped-in one is gone)
    try:
        landings = []
        for name in names:
            staging = spark_dir / RAW_DIR / _LANDING_DIR / f"{name}-{uuid.uuid4().hex}"
            staging.mkdir(parents=True)
            staging_dirs.append(staging)
            conn.execute(
                f"copy (select * from raw.{_identifier(name)}) to {_text(staging / 'part-0.parquet')} (format parquet)"
            )
            landings.append(_read_back(name, staging, master=master, java_options=java_options,
                                       suite=suites.get(name), max_rows=max_rows))
        if all(landing.accepted for landing in landings):
            return [_swap_in(landing, spark_dir) for landing in landings]
        return landings
    finally:
        for staging in staging_dirs:
            shutil.rmtree(staging, ignore_errors=True)


def _text(value: object) -> str:
    """A DuckDB string literal (paths come from settings and may hold quotes)."""
    return "'" + str(value).replace("'", "''") + "'"


def _identifier(name: str) -> str:
    raw_table_dir(Path("."), name)  # validates the name
    return f'"{name}"'


def _read_back(name: str, staging: Path, *, master: str, java_options: str, suite: str | None,
               max_rows: int) -> Landing:
    frame = spark_session(master, java_options).read.parquet(str(staging))
    rows = frame.count()
    if suite is None:
        return Landing(name, staging, rows, 0, None)
    return Landing(name, staging, rows, min(rows, max_rows), validate_through_spark(frame, suite, rows, max_rows))


def validate_through_spark(frame, suite: str, rows: int, max_rows: int) -> SuiteOutcome:
    """The suite on a Spark DataFrame of `rows` rows: on every row when there are at most
    `max_rows`, else on a seeded random sample of `max_rows` rows (the expectations over single
    rows and over several rows, such as uniqueness, judge the sample), with the row count judged
    on the true length. The bound keeps the driver's memory bounded on a cluster-sized table;
    dbt's tests on the staging models still read every row on Spark."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    if rows <= max_rows:
        outcome = validate_frame(_to_pandas(frame), suite, now=now)
        return replace(outcome, elapsed_seconds=time.perf_counter() - started)
    sample = frame.sample(fraction=min(1.0, 1.05 * max_rows / rows), seed=20261128).limit(max_rows)
    outcomes = [
        validate_frame(_to_pandas(sample), suite, part="rows", now=now),
        validate_frame(_to_pandas(sample), suite, part="unique", now=now),
        validate_frame(pd.DataFrame(index=pd.RangeIndex(rows)), suite, part="row_count", now=now),
    ]
    return replace(merge_outcomes(outcomes, rows), elapsed_seconds=time.perf_counter() - started)


def _to_pandas(frame) -> pd.DataFrame:
    # Spark hands timestamps over as naive UTC (session zone UTC); DuckDB gives them zoned.
    df = frame.toPandas()
    for column in df.columns:
        if pd.api.types.is_datetime64_dtype(df[column]) and getattr(df[column].dt, "tz", None) is None:
            df[column] = df[column].dt.tz_localize("UTC")
    return df


def _swap_in(landing: Landing, spark_dir: Path) -> Landing:
    """Replace raw/<name> by the landing's staging directory: two renames on one filesystem. A
    crash between them leaves no raw/<name>, which the next landing recreates."""
    final = raw_table_dir(spark_dir, landing.name)
    staging = landing.path
    retired = staging.with_name(f"{staging.name}-retired")
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    shutil.rmtree(retired, ignore_errors=True)
    return replace(landing, path=final)


# --- marts back into the working database ----------------------------------------------------


def copy_models_to_working(
    conn: duckdb.DuckDBPyConnection, models: Sequence[tuple[str, str]], *, spark_dir: Path
) -> dict[str, int]:
    """Replace each (schema, name) of the working database by the Parquet files of the table
    dbt built on Spark, in one transaction; returns the rows of each."""
    copied = {}
    conn.execute("begin transaction")
    try:
        for schema, name in models:
            directory = model_table_dir(spark_dir, schema, name)
            files = sorted(str(p) for p in directory.glob("*.parquet"))
            if not files:
                raise SparkEngineError(f"{schema}.{name}: no Parquet files in {directory} (was it built on Spark?)")
            conn.execute(f"create schema if not exists {_identifier(schema)}")
            listed = ", ".join(_text(duckdb_literal_path(Path(f))) for f in files)  # never a glob
            conn.execute(
                f"create or replace table {_identifier(schema)}.{_identifier(name)} as select * from read_parquet([{listed}])"
            )
            (copied[f"{schema}.{name}"],) = conn.execute(
                f"select count(*) from {_identifier(schema)}.{_identifier(name)}"
            ).fetchone()
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return copied
