"""The final v1 table as the v1 source (WAREHOUSE_V1_SOURCE=final_table), through the real
`build_warehouse` job: the real v1_2024-07-07.csv with the paper snapshot's repo details and
commit data, marts checked against values computed straight from the CSV in pandas (no
project SQL); the generator's leaderboard_v1_final.csv; and the final table's gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.bad_inputs import rewrite_csv
from tests.integration.builds import Build, exported_settings
from tests.integration.paper_reference import TYPE_BY_TEXT
from tests.integration.harness import (
    MARTS,
    PublishedState,
    changed_tables,
    check_evaluations,
    materialized_keys,
    run_failures,
    run_warehouse,
    warehouse_tables,
)
BENCHMARKS = ["average", "arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"]


class FinalTableReference:
    """METHOD.md read straight off a final-table CSV: one row per lower-cased id, the highest
    average, ties by the smallest sha (a missing sha last), then the earlier row; a model with
    any flagged row (raw FALSE: the flags are inverted) is left out."""

    def __init__(self, path: Path):
        board = pd.read_csv(path, dtype=str, keep_default_na=False)
        self.rows = len(board)
        board["model_id"] = board["fullname"].str.strip().str.lower()
        board["row"] = range(len(board))
        board["no_sha"] = board["model_sha"].str.strip() == ""
        for name in BENCHMARKS:
            board[name] = pd.to_numeric(board[name])
        self.flagged_ids = set(board.loc[board["flagged"].str.strip() == "FALSE", "model_id"])
        best = board.sort_values(
            ["model_id", "average", "no_sha", "model_sha", "row"], ascending=[True, False, True, True, True]
        ).drop_duplicates("model_id")
        self.all_ids = set(best["model_id"])
        kept = best[~best["model_id"].isin(self.flagged_ids)].copy()
        kept["model_type"] = kept["type"].map(self._type_of)
        kept["is_merged"] = kept["merged"] == "FALSE"
        kept["is_moe"] = kept["moe"] == "FALSE"
        kept["evaluated_at"] = pd.to_datetime(kept["date"].replace("", None), format="ISO8601", utc=True)
        self.models = kept.set_index("model_id")

    @staticmethod
    def _type_of(type_string: str) -> str:
        text = type_string.lower()
        return next((kind for needle, kind in TYPE_BY_TEXT if needle in text), "unknown")

    def models_per_type(self) -> dict[str, int]:
        return self.models["model_type"].value_counts().to_dict()


def _dim_models(settings) -> pd.DataFrame:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        frame = conn.execute(
            "select model_id, model_type, precision, is_merged, is_moe, evaluated_at, "
            + ", ".join(BENCHMARKS) + " from marts.dim_models"
        ).df()
    frame["evaluated_at"] = pd.to_datetime(frame["evaluated_at"], utc=True)
    return frame.set_index("model_id")


def _leaderboard_metadata(result) -> dict:
    events = result.get_asset_materialization_events()
    [event] = [e for e in events if e.asset_key.to_user_string() == "raw/leaderboard"]
    return {key: value.value for key, value in event.materialization.metadata.items()}


# --------------------------------------------------------------------------------------------
# The real final v1 table
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_build(real_snapshot_build, real_final_table, tmp_path_factory):
    """The session's real paper snapshot build, run again with the real final table as its v1
    leaderboard (only raw/leaderboard reloads; every gate, model and test runs)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = real_snapshot_build.copy(
            tmp_path_factory.mktemp("final_table"), monkeypatch,
            WAREHOUSE_V1_SOURCE="final_table", WAREHOUSE_V1_FINAL_TABLE=str(real_final_table),
        )
        result = run_warehouse(settings)
    return settings, result


@pytest.fixture(scope="module")
def reference(real_final_table) -> FinalTableReference:
    return FinalTableReference(real_final_table)


def test_the_real_final_table_builds_every_mart_with_every_check_passing(real_build):
    _, result = real_build
    assert result.success
    assert [name for name, e in check_evaluations(result).items() if not e.passed] == []
    assert {f"marts/{mart}" for mart in MARTS} | {"published/warehouse"} <= materialized_keys(result)
    check = check_evaluations(result)["raw/leaderboard:leaderboard_expectations"]
    assert check.passed and "v1_2024-07-07.csv" in check.description


