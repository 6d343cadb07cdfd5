"""DuckDB screens every raw table; Great Expectations judges what the screen flags.

Handing GX (on pandas) every row of a raw table costs ~10 µs a row and ~1.4 KB of memory a row
(514 s for the Hub's HFCommunity tables, more than the whole build's budget: docs/benchmarks.md),
and GX's own evaluation of a suite costs about half a second even on a few thousand rows. Almost
every row passes. So each expectation of the suite is compiled to a DuckDB predicate that is true
of **every row the expectation could fail on** (a superset: never a miss, sometimes a row GX then
passes). One scan counts the rows each predicate flags (and, for each uniqueness expectation, the
rows of a value or tuple that occurs more than once); the table's row count is compared with the
row count expectations' bounds. GX then validates, with the suite's own expectations:

- `rows`: the row-level expectations that flagged a row, on the rows they flag;
- `unique`: the uniqueness expectations that flagged a row, on every row of a duplicated value;
- `row_count`: a row count out of bounds, on a frame with the table's number of rows.

An expectation the screen flags nothing for cannot fail: it is reported passed, counted among
the evaluated expectations and in `cleared_by_screen`, without GX (a clean table never imports
GX). Each flagged expectation is decided by GX on a frame holding every row it could fail on, so
the merged outcome (gx_suite.merge_outcomes) is the one a validation of the whole table gives:
the same success, counts, rows, samples and summary (tests/unit/test_gx_screen.py checks this on
every suite, on clean tables and on tables of hostile values).

The superset holds by construction:
- regular expressions: DuckDB's RE2 and Python's `re` agree on printable ASCII text for the
  syntax the suites use; every value holding any other character is flagged for GX to judge;
- numbers: DuckDB's `try_cast(… as double)` parses what pandas' `to_numeric` does, to the same
  double; a value DuckDB cannot parse is flagged;
- timestamps: the allowed range is narrowed by a day at each end (time zones), and a value
  DuckDB cannot parse is flagged.
An expectation or kwarg not listed here makes the suite unscreenable: the caller then validates
the whole table with GX (in chunks), as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestration.checks.gx_suite import (
    CAST_SUFFIXES,
    FILE_COLUMN,
    ROW_COLUMN,
    LATEST_PLAUSIBLE_PARAMETER,
    ROW_COUNT_EXPECTATIONS,
    TABLE_EXPECTATIONS,
)
from orchestration.loading import quote_identifier

SCREEN_ABOVE_ROWS = 0
"""Tables with more rows than this are screened: every table with a row (an empty one goes to GX
whole, which reports its row count)."""

# Printable ASCII: where RE2 and Python's `re` agree on \d, \w, \s, \S and `$`.
OUTSIDE_PRINTABLE_ASCII = "[^ -~]"
TIMESTAMP_MARGIN = timedelta(days=1)
# strftime formats the screen knows → a regular expression every value Python's strptime takes
# in canonical form matches, each field within its range (the calendar is left to DuckDB's
# try_strptime; a year 0000, which DuckDB reads and Python refuses, is flagged apart). A value
# outside the canonical form (one-digit fields, extra spaces) is flagged for GX to judge.
STRICT_STRFTIME = {
    "%Y-%m-%d %H:%M:%S%z": (
        r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
        r"[+-](?:[01]\d|2[0-3]):?[0-5]\d$"
    ),
}
# Texts of a number column that DuckDB's try_cast and pandas' to_numeric both leave unparsed (the
# paper's scrape spells a missing number `None`): a range check cannot fail on them.
UNPARSED_NUMBERS = ("", "None")
UNIQUE_EXPECTATIONS = TABLE_EXPECTATIONS - ROW_COUNT_EXPECTATIONS
_NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
_EXPECTATION_KWARGS: dict[str, frozenset[str]] = {
    "expect_column_to_exist": frozenset({"column"}),
    "expect_column_values_to_not_be_null": frozenset({"column"}),
    "expect_column_values_to_be_null": frozenset({"column"}),
    "expect_column_values_to_be_in_set": frozenset({"column", "value_set"}),
    "expect_column_values_to_match_regex": frozenset({"column", "regex"}),
    "expect_column_values_to_be_between": frozenset({"column", "min_value", "max_value", "strict_min", "strict_max"}),
    "expect_column_values_to_match_strftime_format": frozenset({"column", "strftime_format"}),
    "expect_column_values_to_be_unique": frozenset({"column"}),
    "expect_compound_columns_to_be_unique": frozenset({"column_list"}),
    "expect_table_row_count_to_be_between": frozenset({"min_value", "max_value"}),
}


@dataclass(frozen=True)
class Predicate:
    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Screen:
    """The SQL that finds what GX must see, for one suite on one table's columns. Expectations
    are named by their position in the suite."""

    row_predicates: tuple[tuple[int, Predicate], ...]
    """Each row-level expectation's predicate: true of every row it could fail on."""
    unique_keys: tuple[tuple[int, tuple[str, ...]], ...]
    """Each uniqueness expectation's column set."""
    row_counts: tuple[tuple[int, float | None, float | None], ...]
    """Each row count expectation's bounds (inclusive; None: unbounded)."""

    @property
    def positions(self) -> frozenset[int]:
        """Every expectation the screen decides on (the others, columns existing, hold here)."""
        return frozenset(p for p, _ in self.row_predicates) | {p for p, _ in self.unique_keys} | {
            p for p, _, _ in self.row_counts}

    def flag_counts_query(self, table: str) -> tuple[str, list[Any]]:
        """One scan: for each row-level predicate and each uniqueness key, how many rows it flags."""
        counts, params = [], []
        for _, predicate in self.row_predicates:
            counts.append(f"count(*) filter (where {predicate.sql})")
            params += predicate.params
        counts += [f"count(*) filter (where {_duplicated(key, table)})" for _, key in self.unique_keys]
        return f"select {', '.join(counts) or 'null'} from {table}", params

    def flagged(self, counts: Sequence[int], rows: int) -> dict[str, frozenset[int]]:
        """The positions of the expectations some row could fail on, by suite part, from
        flag_counts_query's answer and the table's row count."""
        flagged_rows = [p for (p, _), n in zip(self.row_predicates, counts, strict=False) if n]
        unique = [p for (p, _), n in zip(self.unique_keys, counts[len(self.row_predicates):], strict=True) if n]
        row_count = [p for p, low, high in self.row_counts
                     if (low is not None and rows < low) or (high is not None and rows > high)]
        return {"rows": frozenset(flagged_rows), "unique": frozenset(unique), "row_count": frozenset(row_count)}

    def flagged_rows_query(self, table: str, positions: Collection[int]) -> tuple[str, list[Any]]:
        """Every row one of the row-level expectations at `positions` could fail on."""
        chosen = [predicate for p, predicate in self.row_predicates if p in positions]
        where = " or ".join(f"({predicate.sql})" for predicate in chosen) or "false"
        return f"select * from {table} where {where}", [param for predicate in chosen for param in predicate.params]

    def duplicated_rows_query(self, table: str, positions: Collection[int]) -> tuple[str, list[Any]]:
        """Every row whose value (or column tuple) of a uniqueness expectation at `positions`
        occurs twice or more."""
        keys = [key for p, key in self.unique_keys if p in positions]
        # Only the columns GX reads for uniqueness and for naming rows: a file whose ids are
        # all the same must not bring every column of every row into memory.
        read = dict.fromkeys([*(c for key in keys for c in key), ROW_COLUMN, FILE_COLUMN])
        projection = ", ".join(quote_identifier(c) for c in read)
        where = " or ".join(_duplicated(key, table) for key in keys) or "false"
        return f"select {projection} from {table} where {where}", []


