"""The screen (orchestration/checks/screen.py): DuckDB flags the rows an expectation could fail on,
GX judges them. Its outcome must be the one GX gives on the whole table: the same success,
counts, offending rows, samples and values, for every suite, on clean tables and on tables where
every column holds hostile values (each kind of value a predicate could get wrong)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from orchestration.checks import gx_suite
from orchestration.checks.gx_suite import load_suite_spec
from orchestration.checks.raw_checks import HFC_RAW_SOURCES, RAW_SOURCES, raw_suite_name, validate_raw_table
from orchestration.checks.screen import UNPARSED_NUMBERS, build_screen
from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.synthetic.hfcommunity import CSV_DIR_NAME, generate_hfcommunity
from orchestration.defs.hfcommunity.reader import load_hfcommunity_dump
from orchestration.defs.paper_snapshot.reader import SNAPSHOT_FILES, load_snapshot_file
from orchestration.settings import PROJECT_ROOT

WHOLE = None  # screen_above_rows=None: GX on every row
SCREENED = 0  # every table screened

# Values each predicate could get wrong: nulls and blanks, numbers pandas and DuckDB might parse
# differently, timestamps at and past the bounds and in other zones, characters where RE2 and
# Python's `re` differ (Unicode digits and spaces, a trailing newline, ASCII control characters).
HOSTILE_VALUES = [
    None, "", " ", "NaN", "nan", "inf", "-inf", "-1", "-0", "0", "100", "100.0000001", "1e400", " 5", "1_000",
    "0x10", "１２", "abc", "2099-01-01T00:00:00Z", "2014-12-31T23:59:59Z", "2015-01-01T00:00:00+00:00",
    "2015-01-01 00:00:00+0000", "2014-12-31 23:00:00-0200", "2024-05-05T12:22:44", "2024-05-05 12:22:44+0000",
    "2024-13-45T00:00:00Z", "2024-05-05 12:22:44+05:30", "2024-05-05 12:22:44-23:59", "2024-05-05 12:22:44+24:00",
    "2024-05-05 12:22:44+05:3", "2024-05-05 12:22:44+0530:", "2024-02-30 12:22:44+00:00", "models/a\u00a0b", "https://huggingface.co/a\u00a0b", "https://huggingface.co/ab\n",
    "abc\n", "a\x0bb", "a\x1cb", "models/ok", "é", "🔶", "True", "TRUE", "None", "open", "1",
    "0123456789abcdef0123456789abcdef01234567", "[a, b]", "[", "datasets/x/y", "models/-bad",
]


def _facts(outcome):
    failures = sorted(
        (f.label, f.unexpected_count, f.unexpected_percent, tuple(f.unexpected_rows),
         tuple((s.source_file, s.source_row, s.column, s.value) for s in f.sample_rows), f.exception)
        for f in outcome.failed_expectations
    )  # fmt: skip
    return (outcome.success, outcome.evaluated_expectations, outcome.successful_expectations,
            outcome.rows_checked, outcome.source_file, failures, outcome.summary)  # fmt: skip


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("screen")
    generate_snapshot(root / "snapshot", seed=11, scale=0.2)
    generate_hfcommunity(root / "hfc", seed=11, scale=0.2, forms=("csv",))
    conn = duckdb.connect(str(root / "w.duckdb"))
    for spec in SNAPSHOT_FILES.values():
        assert load_snapshot_file(conn, spec, root / "snapshot" / spec.file_name).accepted
    load_hfcommunity_dump(conn, root / "hfc" / CSV_DIR_NAME)
    return conn


ALL_SOURCES = (*RAW_SOURCES, *HFC_RAW_SOURCES)


@pytest.mark.parametrize("name", ALL_SOURCES)
def test_every_suite_can_be_screened(loaded, name):
    spec = load_suite_spec(raw_suite_name(name))
    columns = {row[0]: row[1] for row in loaded.execute(f"describe raw.{name}").fetchall()}
    assert build_screen(spec, columns, datetime.now(UTC)) is not None, "the suite would fall back to GX on every row"


@pytest.mark.parametrize("name", ALL_SOURCES)
def test_a_screened_clean_table_gives_the_outcome_of_the_whole_validation(loaded, name, monkeypatch):
    whole = validate_raw_table(loaded, name, f"raw.{name}", screen_above_rows=WHOLE)
    assert whole.cleared_by_screen == 0
    # Nothing flagged, nothing handed to GX: every expectation is cleared by the screen.
    monkeypatch.setattr(gx_suite, "_gx_batch_definition", _no_gx)
    screened = validate_raw_table(loaded, name, f"raw.{name}")
    assert screened.cleared_by_screen == screened.evaluated_expectations == len(load_suite_spec(raw_suite_name(name))["expectations"])
    assert _facts(screened) == _facts(whole)


def _no_gx():
    raise AssertionError("GX was asked to judge")


def test_a_clean_table_is_gated_without_importing_gx(tmp_path):
    """A run whose files are clean never pays for importing GX (seconds of a run's start)."""
    script = (
        "import sys, duckdb\n"
        "from orchestration.checks.raw_checks import validate_raw_table\n"
        "conn = duckdb.connect()\n"
        "conn.execute(\"create table t as select 'user' || i as username, null as avatar_url, '0' as is_pro, "
        "null as fullname, 'user' as type, 'hub' as source, 'f.csv' as _source_file, i as _source_row "
        "from range(1, 4) r(i)\")\n"
        "outcome = validate_raw_table(conn, 'hfc_author', 't')\n"
        "print(outcome.success, outcome.cleared_by_screen, 'great_expectations' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    success, cleared, imported = done.stdout.split()
    assert (success, imported) == ("True", "False") and int(cleared) > 0


@pytest.mark.parametrize("name", ALL_SOURCES)
def test_a_screened_table_of_hostile_values_gives_the_outcome_of_the_whole_validation(loaded, name):
    """Every hostile value in every text column (each in its own row), and a duplicate of the
    first row: the screened and the whole validation agree on every failure, row and sample."""
    table = f"hostile_{name}"
    loaded.execute(f"create or replace temp table {table} as select * from raw.{name}")
    described = loaded.execute(f"describe {table}").fetchall()
    text_columns = [row[0] for row in described if row[1] == "VARCHAR" and not row[0].startswith("_")]
    (rows,) = loaded.execute(f"select count(*) from {table}").fetchone()
    assert rows > len(HOSTILE_VALUES) + 2
    for offset, column in enumerate(text_columns):
        for index, value in enumerate(HOSTILE_VALUES):
            row = 2 + (offset * 7 + index) % (rows - 2)
            loaded.execute(f'update {table} set "{column}" = ? where _source_row = ?', [value, row])
    loaded.execute(f"insert into {table} select * from {table} where _source_row = 1")
    for expectation in load_suite_spec(raw_suite_name(name))["expectations"]:
        key = expectation["kwargs"].get("column_list")
        if key:  # the same tuple twice with a null in it: pandas counts it as a duplicate
            loaded.execute(f'insert into {table} select * replace (null as "{key[0]}") from {table} where _source_row = 3')
            loaded.execute(f'insert into {table} select * replace (null as "{key[0]}") from {table} where _source_row = 3 limit 1')
    whole = validate_raw_table(loaded, name, table, screen_above_rows=WHOLE)
    screened = validate_raw_table(loaded, name, table, screen_above_rows=SCREENED)
    assert not whole.success
    assert _facts(screened) == _facts(whole)
    assert screened.cleared_by_screen < screened.evaluated_expectations, "GX judged what was flagged"


def test_an_empty_table_screened_hands_its_row_count_to_gx(loaded):
    """A row count out of bounds is flagged, and GX judges it (an empty table is validated
    whole by default; screening it is the same outcome)."""
    loaded.execute("create or replace temp table no_rows as select * from raw.hfc_commits limit 0")
    whole = validate_raw_table(loaded, "hfc_commits", "no_rows", screen_above_rows=WHOLE)
    screened = validate_raw_table(loaded, "hfc_commits", "no_rows", screen_above_rows=-1)
    assert [f.expectation_type for f in screened.failed_expectations] == ["expect_table_row_count_to_be_between"]
    assert _facts(screened) == _facts(whole)
    assert screened.cleared_by_screen == screened.evaluated_expectations - 1


def test_the_texts_a_range_check_leaves_unflagged_parse_neither_in_pandas_nor_in_duckdb():
    for text in UNPARSED_NUMBERS:
        assert pd.isna(pd.to_numeric(pd.Series([text]), errors="coerce").iloc[0]), text
        assert duckdb.execute("select try_cast(? as double)", [text]).fetchone() == (None,), text


def test_a_screened_table_validated_in_chunks_gives_the_same_outcome(loaded):
    """Flagged rows past one chunk are judged chunk by chunk, with the same outcome."""
    table = "many_flagged"
    loaded.execute(f"create or replace temp table {table} as select * from raw.hfc_commits")
    loaded.execute(f"update {table} set sha = 'not a sha ' || _source_row where _source_row % 3 = 0")
    whole = validate_raw_table(loaded, "hfc_commits", table, screen_above_rows=WHOLE)
    screened = validate_raw_table(loaded, "hfc_commits", table, screen_above_rows=SCREENED, chunk_rows=256)
    assert _facts(screened) == _facts(whole)
    (bad_shas,) = [f for f in whole.failed_expectations if f.expectation_type.endswith("match_regex")]
    assert bad_shas.unexpected_count > 2 * 256  # judged in three chunks or more


def test_a_missing_column_falls_back_to_the_whole_validation(loaded):
    loaded.execute("create or replace temp table no_sha as select * exclude (sha) from raw.hfc_commits")
    columns = {row[0]: row[1] for row in loaded.execute("describe no_sha").fetchall()}
    assert build_screen(load_suite_spec("raw_hfc_commits"), columns, datetime.now(UTC)) is None
    outcome = validate_raw_table(loaded, "hfc_commits", "no_sha", screen_above_rows=SCREENED)
    assert "column 'sha' is missing" in outcome.summary


def test_an_expectation_the_screen_does_not_know_makes_the_suite_unscreenable():
    columns = {"a": "VARCHAR", "_source_row": "BIGINT", "_source_file": "VARCHAR"}
    plain = {"expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}]}
    assert build_screen(plain, columns, datetime.now(UTC)) is not None
    unknown = {"expectations": [{"type": "expect_column_values_to_be_increasing", "kwargs": {"column": "a"}}]}
    assert build_screen(unknown, columns, datetime.now(UTC)) is None
    mostly = {"expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "mostly": 0.9}}]}
    assert build_screen(mostly, columns, datetime.now(UTC)) is None
    other_format = {"expectations": [{"type": "expect_column_values_to_match_strftime_format",
                                      "kwargs": {"column": "a", "strftime_format": "%d/%m/%Y"}}]}  # fmt: skip
    assert build_screen(other_format, columns, datetime.now(UTC)) is None
    without_lineage = {"a": "VARCHAR"}
    assert build_screen(plain, without_lineage, datetime.now(UTC)) is None, "rows are named by the lineage columns"