def test_raw_leaderboard_says_which_layout_and_file_it_loaded(real_build, real_final_table, reference):
    settings, result = real_build
    metadata = _leaderboard_metadata(result)
    assert metadata["layout"] == "final_table"
    assert metadata["suite"] == "raw_leaderboard_final_table"
    assert metadata["source_file"] == str(real_final_table)
    assert metadata["dagster/row_count"] == reference.rows == 7169
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        files = conn.execute("select distinct _source_file from raw.leaderboard").fetchall()
        assert files == [(str(real_final_table),)]
        # staging exposes the evaluation date: every row but the 25 without one
        dated = conn.execute("select count(evaluated_at), count(*) from staging.stg_leaderboard").fetchone()
        assert dated == (7144, 7169)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        published = dict(conn.execute("select table_name, row_count from meta.source_files").fetchall())
    assert published["raw.leaderboard"] == 7169


def test_dim_models_counts_and_models_per_type(real_build, reference):
    dim = _dim_models(real_build[0])
    assert len(dim) == len(reference.models) == 6696
    assert dim.index.is_unique
    assert dim["model_type"].value_counts().to_dict() == reference.models_per_type()


def test_flagged_models_are_excluded(real_build, reference):
    dim = _dim_models(real_build[0])
    assert len(reference.flagged_ids) == 101
    assert set(dim.index) & reference.flagged_ids == set()
    assert set(dim.index) | reference.flagged_ids == reference.all_ids


def test_each_model_keeps_its_best_evaluation(real_build, reference):
    """Highest average, ties by the smallest sha: every score, the precision, the flags and the
    evaluation date of the kept row agree with the pandas reading of the CSV."""
    dim = _dim_models(real_build[0]).sort_index()
    expected = reference.models.sort_index()
    assert list(dim.index) == list(expected.index)
    for column in [*BENCHMARKS, "precision", "is_merged", "is_moe", "evaluated_at"]:
        mismatched = dim.index[(dim[column] != expected[column]) & ~(dim[column].isna() & expected[column].isna())]
        assert list(mismatched) == [], f"{column}: {list(mismatched[:5])}"


# --------------------------------------------------------------------------------------------
# The generated final table (the offline default, WAREHOUSE_V1_SOURCE=final_table)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def final_table_build(generated_build, tmp_path_factory):
    """The session's generated build, run again with the generator's final table as its v1
    leaderboard: (the build, its settings, the run)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        root = tmp_path_factory.mktemp("generated_final")
        settings = generated_build.copy(root, monkeypatch, WAREHOUSE_V1_SOURCE="final_table")
        result = run_warehouse(settings)
        return Build(root, exported_settings(), {"core": result}), settings, result


def test_the_generated_final_table_builds(final_table_build):
    _, settings, result = final_table_build
    assert settings.snapshot_dir is None and settings.v1_final_table is None
    assert result.success
    assert [name for name, e in check_evaluations(result).items() if not e.passed] == []
    assert {f"marts/{mart}" for mart in MARTS} <= materialized_keys(result)
    path = settings.generated_dir / "leaderboard_v1_final.csv"
    assert path == settings.v1_final_table_path
    metadata = _leaderboard_metadata(result)
    assert (metadata["layout"], metadata["source_file"]) == ("final_table", str(path))

    reference = FinalTableReference(path)
    dim = _dim_models(settings)
    assert len(dim) == len(reference.models) > 0
    assert dim["model_type"].value_counts().to_dict() == reference.models_per_type()
    assert set(dim.index) & reference.flagged_ids == set()
    assert dim["evaluated_at"].notna().mean() > 0.99
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        for mart in MARTS:
            assert conn.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


def test_a_final_table_with_the_scrapes_spelling_is_stopped_at_its_gate(final_table_build, tmp_path, monkeypatch):
    """`False` is the scrape's spelling: in a final table it is an error, caught by the final
    table's suite, and nothing downstream runs; the published warehouse stays as it was."""
    good, good_settings, _ = final_table_build
    bad_dir = tmp_path / "snapshot"
    shutil.copytree(good_settings.generated_dir, bad_dir, ignore=shutil.ignore_patterns("leaderboard_v2", "hfcommunity"))

    def scrape_spelling(rows):
        rows[4][rows[0].index("flagged")] = "False"
        return rows

    rewrite_csv(bad_dir / "leaderboard_v1_final.csv", ",", scrape_spelling)
    # The good build's other inputs (the generated HFCommunity dump) stay the same.
    settings = good.copy(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(bad_dir))
    published_before = PublishedState.of(settings)
    tables_before = warehouse_tables(settings)

    result = run_warehouse(settings)

    assert not result.success
    evaluation = check_evaluations(result)["raw/leaderboard:leaderboard_expectations"]
    assert not evaluation.passed
    assert "column 'flagged' row 4 of leaderboard_v1_final.csv" in evaluation.description
    assert "values other than TRUE/FALSE ('False')" in evaluation.description
    assert {key for key in materialized_keys(result) if not key.startswith("raw/")} == set()
    assert PublishedState.of(settings) == published_before
    assert changed_tables(tables_before, warehouse_tables(settings)) == []


