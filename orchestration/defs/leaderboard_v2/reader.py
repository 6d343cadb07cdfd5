"""Reader for the weekly Open LLM Leaderboard v2 files, loaded into `raw.leaderboard_v2`.

The v2 table was pulled once a week into `huggingface_v2_<YYYY-MM-DD>.csv.gz`, and its header
changed six times (a full rename in December 2024). The dataset itself,
`open-llm-leaderboard/contents`, lands as `huggingface_v2_<YYYY-MM-DD>.parquet` (the Hugging Face
connector copies it as it is): the Space's column names (`Average ⬆️`, `Hub ❤️`, …), typed, in
three documented layouts. The seed `leaderboard_v2_columns.csv` maps every known header (the CSV
header, or the parquet schema's column names) onto one canonical schema; a file is read only when
its header is exactly one known version, so a new upstream layout fails loudly, naming its
unexpected and missing columns, instead of loading shifted or empty columns.

Each file is one snapshot (`snapshot_date` from its name); its rows are grouped into the Sunday
week that holds that date (`snapshot_week`, the grain of Dagster's weekly partitions). Values stay
text, as the file has them (a parquet file's typed values cast to text as the CSV files spell
them: TRUE/FALSE, whole numbers without `.0`, empty text and NaN as NULL), except booleans whose
meaning is inverted in a layout (`invert` in the seed): those are swapped here so every layout
agrees on what TRUE means. Lineage columns are those of loading.py; a parquet file's
`_source_row` is its row's position in the file (1-based).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.loading import (
    LINEAGE_COLUMNS,
    SourceFileError,
    check_csv_structure,
    csv_compression,
    duckdb_csv_error,
    duckdb_literal_path,
    file_checksum,
    parquet_text_expression,
    quote_identifier,
    read_csv_header,
    read_parquet_header,
)
from orchestration.settings import DBT_PROJECT_DIR

DEFAULT_MAPPING = DBT_PROJECT_DIR / "seeds" / "leaderboard_v2_columns.csv"
TABLE_NAME = "leaderboard_v2"
TABLE = f"raw.{TABLE_NAME}"
LOADING_TABLE = f"raw.{quote_identifier('_loading_' + TABLE_NAME)}"
DELIMITER = ","

# The canonical v2 schema, in table order. Every value is text in raw; staging types it.
CANONICAL_COLUMNS = (
    "model_id", "model_sha", "precision", "model_type", "weight_type", "architecture", "params_b",
    "hub_license", "likes", "is_flagged", "is_merged", "is_moe", "is_available_on_hub",
    "has_chat_template", "is_official_provider", "base_model", "generation", "submission_date", "upload_date",
    "average", "ifeval", "ifeval_raw", "bbh", "bbh_raw", "math_lvl_5", "math_lvl_5_raw",
    "gpqa", "gpqa_raw", "musr", "musr_raw", "mmlu_pro", "mmlu_pro_raw", "co2_cost_kg",
)  # fmt: skip
SNAPSHOT_COLUMNS = ("snapshot_date", "snapshot_week", "header_version")
TABLE_COLUMNS: dict[str, str] = {
    "snapshot_date": "DATE",
    "snapshot_week": "DATE",
    "header_version": "VARCHAR",
    **{name: "VARCHAR" for name in CANONICAL_COLUMNS},
    "_source_file": "VARCHAR",
    "_source_checksum": "VARCHAR",
    "_loaded_at": "TIMESTAMP WITH TIME ZONE",
    "_source_row": "BIGINT",
}
assert tuple(TABLE_COLUMNS)[-len(LINEAGE_COLUMNS):] == LINEAGE_COLUMNS  # the lineage of loading.py

TRANSFORMS = ("", "invert", "ignore")
MAPPING_HEADER = ["header_version", "source_column", "canonical_column", "transform"]
# Matched with fullmatch only: `$` also matches before a trailing newline. ASCII digits only
# (`\d` would take any Unicode digit).
FILE_NAME = re.compile(r"huggingface_v2_([0-9]{4}-[0-9]{2}-[0-9]{2})\.(?:csv(?:\.gz)?|parquet)")


@dataclass(frozen=True)
class ColumnRule:
    """One source column of a header version: where it goes in the canonical schema, and how."""

    source: str
    canonical: str | None  # None when ignored
    transform: str  # "", "invert" or "ignore"


@dataclass(frozen=True)
class HeaderVersion:
    """One known layout of the weekly files: its source columns, in the seed's order."""

    name: str
    rules: tuple[ColumnRule, ...]

    @property
    def source_columns(self) -> tuple[str, ...]:
        return tuple(rule.source for rule in self.rules)

    def rule_for(self, canonical: str) -> ColumnRule | None:
        """The rule that fills a canonical column, or None when this layout lacks it (→ NULL)."""
        return next((rule for rule in self.rules if rule.canonical == canonical), None)


