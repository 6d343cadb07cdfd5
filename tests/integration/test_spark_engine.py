"""WAREHOUSE_ENGINE=spark end to end, on Spark's local mode (in process, the machine's Java 17):
the same Dagster jobs build the real paper snapshot and a few real weeks of the v2 leaderboard
on Spark and on DuckDB, and every published mart is equal row for row; a gate that fails on
Spark blocks everything downstream, as on DuckDB.

The Spark build is the module's own (Spark is what it tests; it takes a few minutes: a JVM, 45
models and about 280 dbt tests on Spark; no figures, which do not depend on the engine); the
DuckDB side is a copy of the session's real snapshot build with the same weeks loaded. The last
test changes the Spark build, so it runs last."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.engines.spark import landed_raw_tables, model_table_dir, raw_table_dir
from orchestration.settings import Settings
from tests.conftest import make_settings
from tests.integration.engine_compare import table_differences
from tests.integration.harness import (
    WEEKLY_MARTS,
    PublishedState,
    check_evaluations,
    file_sha256,
    landing_dir_with,
    materialized_keys,
    run_failures,
    run_warehouse,
    run_weekly,
)

# Three real weeks around the November 2024 MATH re-scoring: the history has restated versions.
WEEK_FILES = ("2024-11-09", "2024-11-15", "2024-11-22")
FIRST_WEEK, LAST_WEEK = "2024-11-03", "2024-11-17"


@dataclass
class Build:
    tmp_path: Path
    settings: Settings
    core: dg.ExecuteInProcessResult
    weekly: dg.ExecuteInProcessResult

    def settings_again(self, monkeypatch: pytest.MonkeyPatch, **overrides: str) -> Settings:
        """The build's settings exported again (a test's own environment), with overrides."""
        return make_settings(self.tmp_path, monkeypatch, **{**self.environment, **overrides})

    @property
    def environment(self) -> dict[str, str]:
        return {
            "WAREHOUSE_SNAPSHOT_DIR": str(self.settings.snapshot_dir),
            "WAREHOUSE_LANDING_DIR": str(self.settings.landing_dir),
            "WAREHOUSE_ENGINE": self.settings.engine,
        }


def spark_built(tmp_path: Path, snapshot_dir: Path, landing_dir: Path) -> Build:
    """`make run` on Spark without figures (they read the published DuckDB file whatever the
    engine: tests/integration/test_generated_default.py draws them): the paper snapshot, then
    the weeks."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(
            tmp_path, monkeypatch, WAREHOUSE_ENGINE="spark",
            WAREHOUSE_SNAPSHOT_DIR=str(snapshot_dir), WAREHOUSE_LANDING_DIR=str(landing_dir),
        )
        with dg.DagsterInstance.ephemeral() as instance:
            core = run_warehouse(settings, instance=instance)
            weekly = run_weekly(settings, instance, FIRST_WEEK, LAST_WEEK)
    return Build(tmp_path, settings, core, weekly)


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory, real_weekly_dir) -> Path:
    """One landing directory for both builds: the file paths are lineage in the marts."""
    return landing_dir_with(tmp_path_factory.mktemp("weeks"), real_weekly_dir, *WEEK_FILES)


@pytest.fixture(scope="module")
def duckdb_build(real_snapshot_build, tmp_path_factory, landing_dir) -> Build:
    """The session's build of the real paper snapshot on DuckDB, then the same weeks as Spark's."""
    tmp_path = tmp_path_factory.mktemp("duckdb")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = real_snapshot_build.copy(tmp_path, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing_dir))
        weekly = run_weekly(settings, None, FIRST_WEEK, LAST_WEEK)
    return Build(tmp_path, settings, real_snapshot_build.results["core"], weekly)


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory, real_snapshot_dir, landing_dir) -> Build:
    return spark_built(tmp_path_factory.mktemp("spark"), real_snapshot_dir, landing_dir)


def published_marts(settings: Settings) -> list[str]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return [f"marts.{name}" for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]


def test_the_spark_build_materialises_every_asset_with_every_check_passing(spark_build, duckdb_build):
    for result in (spark_build.core, spark_build.weekly):
        assert result.success, run_failures(result)
        assert [name for name, e in check_evaluations(result).items() if not e.passed] == [], run_failures(result)
    # The same graph, the same checks, whatever the engine.
    drawn = {key for key in materialized_keys(duckdb_build.core) if key.split("/")[0] in ("figures", "report")}
    assert drawn and materialized_keys(spark_build.core) == materialized_keys(duckdb_build.core) - drawn
    assert set(check_evaluations(spark_build.core)) == set(check_evaluations(duckdb_build.core))


def test_raw_tables_land_as_parquet_and_spark_reads_them_through_their_gates(spark_build):
    spark_dir = spark_build.settings.spark_dir
    assert {"leaderboard", "repo_details", "commit_data", "leaderboard_v2", "hfc_commits"} <= set(landed_raw_tables(spark_dir))
    materialisation = next(
        e for e in spark_build.core.get_asset_materialization_events() if e.asset_key.to_user_string() == "raw/leaderboard"
    ).step_materialization_data.materialization
    metadata = {k: v.value for k, v in materialisation.metadata.items()}
    assert metadata["engine"] == "spark"
    assert metadata["landed_parquet"] == str(raw_table_dir(spark_dir, "leaderboard"))
    assert metadata["rows_read_by_spark"] == metadata["dagster/row_count"] == metadata["rows_validated_by_spark"]
    gate = check_evaluations(spark_build.core)["raw/leaderboard:leaderboard_expectations"]
    assert gate.passed and gate.metadata["rows_checked"].value == metadata["rows_read_by_spark"]