def test_a_file_of_the_other_layout_is_named_with_the_setting_to_change(final_table_build, tmp_path, monkeypatch):
    """WAREHOUSE_V1_FINAL_TABLE pointing at a scrape: the load fails naming the file, the
    columns it lacks, and the setting that would read it."""
    good, good_settings, _ = final_table_build
    scrape = good_settings.generated_dir / "leaderboard.csv"
    settings = good.copy(tmp_path, monkeypatch, WAREHOUSE_V1_FINAL_TABLE=str(scrape))
    result = run_warehouse(settings, only={"raw/leaderboard"})
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert str(scrape) in message
    assert "missing column(s) 't', 'url'" in message
    assert "the 'paper_scrape' layout" in message and "WAREHOUSE_V1_SOURCE=paper_scrape" in message


# --------------------------------------------------------------------------------------------
# The v1 dataset's own parquet (WAREHOUSE_V1_SOURCE=dataset_parquet): the generator writes the
# final table's rows as open-llm-leaderboard-old/contents' parquet (leaderboard_v1.parquet)
# --------------------------------------------------------------------------------------------

V1_MODELS = {"raw/leaderboard", "staging/stg_leaderboard", "intermediate/int_leaderboard_models", "marts/dim_models"}


@pytest.fixture(scope="module")
def dataset_parquet_run(generated_build, tmp_path_factory):
    """The session's generated build (its v1 leaderboard the paper's scrape), run again on the
    v1 dataset's parquet for raw/leaderboard and the models between it and dim_models only."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = generated_build.copy(tmp_path_factory.mktemp("dataset_parquet"), monkeypatch,
                                        WAREHOUSE_V1_SOURCE="dataset_parquet")
        result = run_warehouse(settings, only=V1_MODELS)
    return settings, result


def _working_rows(settings, query: str) -> list[tuple]:
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        return conn.execute(query).fetchall()


def test_the_v1_dataset_parquet_gives_the_final_tables_dim_models(dataset_parquet_run, final_table_build):
    """The same rows as the final table's CSV, read from the dataset's parquet layout (typed,
    the Space's column names, the Hub URL in an HTML anchor), give the same staging rows and the
    same marts.dim_models, flags and evaluation dates included."""
    settings, result = dataset_parquet_run
    _, final_settings, _ = final_table_build
    assert result.success, run_failures(result)
    assert materialized_keys(result) == V1_MODELS
    metadata = _leaderboard_metadata(result)
    path = settings.generated_dir / "leaderboard_v1.parquet"
    assert (metadata["layout"], metadata["suite"], metadata["source_file"]) == (
        "dataset_parquet", "raw_leaderboard_final_table", str(path))
    assert metadata["reloaded"] is True and check_evaluations(result)["raw/leaderboard:leaderboard_expectations"].passed
    assert _working_rows(settings, "select distinct _source_file from raw.leaderboard") == [(str(path),)]
    staged = "select * exclude (_source_file, _source_checksum) from staging.stg_leaderboard order by _source_row"
    assert _working_rows(settings, staged) == _working_rows(final_settings, staged)
    dim = "select * from marts.dim_models order by model_id"
    ours = _working_rows(settings, dim)
    assert ours == _working_rows(final_settings, dim) and len(ours) > 1000
    # the paper's scrape (the build copied) has no evaluation dates: dim_models was rebuilt
    assert _working_rows(settings, "select count(evaluated_at) > 0 from marts.dim_models") == [(True,)]