class UnknownHeaderError(SourceFileError):
    """A header that matches no known version exactly; compared with the closest version."""

    def __init__(
        self,
        path: Path,
        unexpected: tuple[str, ...],
        missing: tuple[str, ...],
        closest_version: str | None,
    ):
        self.unexpected, self.missing, self.closest_version = unexpected, missing, closest_version
        parts = [f"the header matches no known leaderboard v2 layout (closest: {closest_version})"]
        if unexpected:
            parts.append(f"unexpected column(s) {_names(unexpected)}")
        if missing:
            parts.append(f"missing column(s) {_names(missing)}")
        first = (unexpected or missing or (None,))[0]
        super().__init__(path, "; ".join(parts) + f"; add a version to {DEFAULT_MAPPING.name}", row=0, column=first)


@dataclass(frozen=True)
class WeekLoadResult:
    week_start: date
    files: tuple[Path, ...]
    rows: int
    """Rows of the week in raw.leaderboard_v2 (in the loading table when the audit rejected them)."""
    reloaded: bool
    """False when the week already held exactly these files (same checksums): nothing was written."""
    accepted: bool
    """False when the audit rejected the week: raw.leaderboard_v2 was left as it was."""
    header_versions: dict[str, str]
    """File name → header version."""


def _names(columns: Sequence[str]) -> str:
    return ", ".join(repr(c) for c in columns)


# --- the column mapping -------------------------------------------------------------------------


def load_column_mapping(path: Path = DEFAULT_MAPPING) -> dict[str, HeaderVersion]:
    """Read the seed into header versions (seed order); a malformed row names its seed row."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != MAPPING_HEADER:
            raise SourceFileError(path, f"expected the header {','.join(MAPPING_HEADER)}, got {header}", row=0)
        rules: dict[str, list[ColumnRule]] = {}
        for row_number, row in enumerate(reader, start=1):
            if len(row) != len(MAPPING_HEADER):
                raise SourceFileError(path, f"expected {len(MAPPING_HEADER)} fields, got {len(row)}", row=row_number)
            version, source, canonical, transform = row
            _check_rule(path, row_number, rules.get(version, []), source, canonical, transform)
            rules.setdefault(version, []).append(
                ColumnRule(source, canonical if transform != "ignore" else None, transform)
            )
    return {name: HeaderVersion(name, tuple(version_rules)) for name, version_rules in rules.items()}


def _check_rule(path: Path, row: int, earlier: list[ColumnRule], source: str, canonical: str, transform: str) -> None:
    """A rule must name a known transform and canonical column, each once per version: a source
    column listed twice would make the header ambiguous, a canonical one filled twice, its value."""
    if transform not in TRANSFORMS:
        raise SourceFileError(path, f"unknown transform {transform!r} (one of {TRANSFORMS})", row=row, column="transform")
    if not source:
        raise SourceFileError(path, "empty source_column", row=row, column="source_column")
    if any(rule.source == source for rule in earlier):
        raise SourceFileError(path, f"source column {source!r} listed twice", row=row, column="source_column")
    if transform == "ignore":
        if canonical:
            raise SourceFileError(path, "an ignored column has no canonical_column", row=row, column="canonical_column")
        return
    if canonical not in CANONICAL_COLUMNS:
        raise SourceFileError(path, f"unknown canonical column {canonical!r}", row=row, column="canonical_column")
    if any(rule.canonical == canonical for rule in earlier):
        raise SourceFileError(path, f"canonical column {canonical!r} filled twice", row=row, column="canonical_column")


def identify_header(
    columns: Sequence[str], mapping: Mapping[str, HeaderVersion], *, path: Path | None = None
) -> HeaderVersion:
    """The version whose source columns are exactly these (any order: the file's own order is
    what DuckDB reads by). Otherwise UnknownHeaderError, compared with the version that shares
    the most columns; a column repeated in the header counts as unexpected."""
    seen = set(columns)
    repeated = tuple(c for c, n in Counter(columns).items() if n > 1)
    for version in mapping.values():
        if not repeated and seen == set(version.source_columns):
            return version
    closest = max(mapping.values(), key=lambda v: len(seen & set(v.source_columns)), default=None)
    known = set(closest.source_columns) if closest else set()
    unexpected = tuple(dict.fromkeys([*(c for c in columns if c not in known), *repeated]))
    missing = tuple(c for c in (closest.source_columns if closest else ()) if c not in seen)
    raise UnknownHeaderError(path or Path("<header>"), unexpected, missing, closest.name if closest else None)


# --- file names and weeks -----------------------------------------------------------------------


def snapshot_date_of(path: Path) -> date:
    """The snapshot date in a file's name, `huggingface_v2_<YYYY-MM-DD>.csv[.gz]` or `.parquet`."""
    match = FILE_NAME.fullmatch(path.name)
    if match is None:
        raise SourceFileError(path, "is not named huggingface_v2_<YYYY-MM-DD>.csv.gz (or .csv, .parquet)")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise SourceFileError(path, f"the date in its name is not a calendar date ({exc})") from exc


