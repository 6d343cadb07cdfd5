"""Loading mechanics every source reader shares: raw tables in schema `raw` of DuckDB.

Each raw table keeps its values as the file has them plus the lineage columns
(`LINEAGE_COLUMNS`: `_source_file`, `_source_checksum` (sha256), `_loaded_at`, `_source_row`,
1-based data row, header excluded), so every error and every failing check can name the file,
row and column. Here: the files' checksums, header reading (CSV, gzip-compressed CSV, parquet),
the CSV structure check (every column named once, no header line among the rows), a parquet
column's values as the leaderboard CSVs spell them, DuckDB path escaping and identifier quoting,
the swap of a loaded table into place (audit-then-swap), and `SourceFileError`, the one error
for bad input, naming file, row and column (`duckdb_csv_error` turns DuckDB's into one).

Used by the readers of the paper snapshot, the weekly v2 leaderboard and HFCommunity
(`defs/<source>/reader.py`), and by the checks that query raw tables.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

LINEAGE_COLUMNS = ("_source_file", "_source_checksum", "_loaded_at", "_source_row")


class SourceFileError(ValueError):
    """Bad input: names the file and, where known, the row and column."""

    def __init__(self, path: Path, message: str, *, row: int | None = None, column: str | None = None):
        self.path, self.row, self.column = path, row, column
        where = [f"file {path}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_parquet_header(path: Path, *, expected: str) -> list[tuple[str, pa.DataType]]:
    """The columns (name, arrow type) of a parquet file, in file order, from its footer."""
    if path.is_dir():
        raise SourceFileError(path, "is a directory, expected a parquet file")
    if not path.exists():
        raise SourceFileError(path, f"does not exist (expected {expected})")
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:  # not parquet, truncated, an I/O error
        raise SourceFileError(path, f"cannot be read as parquet ({exc})", row=0) from exc
    return [(field.name, field.type) for field in schema]


def parquet_text_expression(path: Path, column: str, kind: pa.DataType) -> str:
    """SQL for a parquet column's values as the leaderboard CSVs spell them: TRUE/FALSE, whole
    numbers without `.0`, other numbers in their shortest exact form, NaN and empty text as
    NULL. A nested or binary column is not a leaderboard value: an error naming it (row 0)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    name = quote_identifier(column)
    if pa.types.is_boolean(kind):
        return f"(case when {name} then 'TRUE' when not {name} then 'FALSE' end)"
    if pa.types.is_floating(kind):
        return (f"(case when isnan({name}) then null "
                f"when {name} = trunc({name}) and abs({name}) < 1e15 then cast(cast({name} as bigint) as varchar) "
                f"else cast({name} as varchar) end)")
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_temporal(kind) or pa.types.is_null(kind):
        return f"cast({name} as varchar)"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return f"nullif({name}, '')"
    raise SourceFileError(path, f"has type {kind}, expected a boolean, number, date or text", row=0, column=column)


def duckdb_literal_path(path: Path) -> str:
    """`path` for DuckDB's readers, which expand globs in every path they are given (a list
    too): `[`, `*` and `?` made literal (`[[]`, `[*]`, `[?]`), so a directory named `runs[1]`
    cannot match a sibling `runs1`."""
    text = str(path).replace("[", "[[]")
    return text.replace("*", "[*]").replace("?", "[?]")


def csv_compression(path: Path) -> str:
    """The `compression` option for read_csv: DuckDB cannot tell it from an escaped path."""
    return "gzip" if path.name.endswith(".gz") else "none"


def read_csv_header(path: Path, delimiter: str, *, expected: str) -> list[str]:
    """The header row of a CSV file (gzip-compressed when its name ends in `.gz`), BOM removed."""
    if path.is_dir():
        raise SourceFileError(path, "is a directory, expected a CSV file")
    if not path.exists():
        raise SourceFileError(path, f"does not exist (expected {expected})")
    try:
        with _open_csv_bytes(path) as handle:
            first_bytes = handle.readline()
    except (OSError, EOFError, zlib.error) as exc:  # a corrupt or truncated .gz; an I/O error
        raise SourceFileError(path, f"cannot be read ({exc})", row=0) from exc
    try:
        first_line = first_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"the header is not valid UTF-8 ({exc.reason})", row=0) from exc
    if not first_line.strip():
        raise SourceFileError(path, "is empty: no header row", row=0)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]


