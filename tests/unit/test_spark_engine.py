"""orchestration/engines/spark.py on a real local Spark session (the machine's Java 17): raw
tables land as Parquet only when Spark reads them back through their gate; past the bound the
gate reads a sample; marts come back into DuckDB."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.warehouse.dbt import published_models
from orchestration.engines.spark import (
    SparkEngineError,
    copy_models_to_working,
    land_raw_tables,
    landed_raw_tables,
    model_table_dir,
    raw_table_dir,
    spark_session,
    validate_through_spark,
)
from orchestration.settings import load_settings, real_data_dir
from orchestration.defs.paper_snapshot.reader import SNAPSHOT_FILES, load_snapshot_file
import dagster as dg

MASTER = "local[1]"
JAVA_OPTIONS = load_settings({}).spark_java_options  # WAREHOUSE_SPARK_JAVA_OPTIONS' default
SESSION = {"master": MASTER, "java_options": JAVA_OPTIONS}
SUITES = {"commit_data": "raw_commit_data"}


@pytest.fixture
def working(tmp_path: Path):
    """A working database holding the real paper snapshot's commit_data as raw.commit_data."""
    snapshot = real_data_dir() / "paper-snapshot-2024-05"
    with duckdb.connect(str(tmp_path / "working.duckdb")) as conn:
        load_snapshot_file(conn, SNAPSHOT_FILES["commit_data"], snapshot / "commit_data.csv")
        yield conn


def test_a_raw_table_lands_as_parquet_gated_on_what_spark_reads(working, tmp_path):
    (landing,) = land_raw_tables(working, ["commit_data"], spark_dir=tmp_path / "spark", **SESSION, suites=SUITES)
    (rows,) = working.execute("select count(*) from raw.commit_data").fetchone()
    assert landing.accepted and not landing.sampled
    assert (landing.rows, landing.rows_validated, landing.outcome.rows_checked) == (rows, rows, rows)
    assert landing.path == raw_table_dir(tmp_path / "spark", "commit_data")
    assert landed_raw_tables(tmp_path / "spark") == ["commit_data"]
    # Spark reads back exactly the rows DuckDB wrote.
    read = spark_session(MASTER, JAVA_OPTIONS).read.parquet(str(landing.path)).toPandas()
    assert sorted(read["name"]) == sorted(n for (n,) in working.execute("select name from raw.commit_data").fetchall())


def test_a_table_failing_its_gate_through_spark_keeps_the_previous_landing(working, tmp_path):
    spark_dir = tmp_path / "spark"
    land_raw_tables(working, ["commit_data"], spark_dir=spark_dir, **SESSION, suites=SUITES)
    before = {p.name: p.read_bytes() for p in raw_table_dir(spark_dir, "commit_data").iterdir()}
    working.execute("update raw.commit_data set num_of_commits = 'many' where _source_row = 2")

    (landing,) = land_raw_tables(working, ["commit_data"], spark_dir=spark_dir, **SESSION, suites=SUITES)

    assert not landing.accepted
    (failed,) = landing.outcome.failed_expectations
    # Named as on DuckDB: the column, and the file and row it came from.
    assert failed.column == "num_of_commits" and failed.unexpected_count == 1, landing.outcome.summary
    assert [(Path(r.source_file).name, r.source_row, r.value) for r in failed.sample_rows] == [("commit_data.csv", 2, "many")]
    assert {p.name: p.read_bytes() for p in raw_table_dir(spark_dir, "commit_data").iterdir()} == before
    assert not list((spark_dir / "raw" / ".landing").iterdir()), "no staging directory is left behind"


def test_past_the_bound_the_gate_reads_a_seeded_sample_and_counts_every_row(working, tmp_path):
    (landing,) = land_raw_tables(working, ["commit_data"], spark_dir=tmp_path / "spark", **SESSION,
                                 suites=SUITES, max_rows=500)
    assert landing.accepted and landing.sampled and landing.rows_validated == 500
    # The row count expectation judged the whole table; the others, the sample.
    assert landing.outcome.rows_checked == landing.rows
    frame = spark_session(MASTER, JAVA_OPTIONS).read.parquet(str(landing.path))
    again = validate_through_spark(frame, "raw_commit_data", landing.rows, 500)
    assert again.success and again.evaluated_expectations == landing.outcome.evaluated_expectations