def sunday_week_start(d: date) -> date:
    """The Sunday on or before d (weeks run Sunday–Saturday, as in METHOD.md and Dagster)."""
    return d - timedelta(days=(d.weekday() + 1) % 7)  # Monday is 0, Sunday 6


def _check_week_start(week_start: date) -> None:
    if sunday_week_start(week_start) != week_start:
        raise ValueError(f"week_start {week_start} is not a Sunday")


@dataclass(frozen=True)
class LandingDirFiles:
    """The files of a landing directory (by name): snapshots, and strays that never load."""

    snapshots: tuple[Path, ...]
    """Named like a snapshot (FILE_NAME)."""
    strays: tuple[Path, ...]
    """Any other file (notes.txt, .DS_Store, a partial download `….csv.gz.part`): not an input.
    Ignored, never blocking a load; whoever lists the directory warns, naming it (stray_warning)."""


def list_landing_dir(landing_dir: Path) -> LandingDirFiles:
    """The landing directory's files, snapshots apart from strays (none when it does not exist)."""
    snapshots, strays = [], []
    for path in sorted(landing_dir.iterdir()) if landing_dir.is_dir() else []:
        if path.is_file():
            (snapshots if FILE_NAME.fullmatch(path.name) else strays).append(path)
    return LandingDirFiles(tuple(snapshots), tuple(strays))


def stray_warning(path: Path) -> str:
    return f"{path}: ignored, not a snapshot file (those are named huggingface_v2_<YYYY-MM-DD>.csv.gz, .csv or .parquet)"


def snapshot_files_for_week(landing_dir: Path, week_start: date) -> list[Path]:
    """Every snapshot file dated in [week_start, week_start + 7 days), by date. A file named like
    a snapshot whose date is not a calendar date is an error (it belongs to no week, and would be
    lost unseen); a file not named like one is a stray, ignored (list_landing_dir)."""
    _check_week_start(week_start)
    week_end = week_start + timedelta(days=7)
    dated = [(snapshot_date_of(p), p) for p in list_landing_dir(landing_dir).snapshots]
    return [p for d, p in sorted(dated) if week_start <= d < week_end]


