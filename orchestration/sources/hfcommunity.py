"""Reader for HFCommunity dumps (SOM Research's relational copy of the Hugging Face Hub).

HFCommunity publishes its database in two forms, and both load into the same raw tables:

- a MariaDB SQL dump (`mysqldump` output, `.sql` or gzip-compressed `.sql.gz`): `CREATE TABLE`
  statements, then extended `INSERT INTO `table` VALUES (...),(...);` statements with MySQL
  string escapes (`\\'`, `\\\\`, `\\n`, `\\0`, `\\Z`, `''`), `NULL`, bare numbers, and dates
  as quoted strings;
- a per-table CSV export: a directory holding `<table>.csv` (or `.csv.gz`) with a header row,
  comma-separated, `"`-quoted, where an empty unquoted field is NULL and `""` an empty string.

Only the tables the warehouse uses are loaded (`HFC_TABLES`, into `raw.hfc_<table>`); a dump's
other tables (dataset, space, discussion_event, …) are tokenized and skipped. Values stay text
exactly as the dump has them (NULL stays NULL); staging casts them. The reconstruction of
HFCommunity's schema these tables follow is documented in docs/hfcommunity.md.

The SQL dump is streamed: read line by line, tokenized with a MySQL-escape state machine (a
statement or a string may run over several lines), and written to DuckDB in batches of
`batch_rows` rows, so memory stays bounded whatever the dump's size. The CSV export is read by
DuckDB's own streaming CSV reader.

Lineage columns are the snapshot reader's: `_source_file` (the dump, or the table's CSV file),
`_source_checksum` (its sha256), `_loaded_at` and `_source_row`: the 1-based row number within
its table, in dump order (for the SQL dump: the n-th tuple inserted into that table; for a CSV
file: its n-th data row, header excluded). Errors name the file, the line (SQL dump) or row
(CSV), and the column.

All tables are swapped in together, in one transaction, and only if every table passes its
audit: a dump that fails anywhere leaves every `raw.hfc_*` table as it was.
"""

from __future__ import annotations

import functools
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import duckdb
import pyarrow as pa

from orchestration.sources.snapshot import (
    LINEAGE_COLUMNS,
    SourceFileError,
    duckdb_csv_error,
    file_checksum,
    read_csv_header,
    swap_in_loaded_table,
)

# The tables the warehouse loads, with the columns raw.hfc_<table> keeps (in this order). A
# dump's table may have more columns (ignored) but not fewer.
HFC_TABLES: dict[str, tuple[str, ...]] = {
    "author": ("name", "avatar_url", "is_pro", "fullname", "type", "source"),
    "repository": (
        "id", "name", "type", "author", "sha", "created_at", "last_modified", "private",
        "card_data", "gated", "likes", "downloads",
    ),
    "model": ("model_id", "pipeline_tag", "downloads", "library_name", "likes", "config"),
    "commits": ("sha", "repo_id", "author", "timestamp", "message"),
    "discussion": ("num", "repo_id", "author", "title", "status", "created_at", "is_pull_request"),
    "tags_in_repo": ("tag_name", "repo_id"),
    "repo_file": ("id", "filename", "repo_id", "size"),
}  # fmt: skip
RAW_PREFIX = "hfc_"
SQL_DUMP_SUFFIXES = (".sql", ".sql.gz")
DEFAULT_BATCH_ROWS = 50_000


def raw_table_name(table: str) -> str:
    """The raw table (and raw asset) name of an HFCommunity table: `hfc_<table>`."""
    return f"{RAW_PREFIX}{table}"


class DumpError(SourceFileError):
    """Bad input in a dump: names the file, and where known the line (SQL) or row (CSV), the
    table, the column and the character position in the line."""

    def __init__(
        self,
        path: Path,
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        table: str | None = None,
        column: str | None = None,
        position: int | None = None,
    ):
        self.line, self.table, self.position = line, table, position
        where = []
        if line is not None:
            where.append(f"line {line}")
        if position is not None:
            where.append(f"character {position}")
        if table is not None:
            where.append(f"table `{table}`")
        detail = f"{', '.join(where)}: {message}" if where else message
        super().__init__(path, detail, row=row, column=column)


# ---------------------------------------------------------------------------------------------
# The SQL dump tokenizer

_CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([^`\s(]+)`?\s*\(\s*$", re.IGNORECASE)
_COLUMN_DEF = re.compile(r"\s*`([^`]+)`\s")
_INSERT = re.compile(
    r"INSERT\s+(?:IGNORE\s+)?INTO\s+`?([^`\s(]+)`?\s*(?:\(([^)]*)\))?\s*VALUES\s*", re.IGNORECASE
)
# A quoted string's body and closing quote; possessive, so a long string never backtracks.
_STRING_BODY = re.compile(r"(?:[^'\\]++|\\.|'')*+'", re.DOTALL)
_BARE = re.compile(r"[^\s,()';]+")
_SPACE = re.compile(r"\s*")
_ESCAPE = re.compile(r"\\(.)|''", re.DOTALL)
# MySQL's escape sequences in string literals; any other `\x` is `x`.
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def unescape_mysql(body: str) -> str:
    """A MySQL string literal's body (without its quotes) as the text it stands for."""
    if "\\" not in body and "''" not in body:
        return body
    return _ESCAPE.sub(lambda m: "'" if m.group(1) is None else _ESCAPES.get(m.group(1), m.group(1)), body)


@dataclass
class _Statement:
    """The text of the statement being tokenized: it grows by lines, and the rows already read
    are dropped from its front (`drop_before`), so a long statement never piles up in memory."""

    text: str
    first_line: int
    dropped_chars: int = 0
    """Characters of `first_line` already dropped (positions in it count them back in)."""

    def where(self, offset: int) -> tuple[int, int]:
        """(line, 1-based character in that line) of an offset into the text."""
        line = self.first_line + self.text.count("\n", 0, offset)
        newline = self.text.rfind("\n", 0, offset)
        return line, offset - (newline + 1) + 1 + (self.dropped_chars if newline < 0 else 0)

    def drop_before(self, offset: int) -> int:
        """Forget the text before `offset`; return the same position in the shorter text."""
        consumed = self.text[:offset]
        newlines = consumed.count("\n")
        if newlines:
            self.first_line += newlines
            self.dropped_chars = offset - (consumed.rfind("\n") + 1)
        else:
            self.dropped_chars += offset
        self.text = self.text[offset:]
        return 0


@dataclass
class SqlDumpReader:
    """Tokenizes a MariaDB/MySQL dump, yielding (table, rows) batches of the wanted tables.

    Rows are tuples of text or None, projected onto `tables[table]`'s columns.
    """

    path: Path
    tables: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(HFC_TABLES))
    batch_rows: int = DEFAULT_BATCH_ROWS

    def __post_init__(self) -> None:
        self.columns: dict[str, list[str]] = {}  # every table's columns, from its CREATE TABLE
        self._create_line: dict[str, int] = {}

    def batches(self) -> Iterator[tuple[str, list[tuple[str | None, ...]]]]:
        pending: dict[str, list[tuple[str | None, ...]]] = {t: [] for t in self.tables}
        with self._open() as stream:
            lines = self._numbered(stream)
            for line_no, line in lines:
                head = line.lstrip()
                if head[:6].upper() == "CREATE":
                    self._create_table(line, line_no, lines)
                elif head[:6].upper() == "INSERT":
                    for table, row in self._insert(line, line_no, lines):
                        batch = pending[table]
                        batch.append(row)
                        if len(batch) >= self.batch_rows:
                            yield table, batch
                            pending[table] = []
        missing = [t for t in self.tables if t not in self.columns]
        if missing:
            raise DumpError(
                self.path,
                f"the dump has no table {', '.join(f'`{t}`' for t in missing)} (no CREATE TABLE); "
                f"an HFCommunity dump holds {', '.join(self.tables)}",
                table=missing[0],
            )
        for table, batch in pending.items():
            if batch:
                yield table, batch

    def _open(self) -> TextIO:
        if not self.path.exists():
            raise DumpError(self.path, "does not exist (expected an HFCommunity SQL dump)")
        opener = gzip.open if self.path.name.endswith(".gz") else open
        return opener(self.path, "rt", encoding="utf-8", newline="\n")

    def _numbered(self, stream: TextIO) -> Iterator[tuple[int, str]]:
        line_no = 0
        try:
            for line_no, line in enumerate(stream, 1):  # noqa: B007 (line_no is read on error)
                yield line_no, line
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile, a truncated member
            raise DumpError(self.path, f"cannot be read past this line ({exc or type(exc).__name__})", line=line_no + 1) from exc
        except UnicodeDecodeError as exc:
            raise DumpError(self.path, f"is not valid UTF-8 ({exc.reason})", line=line_no + 1) from exc

    # -- CREATE TABLE ----------------------------------------------------------------------------

    def _create_table(self, line: str, line_no: int, lines: Iterator[tuple[int, str]]) -> None:
        match = _CREATE.match(line.strip())
        if not match:
            raise DumpError(self.path, f"cannot read this CREATE TABLE statement: {line.strip()[:80]!r}", line=line_no)
        table, columns = match.group(1), []
        for _, body in lines:
            if body.lstrip().startswith(")"):
                break
            column = _COLUMN_DEF.match(body)
            if column:
                columns.append(column.group(1))
        else:
            raise DumpError(self.path, "the dump ends inside this CREATE TABLE statement", line=line_no, table=table)
        self.columns[table], self._create_line[table] = columns, line_no
        wanted = self.tables.get(table)
        missing = [c for c in wanted or () if c not in columns]
        if missing:
            raise DumpError(
                self.path,
                f"column(s) {', '.join(repr(c) for c in missing)} missing from CREATE TABLE (it declares "
                f"{', '.join(columns)})",
                line=line_no, table=table, column=missing[0],
            )  # fmt: skip

    # -- INSERT ----------------------------------------------------------------------------------

    def _insert(
        self, line: str, line_no: int, lines: Iterator[tuple[int, str]]
    ) -> Iterator[tuple[str, tuple[str | None, ...]]]:
        statement = _Statement(line, line_no)
        match = _INSERT.match(line, len(line) - len(line.lstrip()))
        if not match:
            raise DumpError(self.path, f"cannot read this INSERT statement: {line.strip()[:80]!r}", line=line_no)
        table = match.group(1)
        if match.group(2) is not None:
            columns = [c.strip().strip("`") for c in match.group(2).split(",")]
        elif table in self.columns:
            columns = self.columns[table]
        else:
            raise DumpError(
                self.path, "INSERT into a table that no CREATE TABLE declared before it (unknown columns)",
                line=line_no, table=table,
            )  # fmt: skip
        wanted = self.tables.get(table)
        project: list[int] | None = None
        if wanted is not None:
            missing = [c for c in wanted if c not in columns]
            if missing:
                raise DumpError(self.path, f"the INSERT has no column {missing[0]!r}", line=line_no, table=table, column=missing[0])
            project = [columns.index(c) for c in wanted]
        width = len(columns)

        def more() -> bool:
            """Append the next line to the statement; False at the end of the dump."""
            for _, next_line in lines:
                statement.text += next_line
                return True
            return False

        def fail(message: str, offset: int, value_index: int | None = None) -> DumpError:
            at_line, at_char = statement.where(offset)
            column = columns[value_index] if value_index is not None and value_index < width else None
            return DumpError(self.path, message, line=at_line, position=at_char, table=table, column=column)

        pos = match.end()
        while True:
            # Between tuples: `(` opens the next one.
            pos = _SPACE.match(statement.text, pos).end()
            while pos >= len(statement.text):
                if not more():
                    raise fail("the dump ends inside this INSERT statement (no closing `;`)", pos)
                pos = _SPACE.match(statement.text, pos).end()
            if statement.text[pos] != "(":
                raise fail(f"expected `(` to open a row, found {statement.text[pos:pos + 20]!r}", pos)
            tuple_start = pos
            fast = _tuple_pattern(width).match(statement.text, pos)
            if fast is not None:  # the common case: a whole row on this line, well formed
                values = [_value(token) for token in fast.groups()]
                pos = fast.end()
            else:
                values, pos = self._row(statement, pos + 1, more, fail)
            if len(values) != width:
                raise fail(
                    f"a row of {len(values)} values, but the table has {width} columns ({', '.join(columns)})",
                    tuple_start,
                )
            if project is not None:
                yield table, tuple(values[i] for i in project)
            # After a tuple: `,` (another follows) or `;` (the statement ends).
            pos = _SPACE.match(statement.text, pos).end()
            while pos >= len(statement.text):
                if not more():
                    raise fail("the dump ends inside this INSERT statement (no closing `;`)", pos)
                pos = _SPACE.match(statement.text, pos).end()
            separator = statement.text[pos]
            if separator == ";":
                return
            if separator != ",":
                raise fail(f"expected `,` or `;` after a row, found {separator!r}", pos)
            pos += 1
            if pos > 1 << 16:
                pos = statement.drop_before(pos)

    @staticmethod
    def _row(statement: _Statement, pos: int, more, fail) -> tuple[list[str | None], int]:
        """One row's values from just after its `(`, token by token (values may run over lines)."""
        tuple_start = pos - 1
        values: list[str | None] = []
        while True:
            pos = _SPACE.match(statement.text, pos).end()
            while pos >= len(statement.text):
                if not more():
                    raise fail("the dump ends inside a row", tuple_start, len(values))
                pos = _SPACE.match(statement.text, pos).end()
            char = statement.text[pos]
            if char == "'":
                body = _STRING_BODY.match(statement.text, pos + 1)
                while body is None:  # the string goes on past this line
                    if not more():
                        raise fail("unterminated string (no closing quote before the end of the dump)", pos, len(values))
                    body = _STRING_BODY.match(statement.text, pos + 1)
                values.append(unescape_mysql(statement.text[pos + 1 : body.end() - 1]))
                pos = body.end()
            elif char == ")" and not values:
                raise fail("empty row `()`", pos)
            else:
                bare = _BARE.match(statement.text, pos)
                if bare is None:
                    raise fail(f"expected a value, found {statement.text[pos:pos + 20]!r}", pos, len(values))
                values.append(_value(bare.group()))
                pos = bare.end()
            pos = _SPACE.match(statement.text, pos).end()
            while pos >= len(statement.text):
                if not more():
                    raise fail("the dump ends inside a row", tuple_start, len(values) - 1)
                pos = _SPACE.match(statement.text, pos).end()
            separator = statement.text[pos]
            pos += 1
            if separator == ",":
                continue
            if separator == ")":
                return values, pos
            raise fail(f"expected `,` or `)` after a value, found {separator!r}", pos - 1, len(values) - 1)


_VALUE = r"('(?:[^'\\]++|\\.|'')*+'|[^\s,()';]+)"


@functools.cache
def _tuple_pattern(width: int) -> re.Pattern[str]:
    """A whole row of `width` values: `(v, v, …)`, each value a group."""
    return re.compile(r"\(\s*" + r"\s*,\s*".join([_VALUE] * width) + r"\s*\)", re.DOTALL)


def _value(token: str) -> str | None:
    if token[0] == "'":
        return unescape_mysql(token[1:-1])
    return None if token.upper() == "NULL" else token


# ---------------------------------------------------------------------------------------------
# Loading into DuckDB


@dataclass(frozen=True)
class HfcLoadResult:
    path: Path
    checksums: dict[str, str]
    """table → sha256 of the file its rows came from (the dump, or the table's CSV file)."""
    rows: dict[str, int]
    reloaded: bool
    """False when raw.hfc_* already held this exact dump (same checksums): nothing was written."""
    accepted: bool = True
    """False when an audit rejected a table: every raw.hfc_* table was left as it was."""
    form: str = "sql"
    """`sql` (a MariaDB dump) or `csv` (a directory of per-table CSV files)."""


def dump_form(path: Path) -> str:
    """`csv` for a directory of per-table CSV files, `sql` for a `.sql`/`.sql.gz` dump."""
    if path.is_dir():
        return "csv"
    if path.name.endswith(SQL_DUMP_SUFFIXES):
        return "sql"
    if not path.exists():
        raise DumpError(path, "does not exist (expected an HFCommunity `.sql`/`.sql.gz` dump or a directory of CSV files)")
    raise DumpError(path, "is neither a `.sql`/`.sql.gz` dump nor a directory of per-table CSV files")


def csv_table_path(directory: Path, table: str) -> Path:
    """`<table>.csv`, or `<table>.csv.gz` when only that exists."""
    plain = directory / f"{table}.csv"
    compressed = directory / f"{table}.csv.gz"
    return compressed if not plain.exists() and compressed.exists() else plain


def dump_checksums(path: Path) -> dict[str, str]:
    """table → sha256 of the file its rows come from."""
    if dump_form(path) == "sql":
        checksum = file_checksum(path)
        return {table: checksum for table in HFC_TABLES}
    checksums = {}
    for table in HFC_TABLES:
        table_path = csv_table_path(path, table)
        if not table_path.is_file():
            raise DumpError(table_path, f"does not exist: the CSV export has no `{table}` table", table=table)
        checksums[table] = file_checksum(table_path)
    return checksums


def load_hfcommunity_dump(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    loaded_at: datetime | None = None,
    audit: Callable[[duckdb.DuckDBPyConnection, str, str], bool] | None = None,
    before_swap: Callable[[], None] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> HfcLoadResult:
    """Load a dump into raw.hfc_<table> for every table of HFC_TABLES, all or nothing.

    Each table is read into a loading table first; `audit(conn, table, loading_table)` runs on
    every table (inside the transaction) and decides whether they replace raw.hfc_*: if any is
    rejected, nothing changes. Idempotent like `load_snapshot_file`: when the raw tables already
    hold this exact dump, nothing is written and the tables held are audited again.
    """
    form = dump_form(path)
    checksums = dump_checksums(path)
    conn.execute("create schema if not exists raw")
    if _held_checksums(conn) == checksums:
        verdicts = [audit(conn, t, f"raw.{raw_table_name(t)}") for t in HFC_TABLES] if audit else []
        return HfcLoadResult(path, checksums, _row_counts(conn, lambda t: f"raw.{raw_table_name(t)}"), False, all(verdicts), form)

    loaded_at = loaded_at or datetime.now(UTC)
    conn.execute("begin transaction")
    try:
        for table, columns in HFC_TABLES.items():
            column_list = ", ".join(f'"{c}" varchar' for c in columns)
            conn.execute(
                f"create or replace table {_loading(table)} ({column_list}, _source_file varchar, "
                "_source_checksum varchar, _loaded_at timestamptz, _source_row bigint)"
            )
        if form == "sql":
            _load_sql(conn, path, checksums, loaded_at, batch_rows)
        else:
            _load_csv(conn, path, checksums, loaded_at)
        rows = _row_counts(conn, _loading)
        verdicts = [audit(conn, t, _loading(t)) for t in HFC_TABLES] if audit else []
        if not all(verdicts):
            conn.execute("rollback")
            return HfcLoadResult(path, checksums, rows, False, False, form)
        if before_swap is not None:
            before_swap()
        for table in HFC_TABLES:
            swap_in_loaded_table(conn, _loading(table), f"raw.{raw_table_name(table)}")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return HfcLoadResult(path, checksums, rows, True, True, form)


def _loading(table: str) -> str:
    return f'raw."_loading_{raw_table_name(table)}"'


def _load_sql(
    conn: duckdb.DuckDBPyConnection, path: Path, checksums: dict[str, str], loaded_at: datetime, batch_rows: int
) -> None:
    next_row = dict.fromkeys(HFC_TABLES, 1)
    for table, batch in SqlDumpReader(path, batch_rows=batch_rows).batches():
        columns = HFC_TABLES[table]
        first = next_row[table]
        next_row[table] = first + len(batch)
        arrays = [pa.array(values, type=pa.string()) for values in zip(*batch, strict=True)]
        arrays.append(pa.array(range(first, first + len(batch)), type=pa.int64()))
        hfc_batch = pa.Table.from_arrays(arrays, names=[*columns, "_source_row"])  # noqa: F841 (read by DuckDB)
        select = ", ".join(f'"{c}"' for c in columns)
        conn.execute(
            f"insert into {_loading(table)} select {select}, $file, $checksum, $loaded_at, _source_row from hfc_batch",
            {"file": str(path), "checksum": checksums[table], "loaded_at": loaded_at},
        )


def _load_csv(conn: duckdb.DuckDBPyConnection, directory: Path, checksums: dict[str, str], loaded_at: datetime) -> None:
    for table, columns in HFC_TABLES.items():
        path = csv_table_path(directory, table)
        header = read_csv_header(path, ",", expected=f"the `{table}` table of the CSV export")
        missing = [c for c in columns if c not in header]
        if missing:
            raise DumpError(
                path, f"missing column(s) {', '.join(repr(c) for c in missing)}; the header has {', '.join(header)}",
                row=0, table=table, column=missing[0],
            )  # fmt: skip
        select = ", ".join(f'"{c}"' for c in columns)
        try:
            conn.execute(
                f"""
                insert into {_loading(table)}
                select {select}, $file, $checksum, $loaded_at, row_number() over ()
                from read_csv($file, delim = ',', quote = '"', escape = '"', header = true,
                              auto_detect = false, columns = $columns, allow_quoted_nulls = false,
                              strict_mode = true, null_padding = false)
                """,
                {
                    "file": str(path),
                    "checksum": checksums[table],
                    "loaded_at": loaded_at,
                    "columns": {name: "VARCHAR" for name in header},
                },
            )
        except duckdb.Error as exc:
            raise duckdb_csv_error(path, exc, header=header) from None  # DuckDB quotes the whole line


def _held_checksums(conn: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """table → the checksum raw.hfc_<table> holds, if every table holds exactly one file in
    the columns this reader writes; None otherwise."""
    held = {}
    for table, columns in HFC_TABLES.items():
        found = [
            name
            for (name,) in conn.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [raw_table_name(table)],
            ).fetchall()
        ]
        if found != [*columns, *LINEAGE_COLUMNS]:
            return None
        low, high, rows = conn.execute(
            f"select min(_source_checksum), max(_source_checksum), count(*) from raw.{raw_table_name(table)}"
        ).fetchone()
        if rows and low != high:
            return None
        held[table] = low
    return held if all(held.values()) else None


def _row_counts(conn: duckdb.DuckDBPyConnection, name: Callable[[str], str]) -> dict[str, int]:
    return {table: conn.execute(f"select count(*) from {name(table)}").fetchone()[0] for table in HFC_TABLES}