def test_an_empty_table_fails_its_row_count_through_spark(working, tmp_path):
    working.execute("delete from raw.commit_data")
    (landing,) = land_raw_tables(working, ["commit_data"], spark_dir=tmp_path / "spark", **SESSION, suites=SUITES)
    assert not landing.accepted and landing.rows == 0
    assert not raw_table_dir(tmp_path / "spark", "commit_data").exists()


def test_marts_built_on_spark_come_back_into_the_working_database(tmp_path):
    spark_dir = tmp_path / "spark"
    frame = spark_session(MASTER, JAVA_OPTIONS).createDataFrame([("a", 1, 2.5), ("b", 2, None)], "author string, repos bigint, share double")
    frame.write.parquet(str(model_table_dir(spark_dir, "marts", "repos_per_author")))
    with duckdb.connect() as conn:
        assert copy_models_to_working(conn, [("marts", "repos_per_author")], spark_dir=spark_dir) == {"marts.repos_per_author": 2}
        assert conn.execute("select * from marts.repos_per_author order by 1").fetchall() == [("a", 1, 2.5), ("b", 2, None)]
        with pytest.raises(SparkEngineError, match="marts.dim_models: no Parquet files"):
            copy_models_to_working(conn, [("marts", "dim_models")], spark_dir=spark_dir)
        # A failed copy changes nothing (one transaction).
        assert conn.execute("select count(*) from marts.repos_per_author").fetchone() == (2,)


def test_raw_table_names_are_checked_before_they_reach_a_path_or_sql(tmp_path):
    for name in ("../etc", "commit_data; drop table x", ""):
        with pytest.raises(SparkEngineError, match="not a raw table name"):
            raw_table_dir(tmp_path, name)


def test_only_published_schemas_are_copied_back():
    keys = [dg.AssetKey(["marts", "dim_models"]), dg.AssetKey(["staging", "stg_leaderboard"]),
            dg.AssetKey(["intermediate", "int_model_families"]), dg.AssetKey(["marts", "authors_over_time"])]
    assert published_models(keys) == [("marts", "authors_over_time"), ("marts", "dim_models")]


def test_gx_imports_in_a_process_whose_main_has_no_file():
    """A Dagster run launched from the UI runs in such a process. GX imports pyspark's Spark
    Connect module whenever pyspark is installed, and pyspark exits that process (status 0)
    unless the Spark Connect dependencies are installed too (the `spark` extra's [connect])."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import orchestration.checks.gx_suite, great_expectations; print('imported')"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("imported"), done.stderr[-2000:]


def test_the_sessions_jvm_runs_with_the_configured_flags():
    """WAREHOUSE_SPARK_JAVA_OPTIONS reaches the JVM the session starts (by default the quick
    compiler only, with the JVM's default code cache: docs/spark.md)."""
    assert JAVA_OPTIONS == "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
    jvm = spark_session(MASTER, JAVA_OPTIONS).sparkContext._jvm
    flags = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert set(JAVA_OPTIONS.split()) <= set(flags), flags


def jvm_flag(name: str, *options: str) -> int:
    """The value the machine's JVM gives flag `name` when started with `options`."""
    printed = subprocess.run([shutil.which("java") or "java", *options, "-XX:+PrintFlagsFinal", "-version"],
                             capture_output=True, text=True, check=True).stdout
    (value,) = [line.split("=")[1].split()[0] for line in printed.splitlines() if line.split()[1:2] == [name]]
    return int(value)


def test_the_default_flags_keep_the_jvms_default_code_cache():
    """The quick compiler alone shrinks the code cache to a fifth (48 of 240 MiB), which the
    generated code of a Spark build can fill: the JVM then throws 'Out of space in CodeCache for
    adapters' and Spark stops its context mid-build (seen in a weekly dbt build on Spark). The
    default flags keep the JVM's own size."""
    default_size = jvm_flag("ReservedCodeCacheSize")
    assert jvm_flag("ReservedCodeCacheSize", "-XX:TieredStopAtLevel=1") < default_size
    assert jvm_flag("ReservedCodeCacheSize", *JAVA_OPTIONS.split()) >= default_size