def _open_csv_bytes(path: Path):
    """The file's bytes, decompressed when its name ends in `.gz`."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def check_header_names(path: Path, header: Sequence[str], *, unnamed_column: bool = False) -> None:
    """Every column of a header named, and named once. A CSV file is read by position under its
    header's names: a repeated name would leave DuckDB one column short of the rows (reported as
    every row being one field too wide), an unnamed one would load as an anonymous extra column.
    `unnamed_column`: the layout has one unnamed column of its own (a pandas index)."""
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(position)
    unnamed = positions.pop("", [])
    if len(unnamed) > unnamed_column:
        position = unnamed[int(unnamed_column)]
        after = f" (after {header[position - 2]!r})" if position > 1 else ""
        second = "; a second unnamed column, the layout has one" if unnamed_column else ""
        raise SourceFileError(path, f"column {position}{after} of the header has no name{second}", row=0)
    for name, found in positions.items():
        if len(found) > 1:
            where = ", ".join(str(p) for p in found[:-1]) + f" and {found[-1]}"
            times = "twice" if len(found) == 2 else f"{len(found)} times"
            raise SourceFileError(path, f"the header names column {name!r} {times}, at positions {where}",
                                  row=0, column=name)


def check_csv_structure(
    path: Path, header: Sequence[str], delimiter: str, *, other_names: Iterable[str] = (), unnamed_column: bool = False
) -> None:
    """Check a CSV file's structure past its first line: its header names every column once
    (`check_header_names`), and no row is itself a header line. A header line mid-file is a
    second export appended: in the same column order it would load as one bad row, in another
    order its rows would load under the first header's names (scores under the wrong
    benchmark). Rows of another width are DuckDB's to report (strict mode names the line).

    A row is a header line when its fields (two at least) are all names of this header or
    `other_names` (the source's other layouts), empty only where the layout has an unnamed
    column. Streams the raw lines once: only a line that starts a record (outside quotes) with
    such a name, or with a quote, is parsed; about a second per million rows."""
    check_header_names(path, header, unnamed_column=unnamed_column)
    names = {*header, *other_names} - {""}
    found = _find_header_line(path, delimiter, names, unnamed_column=unnamed_column)
    if found is not None:
        raise _header_line_error(path, list(header), *found)


def header_line_suspected(conn: duckdb.DuckDBPyConnection, relation: str, column: str, names: Iterable[str]) -> bool:
    """Whether a CSV file's rows, as DuckDB loaded them into `relation` in strict mode (every
    row as wide as the header), may hold a header line: `column` is a column name in some row.
    A header line of the header's width has a name in every field, so none escapes this; one of
    another width stops DuckDB itself. Either way check_csv_structure then confirms and names
    it. One column scanned by DuckDB instead of every line of a large file read in Python
    (about a second per million rows)."""
    candidates = sorted({*names, *(_BOM.decode("utf-8") + name for name in names)})
    (found,) = conn.execute(
        f"select exists (select 1 from {relation} where {quote_identifier(column)} in (select unnest($names)))",
        {"names": candidates},
    ).fetchone()
    return bool(found)


_BOM = b"\xef\xbb\xbf"


def _find_header_line(
    path: Path, delimiter: str, names: set[str], *, unnamed_column: bool
) -> tuple[int, int, list[str]] | None:
    """(line, row, fields) of the first record past the header that is a header line, or None."""
    separator = delimiter.encode("utf-8")
    first_fields = {name.encode("utf-8") for name in names} | ({b""} if unnamed_column else set())
    row, in_quotes, line_number = 0, False, 1
    try:
        with _open_csv_bytes(path) as handle:
            handle.readline()  # the header
            for line_number, line in enumerate(handle, start=2):
                quotes = line.count(b'"')
                if not in_quotes:
                    row += 1
                    cut = line.find(separator)
                    first = (line[:cut] if cut >= 0 else line.rstrip(b"\r\n")).removeprefix(_BOM)
                    # A header line's quotes pair up: a name holds no newline, and its quotes are doubled.
                    if (first in first_fields or first.startswith(b'"')) and quotes % 2 == 0:
                        text = line.decode("utf-8", "replace").rstrip("\r\n").removeprefix("\ufeff")
                        fields = next(csv.reader([text], delimiter=delimiter), [])
                        if _is_header_line(fields, names, unnamed_column):
                            return line_number, row, fields
                    if quotes % 2:
                        in_quotes = _ends_inside_quotes(line, delimiter, starts_inside=False)
                elif quotes:
                    in_quotes = _ends_inside_quotes(line, delimiter, starts_inside=True)
    except (OSError, EOFError, zlib.error) as exc:  # a truncated .gz; an I/O error
        raise SourceFileError(path, f"cannot be read past line {line_number} ({exc})") from exc
    return None


def _ends_inside_quotes(line: bytes, delimiter: str, *, starts_inside: bool) -> bool:
    """Whether a line leaves a quoted field open, its record going on past the line. Not the
    parity of its quotes: DuckDB, like Python's csv, reads a quote inside an unquoted field as a
    character (`x"y`)."""
    text = ('"' if starts_inside else "") + line.decode("utf-8", "replace").rstrip("\r\n")
    try:
        for _ in csv.reader([text], delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _is_header_line(fields: list[str], names: set[str], unnamed_column: bool) -> bool:
    named = [field for field in fields if field]
    # Two names at least: a lone field that happens to be a name is a short row (DuckDB's to report).
    return len(named) >= 2 and len(fields) - len(named) <= unnamed_column and all(f in names for f in named)


def _header_line_error(path: Path, header: list[str], line: int, row: int, fields: list[str]) -> SourceFileError:
    """Names the line and the first column where the header line departs from the header."""
    if fields == header:  # named at its first named column (a pandas index has none)
        return SourceFileError(path, f"line {line} repeats the header line (a second export appended?)",
                               row=row, column=next((name for name in header if name), None))
    position = next(i for i in range(max(len(header), len(fields)))
                    if i >= len(header) or i >= len(fields) or header[i] != fields[i])
    theirs = repr(fields[position]) if position < len(fields) else "nothing"
    ours = repr(header[position]) if position < len(header) else "no column"
    width = f" ({len(fields)} fields, the header has {len(header)})" if len(fields) != len(header) else ""
    return SourceFileError(
        path,
        f"line {line} is a header line, not data{width} (a second export appended?): "
        f"its column {position + 1} is {theirs} where the header has {ours}; "
        "the rows after it would load under the wrong columns",
        row=row, column=header[position] if position < len(header) else None,
    )


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str | datetime | Mapping[str, str] | None) -> str:
    """A value as a DuckDB SQL literal: the readers' SELECTs are literal SQL, so that a view
    (which cannot hold `$param` placeholders) reads a file as the loader does (the benchmark's
    floor). Text, a timestamp (timestamptz), a mapping of text (a struct: read_csv's `columns`)."""
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return f"{sql_literal(value.isoformat())}::timestamptz"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{sql_literal(key)}: {sql_literal(item)}" for key, item in value.items()) + "}"
    return "'" + value.replace("'", "''") + "'"


