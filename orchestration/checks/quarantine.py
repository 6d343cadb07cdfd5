"""Quarantine: rows that break a row-level, non-blocking rule are set aside, never lost.

Policy. In the suites of the paper's three files (leaderboard, repo_details, commit_data), a
failure of an expectation whose family is in QUARANTINE_FAMILIES is a fact about one row, not
about the file: a score outside 0–100 (negative included), an unknown model type, a date before
2015 or in the future. Those rows are moved to `audit.quarantine` with the reason, and the rest
of the file goes on. Every other failure blocks the whole file: a missing or renamed column,
text or NaN in a score column, a malformed or null id, a malformed list literal, an empty file
(the file's shape is wrong, so no row of it can be trusted). The HFCommunity tables and the
weekly v2 files have blocking gates only.

Mechanism. The raw gate validates the loading table; the rows failing a quarantine rule are
copied into audit.quarantine (source, file, row, column, value, reason, rule, run id) and
deleted from the loading table, inside the load's transaction; the rows kept are validated
again, and that outcome gates the swap. A rejected load rolls its quarantine rows back with it.
The blocking check `<source>_quarantine_share` fails when the share of a file's rows
quarantined passes WAREHOUSE_MAX_QUARANTINE_SHARE: many bad rows mean a bad file.

audit.quarantine is published beside the marts (schema `audit`), listed in the findings report
and in each raw asset's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.checks.gx_suite import FailedExpectation, SuiteOutcome
from orchestration.loading import quote_identifier

QUARANTINE_FAMILIES = frozenset({"score_range", "known_type", "plausible_date"})
QUARANTINE_SCHEMA = "audit"
QUARANTINE_TABLE = f"{QUARANTINE_SCHEMA}.quarantine"
QUARANTINE_COLUMNS = {
    "source": "varchar",
    "source_file": "varchar",
    "source_row": "bigint",
    "column_name": "varchar",
    "value": "varchar",
    "reason": "varchar",
    "family": "varchar",
    "rule": "varchar",
    "run_id": "varchar",
    "quarantined_at": "timestamptz",
}


@dataclass(frozen=True)
class QuarantinedRows:
    source: str
    source_file: str
    """The file whose rows were audited (its path, or the URL it came from)."""
    rows: int
    """Distinct file rows of `source` held in quarantine after this audit."""
    rows_read: int
    """The file's rows: those kept plus those quarantined."""
    max_share: float
    by_reason: dict[str, int]

    @property
    def share(self) -> float:
        return self.rows / self.rows_read if self.rows_read else 0.0

    @property
    def within_threshold(self) -> bool:
        return self.share <= self.max_share

    @property
    def summary(self) -> str:
        verdict = "within" if self.within_threshold else "above"
        return (
            f"{self.rows:,} of {self.rows_read:,} rows of {self.source_file} quarantined ({self.share:.2%}), "
            f"{verdict} WAREHOUSE_MAX_QUARANTINE_SHARE={self.max_share:.2%}"
        )


def quarantine_rules(outcome: SuiteOutcome) -> list[FailedExpectation]:
    """The failed expectations whose offending rows go to quarantine instead of blocking."""
    return [f for f in outcome.failed_expectations if f.family in QUARANTINE_FAMILIES and f.column and f.unexpected_rows]


def ensure_quarantine_table(conn: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in QUARANTINE_COLUMNS.items())
    conn.execute(f"create schema if not exists {QUARANTINE_SCHEMA}")
    conn.execute(f"create table if not exists {QUARANTINE_TABLE} ({columns})")


def quarantine_failures(
    conn: duckdb.DuckDBPyConnection,
    outcome: SuiteOutcome,
    *,
    source: str,
    table: str,
    run_id: str | None,
    replace: bool,
    max_share: float,
) -> QuarantinedRows:
    """Move the rows of `table` failing a quarantine rule into audit.quarantine.

    `replace`: the table is a new load of the source, whose quarantine replaces the source's
    earlier one (else, re-auditing the rows held, the earlier quarantine stays and grows).
    """
    ensure_quarantine_table(conn)
    if replace:
        conn.execute(f"delete from {QUARANTINE_TABLE} where source = ?", [source])
    rules = quarantine_rules(outcome)
    for rule in rules:
        reason = f"{rule.failure or rule.expectation_type} ({rule.family})"
        conn.execute(
            f"""
            insert into {QUARANTINE_TABLE}
            select $source, _source_file, _source_row, $column, {quote_identifier(rule.column)}::varchar,
                   $reason, $family, $rule, $run_id, now()
            from {table} where list_contains($rows, _source_row)
            """,
            {"source": source, "column": rule.column, "reason": reason, "family": rule.family, "rule": rule.label,
             "run_id": run_id, "rows": list(rule.unexpected_rows)},
        )
    moved = sorted({row for rule in rules for row in rule.unexpected_rows})
    if moved:
        conn.execute(f"delete from {table} where list_contains($rows, _source_row)", {"rows": moved})
    (kept, kept_file) = conn.execute(f"select count(*), min(_source_file) from {table}").fetchone()
    (held,) = conn.execute(
        f"select count(distinct source_row) from {QUARANTINE_TABLE} where source = ?", [source]
    ).fetchone()
    by_reason = dict(conn.execute(
        f"select reason, count(*) from {QUARANTINE_TABLE} where source = ? group by all order by all", [source]
    ).fetchall())
    (quarantined_file,) = conn.execute(
        f"select min(source_file) from {QUARANTINE_TABLE} where source = ?", [source]
    ).fetchone()
    return QuarantinedRows(source, kept_file or quarantined_file or source, held, kept + held, max_share, by_reason)


def quarantine_listing(conn: duckdb.DuckDBPyConnection, *, limit: int = 1000) -> list[dict[str, object]]:
    """The quarantined rows of a database (working or published), oldest source row first; none
    when it has no quarantine table (a version published before it existed)."""
    (exists,) = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'quarantine'",
        [QUARANTINE_SCHEMA],
    ).fetchone()
    if not exists:
        return []
    cursor = conn.execute(
        f"select source, source_file, source_row, column_name, value, reason from {QUARANTINE_TABLE} "
        "order by source, source_row, column_name limit ?",
        [limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