def _duplicated(key: tuple[str, ...], table: str) -> str:
    """True of a row whose value (or column tuple) of `key` occurs twice or more in `table`. A
    tuple is compared by its hash (NULLs hash alike, as pandas' `duplicated` treats them alike):
    a collision only adds a row whose tuple is unique, which GX passes."""
    columns = ", ".join(quote_identifier(c) for c in key)
    value = columns if len(key) == 1 else f"hash({columns})"
    return f"{value} in (select {value} from {table} group by all having count(*) > 1)"


def build_screen(spec: Mapping[str, Any], column_types: Mapping[str, str], now: datetime) -> Screen | None:
    """The screen of a suite on a table with these columns (name → DuckDB type), or None when
    some expectation cannot be screened exactly (unknown type or kwarg, a column missing: GX
    must then see the whole table to report it)."""
    derived = {
        f"{column}{CAST_SUFFIXES[kind]}": (column, kind)
        for kind, columns in spec.get("meta", {}).get("casts", {}).items() for column in columns
    }  # fmt: skip
    if ROW_COLUMN not in column_types or FILE_COLUMN not in column_types:
        return None  # the screen's queries name rows by their lineage columns
    predicates: list[tuple[int, Predicate]] = []
    unique_keys: list[tuple[int, tuple[str, ...]]] = []
    row_counts: list[tuple[int, float | None, float | None]] = []
    for position, expectation in enumerate(spec["expectations"]):
        kind, kwargs = expectation["type"], expectation.get("kwargs", {})
        if kind not in _EXPECTATION_KWARGS or set(kwargs) - _EXPECTATION_KWARGS[kind]:
            return None
        columns = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list", []))
        sources = [derived.get(c, (c, None))[0] for c in columns]
        if any(source not in column_types for source in sources):
            return None
        if kind == "expect_column_to_exist":
            continue  # every column it names is there
        if kind in ROW_COUNT_EXPECTATIONS:
            bounds = kwargs.get("min_value"), kwargs.get("max_value")
            if not all(b is None or isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                return None
            row_counts.append((position, *bounds))
            continue
        if kind in UNIQUE_EXPECTATIONS:
            unique_keys.append((position, tuple(columns)))
            continue
        predicate = _row_predicate(kind, kwargs, derived, column_types, now)
        if predicate is None:
            return None
        predicates.append((position, predicate))
    return Screen(tuple(predicates), tuple(unique_keys), tuple(row_counts))


def _row_predicate(
    kind: str, kwargs: Mapping[str, Any], derived: Mapping[str, tuple[str, str]],
    column_types: Mapping[str, str], now: datetime,
) -> Predicate | None:
    column = kwargs["column"]
    if column in derived:
        source, cast = derived[column]
        if kind != "expect_column_values_to_be_between" or not _is_text(column_types[source]):
            return None
        return _between_cast(quote_identifier(source), cast, kwargs, now)
    q, column_type = quote_identifier(column), column_types[column]
    if kind == "expect_column_values_to_not_be_null":
        return Predicate(f"{q} is null or isnan({q})" if column_type.startswith(_NUMERIC_TYPES) else f"{q} is null")
    if kind == "expect_column_values_to_be_null":
        return Predicate(f"{q} is not null")
    if not _is_text(column_type):
        return None  # the suites compare raw text; another type would compare differently
    if kind == "expect_column_values_to_be_in_set":
        values = list(kwargs["value_set"])
        if not values or not all(isinstance(v, str) for v in values):
            return None
        return Predicate(f"{q} is not null and {q} not in ({', '.join('?' * len(values))})", tuple(values))
    if kind == "expect_column_values_to_match_regex":
        return Predicate(
            f"{q} is not null and (not regexp_matches({q}, ?) or regexp_matches({q}, ?))",
            (kwargs["regex"], OUTSIDE_PRINTABLE_ASCII),
        )
    if kind == "expect_column_values_to_match_strftime_format":
        strftime_format = kwargs["strftime_format"]
        if strftime_format not in STRICT_STRFTIME:
            return None
        return Predicate(
            f"{q} is not null and (not regexp_matches({q}, ?) or try_strptime({q}, ?) is null"
            f" or starts_with({q}, '0000'))",
            (STRICT_STRFTIME[strftime_format], strftime_format),
        )
    return None  # a range on a raw text column: GX compares strings; not screened


def _between_cast(q: str, cast: str, kwargs: Mapping[str, Any], now: datetime) -> Predicate | None:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if cast == "number":
        if not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
            return None
        value = f"try_cast({q} as double)"
        outside, params = [], []
        if low is not None:
            outside.append(f"{value} {'<=' if kwargs.get('strict_min') else '<'} ?")
            params.append(float(low))
        if high is not None:
            outside.append(f"{value} {'>=' if kwargs.get('strict_max') else '>'} ?")
            params.append(float(high))
        # NaN sorts above every number in DuckDB, so a NaN is flagged by any upper bound. A text
        # that neither parses (pandas makes it null, which GX passes) is not flagged.
        unparsed = f"{value} is null and {q} not in ({', '.join('?' * len(UNPARSED_NUMBERS))})"
        return Predicate(f"{q} is not null and (({unparsed}) or {' or '.join(outside) or 'false'})",
                         (*UNPARSED_NUMBERS, *params))
    value = f"try_cast({q} as timestamptz)"
    outside, params = [], []
    for bound, operator, shift in ((low, "<", TIMESTAMP_MARGIN), (high, ">", -TIMESTAMP_MARGIN)):
        if bound is None:
            continue
        moment = _timestamp_bound(bound, now)
        if moment is None:
            return None
        # Narrowed by the margin and made inclusive: a superset whatever the zone or strictness.
        outside.append(f"{value} {operator}= ?")
        params.append(moment + shift)
    return Predicate(f"{q} is not null and ({value} is null or {' or '.join(outside) or 'false'})", tuple(params))


def _timestamp_bound(bound: Any, now: datetime) -> datetime | None:
    if isinstance(bound, Mapping):
        if bound.get("$PARAMETER") != LATEST_PLAUSIBLE_PARAMETER:
            return None
        return now + timedelta(days=1)
    if not isinstance(bound, str):
        return None
    try:
        moment = datetime.fromisoformat(bound)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _is_text(column_type: str) -> bool:
    return column_type.upper() in {"VARCHAR", "TEXT", "STRING"}


def described_columns(rows: Sequence[tuple]) -> dict[str, str]:
    """column name → type, from DuckDB's `describe` rows."""
    return {row[0]: str(row[1]) for row in rows}