def swap_in_loaded_table(conn: duckdb.DuckDBPyConnection, loading_table: str, raw_table: str) -> None:
    """Replace raw_table by loading_table (both `raw.<name>`) inside the caller's transaction:
    drop and rename, so the loaded rows are not copied a second time (at Hub size the copy of
    the 20M-row commits took as long as reading them)."""
    schema, name = raw_table.split(".", 1)
    loading_schema = loading_table.split(".", 1)[0]
    if schema != loading_schema:
        raise ValueError(f"{loading_table} and {raw_table} must be in the same schema")
    conn.execute(f"drop table if exists {raw_table}")
    conn.execute(f"alter table {loading_table} rename to {name}")


def duckdb_csv_error(
    path: Path, exc: duckdb.Error, *, header: list[str] | None = None, delimiter: str = ","
) -> SourceFileError:
    """Turn DuckDB's CSV error into one that names the file, row and column, and says why.

    DuckDB names the line and quotes it; the reason is on the lines after (a ragged row, bytes
    that are not UTF-8, a line past the size limit). Given the file's header, the column is
    found by re-reading that line: the first missing field of a short row, the first field
    with bytes that are not UTF-8, the longest field of an overlong line.
    """
    text = str(exc)
    lines = [line for line in text.strip().splitlines() if line.strip() and not line.startswith("Original Line")]
    line = re.search(r"[Ll]ine:?\s*(\d+)", text)
    row = int(line.group(1)) - 1 if line else None  # DuckDB counts the header as line 1
    reason = next((item for item in lines[1:3] if not item.startswith("Possible")), "")
    message = f"{lines[0]}{': ' + reason if reason else ''}" if lines else type(exc).__name__
    column = None
    if header is not None and line:
        column = _column_at_fault(path, int(line.group(1)), header, delimiter, reason)
    else:
        named = re.search(r"[Cc]olumn:?\s*\"([^\"]+)\"", text)
        column = named.group(1) if named else None
    return SourceFileError(path, message[:500], row=row, column=column)


def _column_at_fault(path: Path, line_number: int, header: list[str], delimiter: str, reason: str) -> str | None:
    """The header name of the field that makes `line_number` (1-based, physical) unreadable."""
    try:
        with _open_csv_bytes(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if number == line_number:
                    break
            else:
                return None
    except (OSError, EOFError):
        return None
    csv.field_size_limit(max(csv.field_size_limit(), len(raw) + 1))  # the overlong line itself
    fields = next(csv.reader([raw.decode("latin-1").rstrip("\r\n")], delimiter=delimiter), [])
    found = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", reason)
    index = None
    if found:
        expected, present = int(found.group(1)), int(found.group(2))
        index = present if present < expected else None
    elif "unicode" in reason.lower() or "utf" in reason.lower():
        index = next((i for i, f in enumerate(fields) if not _is_utf8(f.encode("latin-1"))), None)
    elif "line size" in reason.lower() and fields:
        index = max(range(len(fields)), key=lambda i: len(fields[i]))
    return header[index] if index is not None and index < len(header) else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