# --- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    """One file, checked: its date, header version, columns in file order, and checksum; for a
    parquet file, the SQL that reads each column it loads as text."""

    path: Path
    snapshot_date: date
    version: HeaderVersion
    columns: list[str]
    checksum: str
    parquet_text: dict[str, str] | None = None

    @property
    def is_parquet(self) -> bool:
        return self.parquet_text is not None


def _inspect(path: Path, week_start: date, mapping: Mapping[str, HeaderVersion]) -> _Snapshot:
    snapshot_date = snapshot_date_of(path)
    if sunday_week_start(snapshot_date) != week_start:
        raise SourceFileError(path, f"is dated {snapshot_date}, outside the week starting {week_start}")
    if path.suffix != ".parquet":
        columns = read_csv_header(path, DELIMITER, expected="a weekly leaderboard v2 file")
        # Before the header is matched to a version: a repeated or unnamed column is a broken
        # file (a load error naming its positions), not a new layout. A header line mid-file
        # may come from any version's export.
        known = {name for version in mapping.values() for name in version.source_columns}
        check_csv_structure(path, columns, DELIMITER, other_names=known)
        version = identify_header(columns, mapping, path=path)
        return _Snapshot(path, snapshot_date, version, columns, file_checksum(path))
    header = read_parquet_header(path, expected="a weekly leaderboard v2 parquet file")
    columns = [name for name, _ in header]
    version = identify_header(columns, mapping, path=path)
    types: dict[str, pa.DataType] = dict(header)
    loaded = [rule.source for rule in version.rules if rule.canonical is not None]
    text = {source: parquet_text_expression(path, source, types[source]) for source in loaded}
    return _Snapshot(path, snapshot_date, version, columns, file_checksum(path), text)


def _canonical_expression(version: HeaderVersion, canonical: str, parquet_text: Mapping[str, str] | None = None) -> str:
    """SQL for one canonical column: the source column's text (a parquet column cast to text),
    inverted where the seed says so (TRUE/FALSE in any case; any other text, NULL included,
    passes unchanged), or NULL."""
    rule = version.rule_for(canonical)
    if rule is None:
        return f"null::varchar as {quote_identifier(canonical)}"
    source = quote_identifier(rule.source) if parquet_text is None else parquet_text[rule.source]
    if rule.transform == "invert":
        source = f"case upper({source}) when 'TRUE' then 'FALSE' when 'FALSE' then 'TRUE' else {source} end"
    return f"{source} as {quote_identifier(canonical)}"


def _insert_snapshot(conn: duckdb.DuckDBPyConnection, snapshot: _Snapshot, week_start: date, loaded_at: datetime) -> None:
    """Append one file's rows to the loading table; DuckDB reads the gzip and names bad rows."""
    select_list = ", ".join(_canonical_expression(snapshot.version, c, snapshot.parquet_text) for c in CANONICAL_COLUMNS)
    if snapshot.is_parquet:
        # By name, from the footer's schema (checked against the seed); the path taken literally.
        conn.execute(
            f"""
            insert into {LOADING_TABLE}
            select $snapshot_date::date, $week_start::date, $version::varchar,
                   {select_list},
                   $path::varchar, $checksum::varchar, $loaded_at::timestamptz,
                   (file_row_number + 1)::bigint
            from read_parquet($literal_path, file_row_number = true)
            """,
            {
                "snapshot_date": snapshot.snapshot_date,
                "week_start": week_start,
                "version": snapshot.version.name,
                "path": str(snapshot.path),
                "literal_path": duckdb_literal_path(snapshot.path),
                "checksum": snapshot.checksum,
                "loaded_at": loaded_at,
            },
        )
        return
    conn.execute(
        f"""
        insert into {LOADING_TABLE}
        select $snapshot_date::date, $week_start::date, $version::varchar,
               {select_list},
               $path::varchar, $checksum::varchar, $loaded_at::timestamptz,
               row_number() over ()::bigint
        from read_csv($literal_path, delim = $delim, quote = '"', escape = '"', header = true, compression = $compression,
                      auto_detect = false, columns = $columns,
                      strict_mode = true, null_padding = false)
        """,
        {
            "snapshot_date": snapshot.snapshot_date,
            "week_start": week_start,
            "version": snapshot.version.name,
            "path": str(snapshot.path),
            "literal_path": duckdb_literal_path(snapshot.path),
            "compression": csv_compression(snapshot.path),
            "checksum": snapshot.checksum,
            "loaded_at": loaded_at,
            "delim": DELIMITER,
            # By position, in the file's own order: the header was checked against the seed.
            "columns": {name: "VARCHAR" for name in snapshot.columns},
        },
    )


def _create_table_ddl(table: str, *, replace: bool = False) -> str:
    columns = ", ".join(f"{quote_identifier(n)} {t}" for n, t in TABLE_COLUMNS.items())
    return f"create {'or replace ' if replace else ''}table {table} ({columns})"


def _table_exists(conn: duckdb.DuckDBPyConnection) -> bool:
    (count,) = conn.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [TABLE_NAME],
    ).fetchone()
    return count > 0


def _check_table(conn: duckdb.DuckDBPyConnection) -> None:
    """An existing raw.leaderboard_v2 must have the fixed column order: rows go in by position."""
    found = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [TABLE_NAME],
    ).fetchall()
    if not found or found == list(TABLE_COLUMNS.items()):
        return
    if set(found) <= set(TABLE_COLUMNS.items()):
        # Written before a canonical column was added (is_official_provider): rebuilt in today's
        # column order, the new columns NULL until their week is loaded again. Weeks whose files
        # are gone from the landing directory keep their rows.
        columns = [name for name, _ in found]
        # `_source_checksum` marked, so a week whose files are still landed is loaded again.
        select = ", ".join(
            "'migrated' as _source_checksum" if n == "_source_checksum"
            else quote_identifier(n) if n in columns else f"null::{t} as {quote_identifier(n)}"
            for n, t in TABLE_COLUMNS.items()
        )  # fmt: skip
        conn.execute(f"create or replace table {TABLE} as select {select} from {TABLE}")
        return
    raise RuntimeError(f"{TABLE} has columns {found}, expected {list(TABLE_COLUMNS.items())}; drop it and reload")


