"""Volume and coverage against the last published version: a load that silently loses most of a
source's rows, or most of the leaderboard's join coverage, is not published.

Before each publish the same figures are measured on the working database (what would be
published) and on the version users have now. A figure that falls by more than its tolerance
blocks the publish and is named with its value before and after; the fall can be accepted for
one run (`accept_volume_change` on `published/warehouse`; `make run ACCEPT_CHANGE=1`). Growth
is never blocked: sources grow. The first publish has no version to compare with and is held
to absolute floors instead. docs/reliability.md lists every figure and its tolerance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.wap.versions import connect_read_only, raw_source_files

COUNT, SHARE = "count", "share"


@dataclass(frozen=True)
class Figure:
    name: str
    kind: str
    """`count`: may fall to `1 - tolerance` of its last value; `share`: by `tolerance` points."""
    tolerance: float
    floor: float
    """What the first publish must reach."""
    description: str
    sql: str | None = None
    """One value from the marts; None: a raw table's rows (the published `meta.source_files`)."""
    reads: tuple[str, ...] = ()
    """The marts `sql` reads: a database without one of them (a weekly-only warehouse has no v1
    marts) does not measure the figure."""

    def allowed_minimum(self, before: float) -> float:
        return before * (1 - self.tolerance) if self.kind == COUNT else before - self.tolerance

    def describe_tolerance(self) -> str:
        if self.tolerance == 0:
            return "falls at all"
        if self.kind == COUNT:
            return f"falls by more than {self.tolerance:.0%}"
        return f"falls by more than {self.tolerance * 100:.0f} points"


def _share(condition: str) -> str:
    return f"select count(*) filter (where {condition}) / nullif(count(*), 0) from marts.dim_models"


RAW_ROWS = Figure(
    "rows of raw.<table>", COUNT, 0.5, 1,
    "the rows each source table holds (every loaded file; the published `meta.source_files`)",
)
FIGURES: tuple[Figure, ...] = (
    Figure("models on the leaderboard", COUNT, 0.5, 1,
           "rows of `marts.dim_models` (non-flagged v1 models)",
           "select count(*) from marts.dim_models", ("marts.dim_models",)),
    Figure("share of models with repo details", SHARE, 0.10, 0.5,
           "models with a Hub creation date, or one censored at the Hub's floor",
           _share("created_at is not null or coalesce(created_at_censored, false)"), ("marts.dim_models",)),
    Figure("share of models with commit data", SHARE, 0.10, 0.5,
           "models with at least one commit author (`marts.authors_per_repo`)",
           _share("model_id in (select model_id from marts.authors_per_repo)"),
           ("marts.dim_models", "marts.authors_per_repo")),
    Figure("share of models with a creation week", SHARE, 0.10, 0.5,
           "models counted in the weekly time series (`week_start` not null)",
           _share("week_start is not null"), ("marts.dim_models",)),
    Figure("weeks with a v2 snapshot", COUNT, 0.0, 0,
           "weeks of `marts.weekly_leaderboard_v2` with a snapshot: a week is never lost",
           "select count(*) filter (where has_snapshot) from marts.weekly_leaderboard_v2",
           ("marts.weekly_leaderboard_v2",)),
)


@dataclass(frozen=True)
class Change:
    figure: Figure
    label: str
    before: float | None
    after: float

    @property
    def blocked(self) -> bool:
        if self.before is None:
            return self.after < self.figure.floor
        return self.after < self.figure.allowed_minimum(self.before) - 1e-9

    def describe(self) -> str:
        show = (lambda v: f"{v:.1%}") if self.figure.kind == SHARE else (lambda v: f"{v:,.0f}")
        if self.before is None:
            return f"{self.label}: {show(self.after)}, below the first publish's floor of {show(self.figure.floor)}"
        return (f"{self.label}: {show(self.before)} in the published version, {show(self.after)} now "
                f"(blocked when it {self.figure.describe_tolerance()})")


def _table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return conn.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?", [schema, name],
    ).fetchone()[0] > 0


def mart_figures(conn: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Every figure whose marts exist in this database."""
    values = {}
    for figure in FIGURES:
        if all(_table_exists(conn, relation) for relation in figure.reads):
            (value,) = conn.execute(figure.sql).fetchone()
            if value is not None:
                values[figure.name] = float(value)
    return values


def compare(
    before_rows: dict[str, int] | None, after_rows: dict[str, int],
    before_marts: dict[str, float] | None, after_marts: dict[str, float],
) -> list[Change]:
    """Every figure measured now, with its value in the published version (None: nothing is
    published yet, or the version does not have it: the floor applies)."""
    changes = [
        Change(RAW_ROWS, f"rows of {table}", None if before_rows is None else before_rows.get(table), rows)
        for table, rows in sorted(after_rows.items())
    ]
    by_name = {f.name: f for f in FIGURES}
    changes += [
        Change(by_name[name], name, None if before_marts is None else before_marts.get(name), value)
        for name, value in after_marts.items()
    ]
    # A source that published rows before and has none now is the largest fall of all.
    changes += [Change(RAW_ROWS, f"rows of {table}", rows, 0) for table, rows in sorted((before_rows or {}).items())
                if table not in after_rows]
    return changes


def blocked(changes: Sequence[Change]) -> list[Change]:
    return [c for c in changes if c.blocked]


def working_source_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows: dict[str, int] = {}
    for source_file in raw_source_files(conn):
        rows[source_file["table"]] = rows.get(source_file["table"], 0) + int(source_file["rows"])
    return rows


def published_source_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: int(rows) for table, rows in conn.execute(
        "select table_name, sum(row_count) from meta.source_files group by all").fetchall()}


def changes_since_published(working_db: Path, published_db: Path | None) -> list[Change]:
    """Every figure of the working database against the published version (None: no version yet)."""
    with duckdb.connect(str(working_db), read_only=True) as conn:
        after_rows, after_marts = working_source_rows(conn), mart_figures(conn)
    if published_db is None:
        return compare(None, after_rows, None, after_marts)
    with connect_read_only(published_db) as conn:
        before_rows, before_marts = published_source_rows(conn), mart_figures(conn)
    return compare(before_rows, after_rows, before_marts, after_marts)
