"""Blocking data-quality gates on the three raw sources: one GX suite per source.

The gate runs inside each raw asset, on the freshly loaded rows *before* they replace
raw.<name> (write-audit-publish at the source): a file that fails leaves the working database
as it was, the check `<name>_expectations` is reported failed with the file, rows and columns,
and nothing downstream runs. The suites are `expectations/raw_<name>.json`;
`orchestration.checks.gx_suite` is the only module that touches GX.

A source with several layouts (the v1 leaderboard: the paper's scrape, the final v1 table or the
v1 dataset's parquet) has one suite per layout, each as strict as its layout allows (the scrape's
booleans must read True/False, the final table's TRUE/FALSE), run by the same blocking check
`<name>_expectations`. Layouts that load the same text share a suite: the dataset's parquet is
cast to the final table's spelling (TRUE/FALSE, ISO dates, the Hub URL from its `Model` anchor),
so raw_leaderboard_final_table gates both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from orchestration.checks.gx_suite import (
    FILE_COLUMN,
    ROW_COLUMN,
    SuiteOutcome,
    cleared_outcome,
    load_suite_spec,
    merge_outcomes,
    suite_path,
    table_part_columns,
    validate_frame,
)
from orchestration.checks.quarantine import (
    QUARANTINE_FAMILIES,
    QuarantinedRows,
    quarantine_failures,
    quarantine_rules,
)
from orchestration.checks.screen import SCREEN_ABOVE_ROWS, build_screen, described_columns
from orchestration.defs.hfcommunity.reader import HFC_TABLES, raw_table_name
from orchestration.wap.inputs import gate_fingerprint

RAW_SOURCES: tuple[str, ...] = ("leaderboard", "repo_details", "commit_data")
# The HFCommunity dump's tables (raw.hfc_<table>), gated the same way.
HFC_RAW_SOURCES: tuple[str, ...] = tuple(raw_table_name(table) for table in HFC_TABLES)

# Sources with several layouts (orchestration/defs/paper_snapshot/reader.py): layout → suite. The first
# layout's suite is the source's default one.
LAYOUT_SUITES: dict[str, dict[str, str]] = {
    "leaderboard": {
        "paper_scrape": "raw_leaderboard",
        "final_table": "raw_leaderboard_final_table",
        "dataset_parquet": "raw_leaderboard_final_table",  # same raw text as the final table
    },
    # The final v1 table loaded beside the scrape (raw.leaderboard_v1_final): the final table's suites.
    "leaderboard_v1_final": {
        "final_table": "raw_leaderboard_final_table",
        "dataset_parquet": "raw_leaderboard_final_table",
    },
}


def raw_suite_name(name: str, layout: str | None = None) -> str:
    """The suite gating raw.<name> loaded from a file of `layout` (None: the source's default)."""
    known = (*RAW_SOURCES, *HFC_RAW_SOURCES, *LAYOUT_SUITES)
    if name not in known:
        raise ValueError(f"unknown raw source {name!r}; expected one of {tuple(dict.fromkeys(known))}")
    suites = LAYOUT_SUITES.get(name, {})
    if layout is None:
        return next(iter(suites.values())) if suites else f"raw_{name}"
    if layout not in suites:
        raise ValueError(f"raw source {name!r} has no layout {layout!r}; expected one of {sorted(suites)}")
    return suites[layout]


def raw_check_spec(name: str) -> dg.AssetCheckSpec:
    """The blocking `<name>_expectations` check of asset raw/<name>."""
    suite_name = raw_suite_name(name)
    suite_description = load_suite_spec(suite_name).get("meta", {}).get("description", "")
    layouts_of: dict[str, list[str]] = {}
    for layout, suite in LAYOUT_SUITES.get(name, {}).items():
        if suite != suite_name:
            layouts_of.setdefault(suite, []).append(layout)
    others = [
        f"{suite} (expectations/{suite}.json) for the {' and '.join(layouts)} layout{'s' if len(layouts) > 1 else ''}"
        for suite, layouts in layouts_of.items()
    ]
    layouts = f" Other layouts have their own suite: {'; '.join(others)}." if others else ""
    return _blocking_raw_check(
        name, "expectations",
        f"Blocking GX suite {suite_name} (expectations/{suite_name}.json), run on the loaded "
        f"rows before they replace raw.{name}. {suite_description}{layouts}".strip(),
    )


def _blocking_raw_check(name: str, check: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=f"{name}_{check}", asset=dg.AssetKey(["raw", name]), blocking=True, description=description
    )


def raw_quarantine_check_spec(name: str) -> dg.AssetCheckSpec:
    """The blocking `<name>_quarantine_share` check of asset raw/<name>."""
    return _blocking_raw_check(
        name, "quarantine_share",
        f"Rows of the {name} file that break a row-level rule ({', '.join(sorted(QUARANTINE_FAMILIES))}) "
        "are moved to audit.quarantine with the reason; this check fails when their share of the file "
        "passes WAREHOUSE_MAX_QUARANTINE_SHARE (orchestration/checks/quarantine.py).",
    )


@dataclass(frozen=True)
class RawAudit:
    """The gate of one raw load: the suite's outcome on the rows kept, and the quarantine."""

    outcome: SuiteOutcome
    quarantine: QuarantinedRows

    @property
    def accepted(self) -> bool:
        return self.outcome.success and self.quarantine.within_threshold


def audit_raw_table(
    conn: duckdb.DuckDBPyConnection, name: str, table: str, *, layout: str | None = None,
    run_id: str | None = None, replace: bool = True, max_share: float,
) -> RawAudit:
    """Validate `table`, quarantine the rows failing a row-level rule, validate the rows kept."""
    outcome = validate_raw_table(conn, name, table, layout=layout)
    quarantine = quarantine_failures(
        conn, outcome, source=name, table=table, run_id=run_id, replace=replace, max_share=max_share
    )
    # Rows moved aside: the gate is on the rows kept. Past the threshold the file is rejected
    # whole, and the suite's outcome on all its rows says why.
    if quarantine_rules(outcome) and quarantine.within_threshold:
        outcome = validate_raw_table(conn, name, table, layout=layout)
    return RawAudit(outcome, quarantine)


class RawGate:
    """The `audit` callback of a raw load (load_snapshot_file): audits the table it is given,
    quarantining row-level failures, and keeps every RawAudit (the last one decided)."""

    def __init__(self, name: str, *, layout: str | None, run_id: str | None, max_share: float):
        self.name, self.layout, self.run_id, self.max_share = name, layout, run_id, max_share
        self.audits: list[RawAudit] = []

    def __call__(self, conn: duckdb.DuckDBPyConnection, table: str) -> bool:
        # A new load's quarantine replaces the source's earlier one; re-auditing the table held
        # (the same file again) keeps it.
        self.audits.append(audit_raw_table(
            conn, self.name, table, layout=self.layout, run_id=self.run_id,
            replace=table != f"raw.{self.name}", max_share=self.max_share,
        ))
        return self.audits[-1].accepted

    @property
    def last(self) -> RawAudit:
        return self.audits[-1]

    def fingerprint(self) -> str:
        """This gate (its suite, layout and threshold): a file that passed another is gated again."""
        return gate_fingerprint(suite_path(raw_suite_name(self.name, self.layout)),
                                layout=self.layout, max_share=self.max_share)


# Tables longer than this are validated in chunks of this many rows (GX on pandas holds a chunk,
# and what it derives from it, in memory: about 1.4 KB a row of hfc_commits).
GX_CHUNK_ROWS = 1_000_000
_DUCKDB_VECTOR_ROWS = 2048


def validate_raw_table(
    conn: duckdb.DuckDBPyConnection, name: str, table: str, *, layout: str | None = None,
    chunk_rows: int = GX_CHUNK_ROWS, screen_above_rows: int | None = SCREEN_ABOVE_ROWS,
) -> SuiteOutcome:
    """Validate `table` (the loading table or raw.<name>) with the suite of source `name` (of
    the file's layout, where the source has several).

    A table of more than `screen_above_rows` rows (by default every table with a row) is
    screened (checks/screen.py): DuckDB finds every row an expectation could fail on, and GX
    judges the expectations that flag a row, on those rows only, with the same outcome as a
    whole validation (the others pass, cleared by the screen). A table that cannot be screened (an expectation the screen does not know,
    a column missing) and has more than `chunk_rows` rows is validated in chunks, so memory
    stays bounded: the expectations over several rows (uniqueness, row count) once on the whole
    table projected onto the columns they read, every other one chunk by chunk. Either way the
    outcomes are merged into the one a single validation would give (gx_suite.merge_outcomes).
    The time reported covers reading the rows too."""
    started = time.perf_counter()
    suite = raw_suite_name(name, layout)
    now = datetime.now(UTC)
    (rows,) = conn.execute(f"select count(*) from {table}").fetchone()
    if screen_above_rows is not None and rows > screen_above_rows:
        screened = _validate_screened(conn, suite, table, rows, now=now, chunk_rows=chunk_rows)
        if screened is not None:
            return replace(screened, elapsed_seconds=time.perf_counter() - started)
    if rows <= chunk_rows:
        outcome = validate_frame(conn.execute(f"select * from {table}").df(), suite, now=now)
        return replace(outcome, elapsed_seconds=time.perf_counter() - started)
    present = {column[0] for column in conn.execute(f"select * from {table} limit 0").description}
    columns = [c for c in (*table_part_columns(load_suite_spec(suite)), ROW_COLUMN) if c in present]
    projection = ", ".join(f'"{c}"' for c in columns) or "1 as _no_column"
    outcomes = [validate_frame(conn.execute(f"select {projection} from {table}").df(), suite, part="table", now=now)]
    outcomes += _validate_query(conn, f"select * from {table}", [], suite, "rows", now=now, chunk_rows=chunk_rows)
    return replace(merge_outcomes(outcomes, rows), elapsed_seconds=time.perf_counter() - started)


def _validate_screened(
    conn: duckdb.DuckDBPyConnection, suite: str, table: str, rows: int, *, now: datetime, chunk_rows: int
) -> SuiteOutcome | None:
    """GX on what the screen flags (checks/screen.py): each flagged expectation on the rows it
    could fail on, the rest cleared; None when the suite cannot be screened on this table."""
    spec = load_suite_spec(suite)
    screen = build_screen(spec, described_columns(conn.execute(f"describe select * from {table}").fetchall()), now)
    if screen is None:
        return None
    flagged = screen.flagged(conn.execute(*screen.flag_counts_query(table)).fetchone(), rows)
    outcomes = []
    if flagged["rows"]:
        query, params = screen.flagged_rows_query(table, flagged["rows"])
        outcomes += _validate_query(conn, query, params, suite, "rows", flagged["rows"], now=now, chunk_rows=chunk_rows)
    if flagged["unique"]:
        query, params = screen.duplicated_rows_query(table, flagged["unique"])
        outcomes += _validate_query(conn, query, params, suite, "unique", flagged["unique"], now=now, chunk_rows=None)
    if flagged["row_count"]:
        outcomes.append(validate_frame(pd.DataFrame(index=pd.RangeIndex(rows)), suite, part="row_count",
                                       positions=flagged["row_count"], now=now))
    judged = len(set().union(*flagged.values()))
    outcomes.append(cleared_outcome(suite, len(spec["expectations"]) - judged, rows))
    merged = merge_outcomes(outcomes, rows)
    # The file the table was loaded from, even when no row was flagged (an empty frame names none).
    first_file = conn.execute(f"select {FILE_COLUMN} from {table} limit 1").fetchone()
    if first_file is not None and first_file[0] is not None:
        merged = replace(merged, source_file=Path(str(first_file[0])).name)
    return merged


def _validate_query(
    conn: duckdb.DuckDBPyConnection, query: str, params: list, suite: str, part: str,
    positions: frozenset[int] | None = None, *, now: datetime, chunk_rows: int | None,
) -> list[SuiteOutcome]:
    """GX on a query's rows, `chunk_rows` at a time (None: all at once), with the part's
    expectations (only those at `positions`, if given); at least one outcome, so an empty result
    still evaluates them (on no rows)."""
    cursor = conn.execute(query, params)
    if chunk_rows is None:
        return [validate_frame(cursor.df(), suite, part=part, positions=positions, now=now)]
    outcomes = []
    while True:
        chunk = cursor.fetch_df_chunk(max(1, chunk_rows // _DUCKDB_VECTOR_ROWS))
        if chunk.empty and outcomes:
            break
        outcomes.append(validate_frame(chunk, suite, part=part, positions=positions, now=now))
        if chunk.empty:
            break
    return outcomes
