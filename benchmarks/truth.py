"""Mart values checked against the generators' known truth (`_truth.json`, counted from the
generated rows, never from the marts), on any DuckDB connection holding a `marts` schema: the
published warehouse, the floor's database, or the peer's frames loaded into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

# (truth key, mart, SQL value on that mart): each mart value that must equal the truth.
TRUTH_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("dim_models_rows", "dim_models", "select count(*) from marts.dim_models"),
    ("human_commit_authors", "repos_per_author", "select count(*) from marts.repos_per_author"),
    ("human_commit_authors", "authors_over_time", "select max(total_authors) from marts.authors_over_time"),
    ("hub_human_commit_authors", "hub_repos_per_author", "select count(*) from marts.hub_repos_per_author"),
    ("hub_human_commit_authors", "hub_authors_over_time", "select max(total_authors) from marts.hub_authors_over_time"),
    ("hub_author_repo_pairs", "hub_repos_per_author", "select sum(repos) from marts.hub_repos_per_author"),
    ("hub_author_repo_pairs", "hub_authors_per_repo", "select sum(authors) from marts.hub_authors_per_repo"),
    ("hub_repos_with_human_authors", "hub_authors_per_repo", "select count(*) from marts.hub_authors_per_repo"),
)


@dataclass(frozen=True)
class TruthCheck:
    key: str
    mart: str
    expected: int
    found: int | None

    @property
    def passed(self) -> bool:
        return self.found == self.expected


@dataclass(frozen=True)
class TruthReport:
    checks: tuple[TruthCheck, ...]
    skipped: tuple[str, ...]
    """Marts the system under test does not compute (the peer computes a subset)."""

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def summary(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        if failed:
            return "; ".join(f"{c.mart}: {c.key} expected {c.expected:,}, found {c.found}" for c in failed)
        return f"{len(self.checks)} values equal the generators' truth"

    def record(self) -> dict:
        """What the benchmark's results keep of the report (JSON)."""
        return {"passed": self.passed, "summary": self.summary(), "checked": len(self.checks), "skipped": list(self.skipped)}


class TruthMismatch(AssertionError):
    pass


def verify_truth(conn: duckdb.DuckDBPyConnection, truth: Mapping[str, int]) -> TruthReport:
    """Every TRUTH_CHECKS value whose mart exists in `conn`, against `truth`."""
    marts = {name for (name,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}  # fmt: skip
    checks, skipped = [], []
    for key, mart, sql in TRUTH_CHECKS:
        if mart not in marts:
            skipped.append(mart)
            continue
        (found,) = conn.execute(sql).fetchone()
        checks.append(TruthCheck(key, mart, int(truth[key]), None if found is None else int(found)))
    return TruthReport(tuple(checks), tuple(dict.fromkeys(skipped)))


def require_truth(conn: duckdb.DuckDBPyConnection, truth: Mapping[str, int], *, what: str) -> TruthReport:
    """verify_truth, raising TruthMismatch (naming `what`) when a value differs or none was checked."""
    report = verify_truth(conn, truth)
    if not report.passed:
        raise TruthMismatch(f"{what}: {report.summary() if report.checks else 'no mart to check'}")
    return report