def _held_files(conn: duckdb.DuckDBPyConnection, week_start: date) -> set[tuple[str, str, str]] | None:
    """(file, checksum, header version) of the rows the week holds now; None without a table."""
    if not _table_exists(conn):
        return None
    return set(
        conn.execute(
            f"select distinct _source_file, _source_checksum, header_version from {TABLE} where snapshot_week = ?",
            [week_start],
        ).fetchall()
    )


def _loading_rows(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(f"select count(*) from {LOADING_TABLE}").fetchone()[0]


def load_weekly_snapshots(
    conn: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    week_start: date,
    *,
    loaded_at: datetime | None = None,
    audit: Callable[[duckdb.DuckDBPyConnection, str], bool] | None = None,
    before_swap: Callable[[], None] | None = None,
    mapping: Mapping[str, HeaderVersion] | None = None,
) -> WeekLoadResult:
    """Replace the week's rows of raw.leaderboard_v2 with these files' rows — only if they pass.

    Every file is checked first (name, week, header) so a bad file changes nothing. The files
    are read into a loading table; `audit(conn, loading_table)` decides, inside the transaction,
    whether they replace the week's rows; `before_swap()` runs just before the swap. A rejected
    week is rolled back. Weeks without files are allowed: the week then holds no rows.

    Idempotent: when the week already holds exactly these files (same names, checksums and
    header versions), nothing is written, load time included; the rows held are audited again
    (the suite may have changed), in a loading table that is then rolled back.
    """
    _check_week_start(week_start)
    mapping = load_column_mapping() if mapping is None else mapping
    snapshots = [_inspect(Path(p), week_start, mapping) for p in files]
    _check_one_file_per_date(snapshots)
    versions = {s.path.name: s.version.name for s in snapshots}
    wanted = {(str(s.path), s.checksum, s.version.name) for s in snapshots}
    _check_table(conn)
    files_tuple = tuple(s.path for s in snapshots)

    if _held_files(conn, week_start) == wanted:
        conn.execute("begin transaction")
        try:
            conn.execute(
                f"create or replace table {LOADING_TABLE} as select * from {TABLE} where snapshot_week = ?", [week_start]
            )
            accepted = audit(conn, LOADING_TABLE) if audit else True
            rows = _loading_rows(conn)
        finally:
            conn.execute("rollback")
        return WeekLoadResult(week_start, files_tuple, rows, False, accepted, versions)

    loaded_at = loaded_at or datetime.now(UTC)
    conn.execute("begin transaction")
    try:
        conn.execute("create schema if not exists raw")
        if not _table_exists(conn):
            conn.execute(_create_table_ddl(TABLE))
        conn.execute(_create_table_ddl(LOADING_TABLE, replace=True))
        for snapshot in snapshots:
            try:
                _insert_snapshot(conn, snapshot, week_start, loaded_at)
            except duckdb.Error as exc:
                if snapshot.is_parquet:
                    raise SourceFileError(
                        snapshot.path, f"cannot be read as parquet: {str(exc).splitlines()[0][:500]}"
                    ) from None
                raise duckdb_csv_error(
                    snapshot.path, exc, header=list(snapshot.columns), delimiter=DELIMITER
                ) from None  # DuckDB's message quotes the whole line
        rows = _loading_rows(conn)
        if audit is not None and not audit(conn, LOADING_TABLE):
            conn.execute("rollback")
            return WeekLoadResult(week_start, files_tuple, rows, False, False, versions)
        if before_swap is not None:
            before_swap()
        conn.execute(f"delete from {TABLE} where snapshot_week = ?", [week_start])
        conn.execute(f"insert into {TABLE} select * from {LOADING_TABLE}")
        conn.execute(f"drop table {LOADING_TABLE}")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return WeekLoadResult(week_start, files_tuple, rows, True, True, versions)


def _check_one_file_per_date(snapshots: Sequence[_Snapshot]) -> None:
    """Two files of one date (say .csv.gz and .parquet) would be two snapshots of one day."""
    seen: dict[date, Path] = {}
    for snapshot in snapshots:
        if snapshot.snapshot_date in seen:
            raise SourceFileError(
                snapshot.path, f"a second snapshot of {snapshot.snapshot_date} (first: {seen[snapshot.snapshot_date]})"
            )
        seen[snapshot.snapshot_date] = snapshot.path
