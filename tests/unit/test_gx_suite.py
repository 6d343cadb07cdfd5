"""The raw-source GX suites: pass on the real snapshot, and each check family catches its error.

Pure pandas + GX (one ephemeral context per process); the real files are read once through the
reader into a temporary DuckDB. Corrupted frames are small slices of the real tables with known
damage; each damaged (column, rule) must fail its own expectation, and nothing else may fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.checks.gx_suite import (
    FailedExpectation,
    SuiteOutcome,
    load_suite_spec,
    suite_path,
    to_check_result,
    validate_frame,
)
from orchestration.checks.raw_checks import RAW_SOURCES, raw_check_spec, raw_suite_name, validate_raw_table
from orchestration.settings import real_data_dir
from orchestration.defs.paper_snapshot.reader import LEADERBOARD_V1_FINAL, SNAPSHOT_FILES, load_snapshot_file

SNAPSHOT_DIR = real_data_dir() / "paper-snapshot-2024-05"
REAL_ROWS = {"leaderboard": 6611, "repo_details": 5907, "commit_data": 5635}
SLICE = 25


@pytest.fixture(scope="module")
def real_frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    if not SNAPSHOT_DIR.is_dir():
        pytest.skip(f"real snapshot not found at {SNAPSHOT_DIR} (set WAREHOUSE_REAL_DATA_DIR)")
    # not raw.duckdb: a catalog named "raw" makes the schema name raw ambiguous in DuckDB
    db = tmp_path_factory.mktemp("gx_suite") / "warehouse.duckdb"
    with duckdb.connect(str(db)) as conn:
        for name, spec in SNAPSHOT_FILES.items():
            load_snapshot_file(conn, spec, SNAPSHOT_DIR / spec.file_name)
        return {name: conn.execute(f"select * from raw.{name}").df() for name in SNAPSHOT_FILES}


def _slice(real_frames: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    return real_frames[name].head(SLICE).copy()


def _failed(outcome: SuiteOutcome) -> dict[tuple[str, str | None], FailedExpectation]:
    return {(f.expectation_type, f.column): f for f in outcome.failed_expectations}


# --------------------------------------------------------------------------------------------
# The suites as data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RAW_SOURCES)
def test_suite_file_is_gx_suite_json_naming_every_reader_column(name: str) -> None:
    data = json.loads(suite_path(f"raw_{name}").read_text(encoding="utf-8"))
    assert data["name"] == f"raw_{name}"
    assert data["meta"]["table"] == f"raw.{name}"
    assert data["meta"]["source_file"] == SNAPSHOT_FILES[name].file_name
    required = [
        e["kwargs"]["column"] for e in data["expectations"] if e["type"] == "expect_column_to_exist"
    ]
    assert required == SNAPSHOT_FILES[name].raw_columns + ["_source_file", "_source_row"]
    assert all(e["meta"].get("family") and e["meta"].get("failure") for e in data["expectations"])


def test_unknown_suite_is_an_error() -> None:
    with pytest.raises(ValueError, match="no expectation suite 'raw_nope'"):
        load_suite_spec("raw_nope")


# --------------------------------------------------------------------------------------------
# The real data is correct by definition
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RAW_SOURCES)
def test_suite_passes_on_real_snapshot(real_frames: dict[str, pd.DataFrame], name: str) -> None:
    outcome = validate_frame(real_frames[name], f"raw_{name}")
    assert outcome.success, outcome.summary
    assert outcome.failed_expectations == ()
    assert outcome.rows_checked == REAL_ROWS[name]
    assert outcome.evaluated_expectations == len(load_suite_spec(f"raw_{name}")["expectations"])
    assert outcome.source_file == SNAPSHOT_FILES[name].file_name


def test_known_quirks_pass(real_frames: dict[str, pd.DataFrame]) -> None:
    """The baseline row (type, params, likes read `None`, sha `N/A`) and bare legacy ids."""
    lb = real_frames["leaderboard"]
    quirky = lb[lb["model_name_for_query"].isin(["baseline", "gpt2", "distilgpt2", "gpt2-xl"])]
    baseline = quirky[quirky["model_name_for_query"] == "baseline"].iloc[0]
    assert (baseline["type"], baseline["params_b"], baseline["hub_likes"]) == ("None", "None", "None")
    assert validate_frame(quirky, "raw_leaderboard").success

    rd = real_frames["repo_details"]
    quirky_rd = rd[rd["name"].isin(["baseline", "gpt2", "distilgpt2", "gpt2-xl"]) | rd["base_model"].isna()]
    assert validate_frame(quirky_rd, "raw_repo_details").success


# --------------------------------------------------------------------------------------------
# Each check family: a corrupted frame fails with the right expectation, count, rows and column
# --------------------------------------------------------------------------------------------


def _set(column: str, values: dict[int, object]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        for position, value in values.items():
            df.loc[df.index[position], column] = value
        return df

    return mutate


# (id, source, mutation, failing expectation type, column, unexpected count, corrupted positions).
# GX validation costs about a second per run whatever the size, so each source's cases are applied
# to one slice and validated once; test_corrupted_frames_fail_exactly_the_expected_expectations
# proves that nothing else failed, so each case is as isolated as if it had its own frame.
CASES = [
    ("null_leaderboard_id", "leaderboard", _set("model_name_for_query", {2: None}),
     "expect_column_values_to_not_be_null", "model_name_for_query", 1, [2]),
    ("unparseable_number", "leaderboard", _set("mmlu", {5: "abc"}),
     "expect_column_values_to_match_regex", "mmlu", 1, [5]),
    ("score_out_of_range", "leaderboard", _set("arc", {1: "123", 9: "-0.5"}),
     "expect_column_values_to_be_between", "arc", 2, [1, 9]),
    ("unknown_type", "leaderboard", _set("type", {8: "🔷"}),
     "expect_column_values_to_be_in_set", "type", 1, [8]),
    ("bad_boolean", "leaderboard", _set("flagged", {10: "yes"}),
     "expect_column_values_to_be_in_set", "flagged", 1, [10]),
    ("negative_likes", "leaderboard", _set("hub_likes", {4: "-3.0"}),
     "expect_column_values_to_be_between", "hub_likes", 1, [4]),
    ("malformed_id", "repo_details", _set("name", {3: "org/name/extra", 7: "has space/x"}),
     "expect_column_values_to_match_regex", "name", 2, [3, 7]),
    ("date_too_early", "repo_details", _set("created_at", {2: "2010-05-05 00:00:00+00:00"}),
     "expect_column_values_to_be_between", "created_at", 1, [2]),
    ("unparseable_timestamp", "repo_details", _set("last_modified", {4: "2024-02-30 00:00:00+00:00"}),
     "expect_column_values_to_match_strftime_format", "last_modified", 1, [4]),
    ("malformed_tags", "repo_details", _set("tags", {5: "['transformers', 'llama'"}),
     "expect_column_values_to_match_regex", "tags", 1, [5]),
    ("negative_downloads", "repo_details", _set("downloads", {6: "-5"}),
     "expect_column_values_to_be_between", "downloads", 1, [6]),
    ("null_id", "commit_data", _set("name", {4: None}),
     "expect_column_values_to_not_be_null", "name", 1, [4]),
    ("unparseable_count", "commit_data", _set("num_of_commits", {6: "many"}),
     "expect_column_values_to_match_regex", "num_of_commits", 1, [6]),
    ("negative_commits", "commit_data", _set("num_of_commits", {1: "-1"}),
     "expect_column_values_to_be_between", "num_of_commits", 1, [1]),
    ("date_in_future", "commit_data",
     _set("last_commit", {3: "2999-01-01 00:00:00+00:00", 5: "2100-01-01 00:00:00+00:00"}),
     "expect_column_values_to_be_between", "last_commit", 2, [3, 5]),
    ("malformed_authors", "commit_data", _set("authors", {0: "zyh3826"}),
     "expect_column_values_to_match_regex", "authors", 1, [0]),
]


@pytest.fixture(scope="module")
def corrupted(real_frames: dict[str, pd.DataFrame]) -> dict[str, tuple[pd.DataFrame, SuiteOutcome]]:
    """source → (the corrupted slice, its outcome): every case of a source in one frame."""
    result = {}
    for source in RAW_SOURCES:
        frame = _slice(real_frames, source)
        for case in CASES:
            if case[1] == source:
                frame = case[2](frame)
        result[source] = (frame, validate_frame(frame, f"raw_{source}"))
    return result


@pytest.mark.parametrize("source", RAW_SOURCES)
def test_corrupted_frames_fail_exactly_the_expected_expectations(
    corrupted: dict[str, tuple[pd.DataFrame, SuiteOutcome]], source: str
) -> None:
    _, outcome = corrupted[source]
    assert not outcome.success
    expected = [(case[3], case[4]) for case in CASES if case[1] == source]
    assert sorted(_failed(outcome), key=str) == sorted(expected, key=str), outcome.summary


@pytest.mark.parametrize(
    ("source", "expectation_type", "column", "count", "positions"),
    [pytest.param(case[1], *case[3:], id=case[0]) for case in CASES],
)
def test_corruption_fails_with_the_right_expectation(
    corrupted: dict[str, tuple[pd.DataFrame, SuiteOutcome]],
    source: str,
    expectation_type: str,
    column: str,
    count: int,
    positions: list[int],
) -> None:
    frame, outcome = corrupted[source]
    failure = _failed(outcome)[(expectation_type, column)]
    assert failure.unexpected_count == count
    assert failure.unexpected_percent == pytest.approx(100 * count / SLICE, abs=0.01)

    expected_rows = [int(frame["_source_row"].iloc[p]) for p in positions]
    assert [s.source_row for s in failure.sample_rows] == expected_rows
    assert {s.column for s in failure.sample_rows} == {column}
    assert all(s.source_file.endswith(SNAPSHOT_FILES[source].file_name) for s in failure.sample_rows)
    # the sample shows the raw text as in the file, even for range checks on cast columns
    raw_values = [frame[column].iloc[p] for p in positions]
    assert [s.value for s in failure.sample_rows] == [None if pd.isna(v) else v for v in raw_values]
    table = to_check_result(outcome).metadata["sample_rows"].value
    for row in expected_rows:
        assert f"| {SNAPSHOT_FILES[source].file_name} | {row} | {column} |" in table


def test_unparseable_score_is_reported_as_unparseable_not_out_of_range(
    real_frames: dict[str, pd.DataFrame],
) -> None:
    frame = _set("arc", {2: "abc", 3: "1e9"})(_slice(real_frames, "leaderboard"))
    failed = _failed(validate_frame(frame, "raw_leaderboard"))
    assert failed[("expect_column_values_to_match_regex", "arc")].unexpected_count == 1
    # '1e9' parses, so only the range check sees it; 'abc' is not silently dropped: it failed above
    between = failed[("expect_column_values_to_be_between", "arc")]
    assert between.unexpected_count == 1
    assert [s.value for s in between.sample_rows] == ["1e9"]


def test_missing_column(real_frames: dict[str, pd.DataFrame]) -> None:
    frame = _slice(real_frames, "leaderboard").drop(columns=["arc"])
    outcome = validate_frame(frame, "raw_leaderboard")
    failed = _failed(outcome)
    missing = failed[("expect_column_to_exist", "arc")]
    assert missing.family == "required_column"
    assert missing.unexpected_count is None
    # every other failure is on the missing column, and says it could not be evaluated
    assert {col for _, col in failed} == {"arc"}
    assert all(f.exception for key, f in failed.items() if key[0] != "expect_column_to_exist")
    assert "column 'arc' is missing from leaderboard.csv" in outcome.summary


def test_empty_table(real_frames: dict[str, pd.DataFrame]) -> None:
    outcome = validate_frame(real_frames["commit_data"].head(0), "raw_commit_data")
    failed = _failed(outcome)
    assert list(failed) == [("expect_table_row_count_to_be_between", None)]
    assert failed[("expect_table_row_count_to_be_between", None)].observed_value == 0
    assert outcome.rows_checked == 0
    assert "the table has no rows" in outcome.summary


def test_without_source_row_failures_name_frame_rows(real_frames: dict[str, pd.DataFrame]) -> None:
    frame = _set("downloads", {6: "-5"})(_slice(real_frames, "repo_details")).drop(columns=["_source_row"])
    outcome = validate_frame(frame, "raw_repo_details")
    failed = _failed(outcome)
    assert ("expect_column_to_exist", "_source_row") in failed
    sample = failed[("expect_column_values_to_be_between", "downloads")].sample_rows[0]
    assert (sample.source_row, sample.frame_row, sample.value) == (None, 7, "-5")


def test_samples_are_capped_at_five(real_frames: dict[str, pd.DataFrame]) -> None:
    frame = _slice(real_frames, "leaderboard")
    frame["gsm8k"] = "101"
    outcome = validate_frame(frame, "raw_leaderboard")
    failure = _failed(outcome)[("expect_column_values_to_be_between", "gsm8k")]
    assert failure.unexpected_count == SLICE
    assert len(failure.sample_rows) == 5
    rows = ", ".join(str(r) for r in frame["_source_row"].iloc[:5])
    assert f"column 'gsm8k' rows {rows} and {SLICE - 5} more of leaderboard.csv" in outcome.summary


# --------------------------------------------------------------------------------------------
# Dagster
# --------------------------------------------------------------------------------------------


def test_to_check_result_failed(real_frames: dict[str, pd.DataFrame]) -> None:
    frame = _set("arc", {1: "123", 9: "-0.5"})(_slice(real_frames, "leaderboard"))
    rows = [int(frame["_source_row"].iloc[p]) for p in (1, 9)]
    outcome = validate_frame(frame, "raw_leaderboard")
    result = to_check_result(outcome, asset_key=dg.AssetKey(["raw", "leaderboard"]))

    assert isinstance(result, dg.AssetCheckResult)
    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.asset_key == dg.AssetKey(["raw", "leaderboard"])
    n = outcome.evaluated_expectations
    assert result.description == (
        f"raw.leaderboard: 1 of {n} expectations failed — column 'arc' rows {rows[0]}, {rows[1]} "
        "of leaderboard.csv: values outside 0–100 ('123', '-0.5')"
    )
    md = result.metadata
    assert set(md) >= {
        "failed_expectations", "unexpected_counts", "sample_rows", "evaluated_expectations", "rows_checked",
    }
    assert isinstance(md["failed_expectations"], dg.JsonMetadataValue)
    [failure] = md["failed_expectations"].value
    assert failure["expectation_type"] == "expect_column_values_to_be_between"
    assert failure["column"] == "arc"
    assert failure["unexpected_count"] == 2
    assert failure["kwargs"] == {"column": "arc__as_number", "min_value": 0.0, "max_value": 100.0}
    assert [(s["source_row"], s["column"], s["value"]) for s in failure["sample_rows"]] == [
        (rows[0], "arc", "123"), (rows[1], "arc", "-0.5"),
    ]
    json.dumps(md["failed_expectations"].value)  # plain JSON
    assert md["unexpected_counts"].value == {"expect_column_values_to_be_between(arc)": 2}
    assert isinstance(md["sample_rows"], dg.MarkdownMetadataValue)
    table = md["sample_rows"].value
    assert table.splitlines()[0] == "| file | row | column | value | expectation | failure |"
    assert f"| leaderboard.csv | {rows[0]} | arc | '123' | expect_column_values_to_be_between |" in table
    assert md["evaluated_expectations"].value == n
    assert md["rows_checked"].value == SLICE


def test_to_check_result_passed(real_frames: dict[str, pd.DataFrame]) -> None:
    result = to_check_result(validate_frame(_slice(real_frames, "commit_data"), "raw_commit_data"))
    assert result.passed is True
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["failed_expectations"].value == []
    assert result.metadata["unexpected_counts"].value == {}
    assert result.description.startswith("raw.commit_data: all ")


@pytest.mark.parametrize("name", RAW_SOURCES)
def test_raw_check_spec_is_a_blocking_check_on_its_raw_asset(name: str) -> None:
    spec = raw_check_spec(name)
    assert spec.key == dg.AssetCheckKey(dg.AssetKey(["raw", name]), f"{name}_expectations")
    assert spec.blocking
    assert f"expectations/raw_{name}.json" in spec.description


def test_raw_check_spec_rejects_an_unknown_source() -> None:
    with pytest.raises(ValueError, match="unknown raw source 'leaderbord'"):
        raw_check_spec("leaderbord")


def test_validate_raw_table_reads_the_table_it_is_given(real_frames: dict[str, pd.DataFrame]) -> None:
    """The gate validates the loading table, not raw.<name>: the rows that would replace it."""
    import duckdb

    frame = real_frames["repo_details"].head(50).copy()
    frame.loc[frame.index[3], "downloads"] = "many"
    with duckdb.connect() as conn:
        conn.register("incoming", frame)
        outcome = validate_raw_table(conn, "repo_details", "incoming")
    assert not outcome.success
    assert {f.column for f in outcome.failed_expectations} == {"downloads"}


# --------------------------------------------------------------------------------------------
# The final v1 table's layout of raw.leaderboard (WAREHOUSE_V1_SOURCE=final_table)
# --------------------------------------------------------------------------------------------

FINAL_TABLE = real_data_dir() / "open-llm-leaderboard" / "v1_2024-07-07.csv"
FINAL_SUITE = "raw_leaderboard_final_table"
# Where the two leaderboard suites may differ: what the layouts spell differently.
LAYOUT_SPECIFIC = {
    ("expect_column_values_to_be_in_set", c) for c in ("merged", "flagged", "moe", "available_on_hub", "type")
} | {
    ("expect_column_values_to_match_regex", c) for c in ("params_b", "hub_likes", "model_sha", "model_name_for_query")
}


@pytest.fixture(scope="module")
def final_frame(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    if not FINAL_TABLE.is_file():
        pytest.skip(f"the real final v1 table is not at {FINAL_TABLE} (set WAREHOUSE_REAL_DATA_DIR)")
    db = tmp_path_factory.mktemp("gx_final") / "warehouse.duckdb"
    with duckdb.connect(str(db)) as conn:
        load_snapshot_file(conn, LEADERBOARD_V1_FINAL, FINAL_TABLE)
        return conn.execute("select * from raw.leaderboard").df()


def test_final_table_suite_names_every_reader_column() -> None:
    data = json.loads(suite_path(FINAL_SUITE).read_text(encoding="utf-8"))
    assert data["name"] == FINAL_SUITE
    assert data["meta"]["table"] == "raw.leaderboard"
    assert data["meta"]["source_file"] == LEADERBOARD_V1_FINAL.file_name
    required = [e["kwargs"]["column"] for e in data["expectations"] if e["type"] == "expect_column_to_exist"]
    assert required == LEADERBOARD_V1_FINAL.raw_columns + ["_source_file", "_source_row"]
    assert all(e["meta"].get("family") and e["meta"].get("failure") for e in data["expectations"])


def _by_key(suite: str) -> dict[tuple[str, str | None], dict]:
    expectations = load_suite_spec(suite)["expectations"]
    keyed = {(e["type"], e["kwargs"].get("column")): e for e in expectations}
    assert len(keyed) == len(expectations), f"{suite}: one expectation per (type, column)"
    return keyed


def test_the_two_leaderboard_suites_differ_only_where_the_layouts_do() -> None:
    """The final table's suite is the scrape's, except for spellings and the evaluation date:
    a rule added to one and not the other fails here."""
    scrape, final = _by_key("raw_leaderboard"), _by_key(FINAL_SUITE)
    dated = {k for k in scrape.keys() | final.keys() if k[1] in ("evaluated_at", "evaluated_at__as_datetime")}
    assert set(scrape) - dated == set(final) - dated
    for key in set(scrape) - dated:
        if key not in LAYOUT_SPECIFIC:
            assert scrape[key]["kwargs"] == final[key]["kwargs"], key
            assert scrape[key]["meta"]["family"] == final[key]["meta"]["family"], key
    # the scrape has no evaluation date; the final table's is parseable and plausible
    assert ("expect_column_values_to_be_null", "evaluated_at") in scrape
    assert ("expect_column_values_to_match_regex", "evaluated_at") in final
    assert ("expect_column_values_to_be_between", "evaluated_at__as_datetime") in final
    for column in ("merged", "flagged", "moe", "available_on_hub"):
        assert set(final[("expect_column_values_to_be_in_set", column)]["kwargs"]["value_set"]) == {"TRUE", "FALSE"}
        assert "TRUE" not in scrape[("expect_column_values_to_be_in_set", column)]["kwargs"]["value_set"]


def test_final_table_suite_passes_on_the_real_final_table(final_frame: pd.DataFrame) -> None:
    outcome = validate_frame(final_frame, FINAL_SUITE)
    assert outcome.success, outcome.summary
    assert outcome.rows_checked == 7169
    assert outcome.source_file == "v1_2024-07-07.csv"
    # the quirks it has to let through: empty dates and shas, ids ending in `_`, naive dates
    assert final_frame["evaluated_at"].isna().sum() == 25
    assert final_frame["model_sha"].isna().sum() == 8
    assert final_frame["model_name_for_query"].str.endswith("_").any()
    assert (~final_frame["evaluated_at"].dropna().str.endswith("Z")).sum() == 5  # 2023-09-15T11:25:37.641845


def test_each_suite_rejects_the_other_layouts_spelling(final_frame, real_frames) -> None:
    scrape_on_final = _failed(validate_frame(_slice(real_frames, "leaderboard"), FINAL_SUITE))
    assert {("expect_column_values_to_be_in_set", c) for c in ("merged", "flagged", "moe", "available_on_hub")} <= set(
        scrape_on_final
    )
    final_on_scrape = _failed(validate_frame(final_frame.head(SLICE), "raw_leaderboard"))
    assert set(final_on_scrape) == {
        *(("expect_column_values_to_be_in_set", c) for c in ("merged", "flagged", "moe", "available_on_hub")),
        ("expect_column_values_to_be_null", "evaluated_at"),
    }
    assert final_on_scrape[("expect_column_values_to_be_null", "evaluated_at")].unexpected_count == SLICE


FINAL_CASES = [
    ("scrape_spelling", _set("flagged", {3: "False"}), "expect_column_values_to_be_in_set", "flagged", 1, [3]),
    ("bad_boolean", _set("moe", {6: "yes"}), "expect_column_values_to_be_in_set", "moe", 1, [6]),
    ("none_params", _set("params_b", {2: "None"}), "expect_column_values_to_match_regex", "params_b", 1, [2]),
    ("unparseable_date", _set("evaluated_at", {4: "05/05/2024"}),
     "expect_column_values_to_match_regex", "evaluated_at", 1, [4]),
    ("date_in_future", _set("evaluated_at", {7: "2999-01-01T00:00:00Z", 8: "2022-01-01T00:00:00Z"}),
     "expect_column_values_to_be_between", "evaluated_at", 2, [7, 8]),
    ("score_out_of_range", _set("gsm8k", {1: "101"}), "expect_column_values_to_be_between", "gsm8k", 1, [1]),
]


def test_final_table_corruptions_fail_exactly_their_expectations(final_frame: pd.DataFrame) -> None:
    frame = final_frame.head(SLICE).copy()
    for case in FINAL_CASES:
        frame = case[1](frame)
    outcome = validate_frame(frame, FINAL_SUITE)
    failed = _failed(outcome)
    assert sorted(failed, key=str) == sorted(((c[2], c[3]) for c in FINAL_CASES), key=str), outcome.summary
    for _, _, expectation, column, count, positions in FINAL_CASES:
        failure = failed[(expectation, column)]
        assert failure.unexpected_count == count
        assert [s.source_row for s in failure.sample_rows] == [int(frame["_source_row"].iloc[p]) for p in positions]
        assert [s.value for s in failure.sample_rows] == [frame[column].iloc[p] for p in positions]
    assert "of v1_2024-07-07.csv" in outcome.summary


def test_the_leaderboard_layouts_have_their_suites(final_frame: pd.DataFrame) -> None:
    assert raw_suite_name("leaderboard") == raw_suite_name("leaderboard", "paper_scrape") == "raw_leaderboard"
    assert raw_suite_name("leaderboard", "final_table") == FINAL_SUITE
    assert raw_suite_name("commit_data") == "raw_commit_data"
    with pytest.raises(ValueError, match="has no layout 'final_tabel'"):
        raw_suite_name("leaderboard", "final_tabel")
    assert f"expectations/{FINAL_SUITE}.json" in raw_check_spec("leaderboard").description
    with duckdb.connect() as conn:
        conn.register("incoming", final_frame.head(50))
        assert validate_raw_table(conn, "leaderboard", "incoming", layout="final_table").success
        assert not validate_raw_table(conn, "leaderboard", "incoming").success


# ---------------------------------------------------------------------------------------------
# Tables validated in chunks (Hub size)


def _outcome_facts(outcome):
    failures = sorted(
        (f.label, f.unexpected_count, round(f.unexpected_percent or 0, 6), tuple(sorted(f.unexpected_rows)),
         tuple(sorted(s.source_row for s in f.sample_rows)))
        for f in outcome.failed_expectations
    )  # fmt: skip
    return (outcome.success, outcome.evaluated_expectations, outcome.successful_expectations, outcome.rows_checked,
            outcome.source_file, failures)  # fmt: skip


@pytest.mark.parametrize(("table", "key"), [("hfc_commits", ("sha",)), ("hfc_tags_in_repo", ("tag_name", "repo_id"))])
def test_a_table_validated_in_chunks_gives_the_outcome_of_one_validation(tmp_path, table, key):
    """Row-level failures in several chunks, a duplicate whose two rows are in different chunks,
    and a clean table: chunked and whole validations agree on every count, row and sample."""
    from orchestration.synthetic.hfcommunity import CSV_DIR_NAME, generate_hfcommunity
    from orchestration.defs.hfcommunity.reader import load_hfcommunity_dump

    generate_hfcommunity(tmp_path, seed=5, scale=0.5, forms=("csv",))
    conn = duckdb.connect()
    load_hfcommunity_dump(conn, tmp_path / CSV_DIR_NAME)
    raw = f"raw.{table}"
    clean = {chunk: _outcome_facts(validate_raw_table(conn, table, raw, chunk_rows=chunk)) for chunk in (10**9, 2048)}
    assert clean[10**9] == clean[2048] and clean[2048][0] is True
    (rows,) = conn.execute(f"select count(*) from {raw}").fetchone()
    assert rows > 2 * 2048  # at least three chunks
    conn.execute(f"update {raw} set {key[0]} = 'bad id' where _source_row in (3, {rows - 1})")
    first = conn.execute(f"select {', '.join(key)} from {raw} where _source_row = 1").fetchone()
    assignments = ", ".join(f"{column} = ?" for column in key)
    conn.execute(f"update {raw} set {assignments} where _source_row = {rows}", list(first))
    whole = validate_raw_table(conn, table, raw, chunk_rows=10**9)
    chunked = validate_raw_table(conn, table, raw, chunk_rows=2048)
    assert not whole.success and _outcome_facts(chunked) == _outcome_facts(whole)
    duplicates = next(f for f in chunked.failed_expectations if f.expectation_type.endswith("_to_be_unique"))
    assert {1, rows} <= set(duplicates.unexpected_rows)