def test_dbt_builds_on_spark_not_in_the_working_database(spark_build):
    """The marts are Spark's Parquet tables, copied into the working database for publishing;
    staging and intermediate models exist on Spark only."""
    spark_dir = spark_build.settings.spark_dir
    assert list(model_table_dir(spark_dir, "marts", "dim_models").glob("*.parquet"))
    assert list(model_table_dir(spark_dir, "intermediate", "int_model_families").glob("*.parquet"))
    with duckdb.connect(str(spark_build.settings.working_duckdb_path), read_only=True) as conn:
        schemas = {s for (s,) in conn.execute("select distinct table_schema from information_schema.tables").fetchall()}
    assert "marts" in schemas and not schemas & {"staging", "intermediate", "seeds"}


def test_core_marts_on_spark_equal_duckdb_row_for_row(spark_build, duckdb_build):
    marts = published_marts(duckdb_build.settings)
    assert marts == published_marts(spark_build.settings)
    assert len(marts) >= 25
    core = [m for m in marts if m.split(".")[1] not in WEEKLY_MARTS]
    with (duckdb.connect(str(duckdb_build.settings.duckdb_path), read_only=True) as on_duckdb,
          duckdb.connect(str(spark_build.settings.duckdb_path), read_only=True) as on_spark):
        assert table_differences(on_duckdb, on_spark, core) == {}
        assert on_spark.execute("select count(*) from marts.dim_models").fetchone()[0] > 6000


def test_weekly_backfill_on_spark_equals_duckdb(spark_build, duckdb_build):
    weekly = [f"marts.{name}" for name in WEEKLY_MARTS]
    with (duckdb.connect(str(duckdb_build.settings.duckdb_path), read_only=True) as on_duckdb,
          duckdb.connect(str(spark_build.settings.duckdb_path), read_only=True) as on_spark):
        assert table_differences(on_duckdb, on_spark, weekly) == {}
        kinds = dict(on_spark.execute(
            "select change_kind, count(*) from marts.leaderboard_v2_history group by 1").fetchall())
    assert kinds["first_seen"] > 1000 and kinds["restated"] > 0, kinds


def test_a_failing_raw_gate_on_spark_blocks_downstream_and_keeps_the_landed_parquet(
    spark_build, tmp_path, monkeypatch
):
    snapshot = tmp_path / "snapshot"
    shutil.copytree(spark_build.settings.snapshot_dir, snapshot)
    commit_data = snapshot / "commit_data.csv"
    commit_data.write_text(commit_data.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    settings = spark_build.settings_again(monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(snapshot))
    landed = raw_table_dir(settings.spark_dir, "commit_data")
    landed_before = {p.name: file_sha256(p) for p in landed.iterdir()}
    published_before = PublishedState.of(settings)

    result = run_warehouse(settings, figures=True)

    assert not result.success
    failed = {name for name, e in check_evaluations(result).items() if not e.passed}
    assert failed == {"raw/commit_data:commit_data_expectations"}
    assert "check raw/commit_data:commit_data_expectations: {" in run_failures(result)
    assert not {"intermediate/int_commit_authors", "marts/authors_over_time", "published/warehouse",
                "figures/authors_over_time"} & materialized_keys(result)
    assert {p.name: file_sha256(p) for p in landed.iterdir()} == landed_before
    assert PublishedState.of(settings) == published_before


def test_a_failing_dbt_test_on_spark_blocks_everything_downstream(spark_build, monkeypatch):
    """A row that slipped past the raw gate (written straight into the landed Parquet) fails an
    error-severity dbt test on Spark: Dagster skips the models below it, their figures and the
    publish, and users keep the version they had. Changes the Spark build: runs last."""
    settings = spark_build.settings_again(monkeypatch)
    landed = raw_table_dir(settings.spark_dir, "leaderboard")
    (part,) = landed.glob("*.parquet")
    with duckdb.connect() as conn:
        conn.execute(
            f"copy (select * replace (case when _source_row = 3 then '150.0' else average end as average) "
            f"from read_parquet('{part}')) to '{landed / 'slipped.parquet'}' (format parquet)"
        )
    part.unlink()
    published_before = PublishedState.of(settings)
    selection = {"staging/stg_leaderboard", "intermediate/int_leaderboard_models", "marts/dim_models",
                 "marts/weekly_models_by_type", "figures/weekly_models_by_type", "published/warehouse"}

    result = run_warehouse(settings, figures=True, only=selection)

    failed = {name for name, e in check_evaluations(result).items() if not e.passed}
    assert failed == {"staging/stg_leaderboard:accepted_range_stg_leaderboard_average__100__0"}
    assert "check staging/stg_leaderboard:accepted_range_stg_leaderboard_average__100__0" in run_failures(result)
    assert materialized_keys(result) == {"staging/stg_leaderboard"}
    assert PublishedState.of(settings) == published_before
