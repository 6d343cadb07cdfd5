"""Reader for HFCommunity dumps (SOM Research's relational copy of the Hugging Face Hub).

HFCommunity publishes its MariaDB database as a dump in a `.zip` archive (one release as a `.rar`),
from Zenodo; its CSV download was withdrawn in 2022 (docs/sources.md has the evidence). This reader
loads, into the same raw tables:

- the published archive, a `.zip` holding the MariaDB dump (`.sql`; several `.sql` members are
  read in name order, as one dump), or the bare dump, `.sql` or gzip-compressed `.sql.gz`:
  `CREATE TABLE` statements, then extended `INSERT INTO `table` VALUES (...),(...);` statements
  with MySQL string escapes (`\\'`, `\\\\`, `\\n`, `\\0`, `\\Z`, `''`), `NULL`, bare numbers,
  and dates as quoted strings;
- the project's own per-table CSV export (a directory of `<table>.csv` / `.csv.gz` with the
  dump's column names as header; used by the Hub-sized benchmarks, documented in docs/sources.md;
  HFCommunity does not publish CSV).

Both schema versions of the published dumps are read, each table's columns found by name in its
own `CREATE TABLE` (`HFC_COLUMNS` lists, per raw column, the dump columns that may hold it):
v1.1 (dumps from 2024 on, extractor at 7a71694…539d49b: `author.username`, `commits.repo_id`,
`author_name`, `author_date` + `author_tz`, `repo_file`) and v1.0 (2022–2023: `commits(sha,
timestamp, message, author)` without a repo, `file` instead of `repo_file`, `author.name` in the
first script). A v1.0 commit's repo comes from `files_in_commit` ⋈ `file` (one row per commit and
repo it touched; a commit that touched no file keeps a NULL repo). `SCHEMA_VERSIONS` tells them apart.

Values stay text exactly as the dump has them (NULL stays NULL, the literal `None` of a missing
card stays `None`); staging casts them. One derivation is made here, because SQL cannot parse
YAML: each repository's `card_data` (YAML text in v1.1 — `str(ModelCardData)` —, a Python dict
repr in v1.0) is parsed into `card_format`, `card_base_model`, `card_base_model_relation`,
`card_datasets` and `card_language` (lists as Python-style list literals, as in the paper's
repo_details.csv), appended to raw.hfc_repository.

The dump is streamed: read line by line, tokenized with a MySQL-escape state machine (a
statement or a string may run over several lines), and written to DuckDB in batches of
`batch_rows` rows, so memory stays bounded whatever the dump's size.

Lineage columns are orchestration/loading.py's: `_source_file` (the dump; `<archive>!/<member>` for
a dump inside a zip; the table's CSV file), `_source_checksum` (sha256 of the archive or file),
`_loaded_at` and `_source_row`: the 1-based row number within its table, in dump order. Errors
name the file, the line (SQL dump) or row (CSV), the table and the column.

All tables are swapped in together, in one transaction, and only if every table passes its
audit: a dump that fails anywhere leaves every `raw.hfc_*` table as it was.
"""

from __future__ import annotations

import ast
import functools
import gzip
import io
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import duckdb
import pyarrow as pa
import yaml

from orchestration.loading import (
    LINEAGE_COLUMNS,
    SourceFileError,
    check_csv_structure,
    check_header_names,
    csv_compression,
    duckdb_csv_error,
    duckdb_literal_path,
    file_checksum,
    header_line_suspected,
    quote_identifier,
    read_csv_header,
    sql_literal,
    swap_in_loaded_table,
)

# A column of a dump table: the dump column names that may hold it, in order of preference
# (v1.1's name first); OPTIONAL last when a schema version may lack it (it is then NULL).
OPTIONAL = None
Column = tuple[str | None, ...]


@dataclass(frozen=True)
class HfcTable:
    """One raw.hfc_<name> table: the dump table(s) it is read from and its columns."""

    name: str
    dump_tables: tuple[str, ...]
    """Names of the dump table, v1.1's first (`repo_file`, v1.0's `file`)."""
    columns: dict[str, Column]
    """raw column → the dump columns that may hold it (see Column)."""


_TABLES = (
    HfcTable("author", ("author",), {
        "username": ("username", "name"), "avatar_url": ("avatar_url",), "is_pro": ("is_pro",),
        "fullname": ("fullname",), "type": ("type",), "source": ("source", OPTIONAL),
    }),
    HfcTable("repository", ("repository",), {
        "id": ("id",), "name": ("name",), "type": ("type",), "author": ("author",), "sha": ("sha",),
        "last_modified": ("last_modified",), "private": ("private",), "card_data": ("card_data",),
        "gated": ("gated",), "likes": ("likes",), "disabled": ("disabled", OPTIONAL),
    }),
    HfcTable("model", ("model",), {
        "model_id": ("model_id",), "pipeline_tag": ("pipeline_tag",), "downloads": ("downloads",),
        "library_name": ("library_name",), "likes": ("likes", OPTIONAL), "config": ("config", OPTIONAL),
    }),
    HfcTable("commits", ("commits",), {
        "sha": ("sha",), "repo_id": ("repo_id", OPTIONAL),
        "author_name": ("author_name", "author"), "author_date": ("author_date", "timestamp"),
        "author_tz": ("author_tz", OPTIONAL), "committer_name": ("committer_name", OPTIONAL),
        "committer_date": ("committer_date", OPTIONAL), "committer_tz": ("committer_tz", OPTIONAL),
        "message": ("message",),
    }),
    HfcTable("discussion", ("discussion",), {
        "num": ("num",), "repo_id": ("repo_id",), "author": ("author",), "title": ("title",),
        "status": ("status",), "created_at": ("created_at",), "is_pull_request": ("is_pull_request",),
    }),
    HfcTable("tags_in_repo", ("tags_in_repo",), {"tag_name": ("tag_name",), "repo_id": ("repo_id",)}),
    HfcTable("repo_file", ("repo_file", "file"), {
        "id": ("id",), "filename": ("filename",), "repo_id": ("repo_id",), "size": ("size", OPTIONAL),
    }),
)  # fmt: skip
HFC_SCHEMA: dict[str, HfcTable] = {table.name: table for table in _TABLES}

# Columns parsed from repository.card_data by this reader, after the dump's own.
CARD_COLUMNS = ("card_format", "card_base_model", "card_base_model_relation", "card_datasets", "card_language")

# The tables the warehouse loads, with the columns raw.hfc_<table> keeps (in this order).
HFC_TABLES: dict[str, tuple[str, ...]] = {
    table.name: (*table.columns, *(CARD_COLUMNS if table.name == "repository" else ())) for table in _TABLES
}
# v1.0 commits carry no repo: it is found through the files each commit touched.
FILES_IN_COMMIT = "files_in_commit"
_FILES_IN_COMMIT_COLUMNS: tuple[Column, ...] = (("sha",), ("file_id", "modified_file_id"))

# How the loaded dump's schema version shows (docs/sources.md): v1.1 commits have author_tz.
SCHEMA_VERSIONS = {"v1.1": "commits.author_tz present (dumps from 2024 on)", "v1.0": "commits.timestamp, no repo_id (2022–2023)"}
RAW_PREFIX = "hfc_"
SQL_DUMP_SUFFIXES = (".sql", ".sql.gz", ".zip")
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
# The card


@dataclass(frozen=True)
class Card:
    """What the warehouse reads from a repository's card_data."""

    format: str
    """`yaml` (v1.1), `dict` (v1.0's Python repr), `none` (no card: NULL, empty or `None`) or
    `unparsed` (text that is neither: nothing is read from it)."""
    base_models: tuple[str, ...] = ()
    base_model_relation: str | None = None
    datasets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def columns(self) -> tuple[str | None, ...]:
        """The values of CARD_COLUMNS: lists as Python-style list literals, NULL when absent."""
        def literal(items: tuple[str, ...]) -> str | None:
            return repr(list(items)) if items else None

        return (self.format, literal(self.base_models), self.base_model_relation, literal(self.datasets), literal(self.languages))


_NO_CARD = Card("none")
_UNPARSED = Card("unparsed")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _strings(value: object) -> tuple[str, ...]:
    """A card field that is one id or a list of them, as stripped non-empty strings."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return tuple(text for item in items if item is not None and (text := str(item).strip()))


def parse_card(card_data: str | None) -> Card:
    """Parse card_data as HFCommunity stores it: `str(cardData)`, which is the card's YAML with
    huggingface_hub 0.19 (v1.1 dumps: `CardData.__str__` is `to_yaml()`) and the metadata dict's
    Python repr with 0.12 (v1.0 dumps); the literal `None` when the repo has no card.

    `base_model` is an id or a list of ids; `base_model_relation` (the Hub's `adapter`, `merge`,
    `quantized`, `finetune`) says how the model derives from it; `datasets` and `language` are an
    id or a list."""
    if card_data is None:
        return _NO_CARD
    text = card_data.strip()
    if not text or text == "None":
        return _NO_CARD
    if text.startswith("{"):
        try:
            metadata, form = ast.literal_eval(text), "dict"
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return _UNPARSED
    else:
        if text.startswith("---"):  # a whole card's front matter
            text = text[3:].split("\n---", 1)[0]
        try:
            metadata, form = yaml.load(text, Loader=_YAML_LOADER), "yaml"
        except yaml.YAMLError:
            return _UNPARSED
    if not isinstance(metadata, dict):
        return _UNPARSED
    relation = metadata.get("base_model_relation")
    return Card(
        form,
        _strings(metadata.get("base_model")),
        str(relation).strip() or None if relation is not None else None,
        _strings(metadata.get("datasets")),
        _strings(metadata.get("language")),
    )


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


def _default_dump_tables() -> dict[str, tuple[Column, ...]]:
    """Every dump table the loader reads, with its column specs (the raw table's columns)."""
    tables: dict[str, tuple[Column, ...]] = {}
    for table in _TABLES:
        for dump_table in table.dump_tables:
            tables[dump_table] = tuple(table.columns.values())
    tables[FILES_IN_COMMIT] = _FILES_IN_COMMIT_COLUMNS
    return tables


@dataclass
class SqlDumpReader:
    """Tokenizes a MariaDB/MySQL dump (`.sql`, `.sql.gz`, or a `.zip` holding `.sql` members),
    yielding (dump table, rows) batches of the wanted tables.

    `tables` maps a dump table to its column specs: a name, or a tuple of names that may hold the
    column (the first the table declares wins; a trailing OPTIONAL lets it be absent, read as
    NULL). Rows are tuples of text or None, one value per spec. `required` lists groups of dump
    tables of which the dump must declare at least one (by default, one per raw table).
    """

    path: Path
    tables: dict[str, Sequence[str | Column]] = field(default_factory=_default_dump_tables)
    batch_rows: int = DEFAULT_BATCH_ROWS
    required: Sequence[tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        self.columns: dict[str, list[str]] = {}  # every table's columns, from its CREATE TABLE
        self._create_line: dict[str, int] = {}
        self._projection: dict[str, list[int | None]] = {}
        self.current = self.path
        """The file being read: the dump, or `<archive>!/<member>` inside a zip."""
        if self.required is None:  # each wanted table, or one of its schema versions' names
            groups: list[tuple[str, ...]] = []
            for table in self.tables:
                if table == FILES_IN_COMMIT or any(table in group for group in groups):
                    continue
                versions = next((t.dump_tables for t in _TABLES if table in t.dump_tables), (table,))
                groups.append(tuple(t for t in versions if t in self.tables))
            self.required = groups

    def batches(self) -> Iterator[tuple[str, list[tuple[str | None, ...]]]]:
        pending: dict[str, list[tuple[str | None, ...]]] = {t: [] for t in self.tables}
        for line_no, line in (lines := self._lines()):
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
        missing = [group for group in self.required if not any(t in self.columns for t in group)]
        if missing:
            names = " or ".join(f"`{t}`" for t in missing[0])
            raise DumpError(
                self.current,
                f"the dump has no table {names} (no CREATE TABLE); an HFCommunity dump holds "
                f"{', '.join(group[0] for group in self.required)}",
                table=missing[0][0],
            )
        for table, batch in pending.items():
            if batch:
                yield table, batch

    def _lines(self) -> Iterator[tuple[int, str]]:
        """(line number, line) of the dump; a zip's `.sql` members in name order, each
        numbered from 1 (`self.current` names the member)."""
        name = self.path.name.lower()
        if not self.path.exists():
            raise DumpError(self.current, "does not exist (expected an HFCommunity dump: `.zip`, `.sql` or `.sql.gz`)")
        if name.endswith(".rar"):
            raise DumpError(
                self.current, "is a RAR archive, which this reader cannot open: unpack it (`unrar x`) and "
                "point WAREHOUSE_HFCOMMUNITY_DUMP at the `.sql` inside",
            )  # fmt: skip
        if not name.endswith(".zip"):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(self.path, "rt", encoding="utf-8", newline="\n") as stream:
                yield from self._numbered(stream)
            return
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DumpError(self.current, f"is not a readable zip archive ({exc})") from exc
        with archive:
            members = sorted(
                info.filename for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith((".sql", ".sql.gz"))
                and not info.filename.startswith("__MACOSX/")
            )  # fmt: skip
            if not members:
                listed = ", ".join(archive.namelist()[:10]) or "nothing"
                raise DumpError(self.current, f"holds no `.sql` dump (it holds {listed})")
            for member in members:
                self.current = Path(f"{self.path}!/{member}")
                raw = archive.open(member)
                binary = gzip.GzipFile(fileobj=raw) if member.lower().endswith(".gz") else raw
                with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as stream:
                    yield from self._numbered(stream)

    def _numbered(self, stream: TextIO) -> Iterator[tuple[int, str]]:
        line_no = 0
        try:
            for line_no, line in enumerate(stream, 1):  # noqa: B007 (line_no is read on error)
                yield line_no, line
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:  # a truncated member, a CRC error
            raise DumpError(self.current, f"cannot be read past this line ({exc or type(exc).__name__})", line=line_no + 1) from exc
        except UnicodeDecodeError as exc:
            raise DumpError(self.current, f"is not valid UTF-8 ({exc.reason})", line=line_no + 1) from exc

    def _project(self, table: str, columns: list[str], line_no: int) -> list[int | None] | None:
        """The position of each wanted column of `table` among `columns` (None: absent and
        optional); None when the table is not wanted."""
        specs = self.tables.get(table)
        if specs is None:
            return None
        projection, missing = [], []
        for spec in specs:
            candidates = (spec,) if isinstance(spec, str) else spec
            found = next((columns.index(c) for c in candidates if c is not None and c in columns), None)
            if found is None and OPTIONAL not in candidates:
                missing.append(" or ".join(repr(c) for c in candidates))
            projection.append(found)
        if missing:
            raise DumpError(
                self.current,
                f"column(s) {', '.join(missing)} missing (the table declares {', '.join(columns)})",
                line=line_no, table=table, column=missing[0].split(" or ")[0].strip("'"),
            )  # fmt: skip
        return projection

    # -- CREATE TABLE ----------------------------------------------------------------------------

    def _create_table(self, line: str, line_no: int, lines: Iterator[tuple[int, str]]) -> None:
        match = _CREATE.match(line.strip())
        if not match:
            raise DumpError(self.current, f"cannot read this CREATE TABLE statement: {line.strip()[:80]!r}", line=line_no)
        table, columns = match.group(1), []
        for _, body in lines:
            if body.lstrip().startswith(")"):
                break
            column = _COLUMN_DEF.match(body)
            if column:
                columns.append(column.group(1))
        else:
            raise DumpError(self.current, "the dump ends inside this CREATE TABLE statement", line=line_no, table=table)
        self.columns[table], self._create_line[table] = columns, line_no
        projection = self._project(table, columns, line_no)
        if projection is not None:
            self._projection[table] = projection

    # -- INSERT ----------------------------------------------------------------------------------

    def _insert(
        self, line: str, line_no: int, lines: Iterator[tuple[int, str]]
    ) -> Iterator[tuple[str, tuple[str | None, ...]]]:
        statement = _Statement(line, line_no)
        match = _INSERT.match(line, len(line) - len(line.lstrip()))
        if not match:
            raise DumpError(self.current, f"cannot read this INSERT statement: {line.strip()[:80]!r}", line=line_no)
        table = match.group(1)
        if match.group(2) is not None:
            columns = [c.strip().strip("`") for c in match.group(2).split(",")]
        elif table in self.columns:
            columns = self.columns[table]
        else:
            raise DumpError(
                self.current, "INSERT into a table that no CREATE TABLE declared before it (unknown columns)",
                line=line_no, table=table,
            )  # fmt: skip
        if match.group(2) is not None:
            project = self._project(table, columns, line_no)
        else:
            project = self._projection.get(table)
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
            return DumpError(self.current, message, line=at_line, position=at_char, table=table, column=column)

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
                yield table, tuple(None if i is None else values[i] for i in project)
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
    """`sql` (a MariaDB dump: `.zip`, `.sql`, `.sql.gz`) or `csv` (the project's per-table export)."""
    schema_version: str | None = None
    """`v1.1` or `v1.0` (SCHEMA_VERSIONS), from the commits table's columns."""
    card_formats: dict[str, int] = field(default_factory=dict)
    """card_format → repositories (how many cards were YAML, dict reprs, absent, unparsed)."""
    load_seconds: dict[str, float] = field(default_factory=dict)
    """table → seconds reading its file into the loading table (the CSV export, whose tables are
    separate files; a SQL dump interleaves them, so none are given)."""


def dump_form(path: Path) -> str:
    """`csv` for a directory of per-table CSV files, `sql` for a dump (`.zip`, `.sql`, `.sql.gz`)."""
    if path.is_dir():
        return "csv"
    if path.name.lower().endswith((*SQL_DUMP_SUFFIXES, ".rar")):
        return "sql"
    if not path.exists():
        raise DumpError(path, "does not exist (expected an HFCommunity dump: a `.zip`, `.sql` or `.sql.gz` file)")
    raise DumpError(path, "is not an HFCommunity dump: expected a `.zip` (as published), `.sql` or `.sql.gz` file")


def csv_table_path(directory: Path, table: str) -> Path:
    """`<table>.csv`, or `<table>.csv.gz` when only that exists."""
    plain = directory / f"{table}.csv"
    compressed = directory / f"{table}.csv.gz"
    return compressed if not plain.exists() and compressed.exists() else plain


def dump_checksums(path: Path) -> dict[str, str]:
    """table → sha256 of the file its rows come from."""
    if dump_form(path) == "sql":
        if not path.is_file():
            raise DumpError(path, "does not exist (expected an HFCommunity dump: a `.zip`, `.sql` or `.sql.gz` file)")
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
    checksums: dict[str, str] | None = None,
    reload: bool = False,
) -> HfcLoadResult:
    """Load a dump into raw.hfc_<table> for every table of HFC_TABLES, all or nothing.

    Each table is read into a loading table first (committed beside raw.hfc_*; a run killed
    before the swap leaves them, and the next load replaces them); `audit(conn, table,
    loading_table)` runs on every table, in the transaction that swaps them in, and decides
    whether they replace raw.hfc_*: if any is rejected, nothing changes and they are dropped.
    Idempotent like `load_snapshot_file`: when the raw tables already hold this exact dump,
    nothing is written and the tables held are audited again; `reload` loads it all the same
    (a full refresh). `checksums`: dump_checksums(path), if known.
    """
    form = dump_form(path)
    checksums = checksums or dump_checksums(path)
    conn.execute("create schema if not exists raw")
    if not reload and held_checksums(conn) == checksums:
        verdicts = [audit(conn, t, f"raw.{raw_table_name(t)}") for t in HFC_TABLES] if audit else []
        return HfcLoadResult(
            path, checksums, _row_counts(conn, lambda t: f"raw.{raw_table_name(t)}"), False, all(verdicts), form,
            _schema_version(conn, f"raw.{raw_table_name('commits')}"), _card_formats(conn, f"raw.{raw_table_name('repository')}"),
        )  # fmt: skip

    loaded_at = loaded_at or datetime.now(UTC)
    # Two transactions: the loading tables are written and committed beside raw.hfc_*, then
    # audited and swapped in (or dropped). DuckDB scans a committed table about twice as fast
    # as the rows its own open transaction wrote (hfc_commits' screen at a tenth of Hub size:
    # 1.8 s against 3.3 s); raw.hfc_* changes only in the second transaction, all or nothing.
    conn.execute("begin transaction")
    try:
        for table, columns in HFC_TABLES.items():
            column_list = ", ".join(f'"{c}" varchar' for c in columns)
            conn.execute(
                f"create or replace table {_loading(table)} ({column_list}, _source_file varchar, "
                "_source_checksum varchar, _loaded_at timestamptz, _source_row bigint)"
            )
        load_seconds: dict[str, float] = {}
        if form == "sql":
            version = _load_sql(conn, path, checksums, loaded_at, batch_rows)
        else:
            version = _load_csv(conn, path, checksums, loaded_at, load_seconds)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    if form == "csv":
        _number_csv_rows(conn, load_seconds)
    conn.execute("begin transaction")
    try:
        rows = _row_counts(conn, _loading)
        cards = _card_formats(conn, _loading("repository"))
        verdicts = [audit(conn, t, _loading(t)) for t in HFC_TABLES] if audit else []
        accepted = all(verdicts)
        if accepted:
            if before_swap is not None:
                before_swap()
            for table in HFC_TABLES:
                swap_in_loaded_table(conn, _loading(table), f"raw.{raw_table_name(table)}")
            conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        _drop_loading_tables(conn)
        raise
    if not accepted:
        conn.execute("rollback")  # what the audits wrote (quarantine) goes with the load
        _drop_loading_tables(conn)
    return HfcLoadResult(path, checksums, rows, accepted, accepted, form, version, cards, load_seconds)


def _drop_loading_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in HFC_TABLES:
        conn.execute(f"drop table if exists {_loading(table)}")


def _loading(table: str) -> str:
    return f'raw."_loading_{raw_table_name(table)}"'


_FILES_IN_COMMIT_LOADING = 'raw."_loading_hfc_files_in_commit"'


def _raw_table_of(dump_table: str) -> str | None:
    return next((table.name for table in _TABLES if dump_table in table.dump_tables), None)


def _load_sql(
    conn: duckdb.DuckDBPyConnection, path: Path, checksums: dict[str, str], loaded_at: datetime, batch_rows: int
) -> str:
    """Read the dump into the loading tables; return its schema version."""
    conn.execute("create or replace temp table files_in_commit_rows (sha varchar, file_id varchar)")
    next_row = dict.fromkeys(HFC_TABLES, 1)
    reader = SqlDumpReader(path, batch_rows=batch_rows)
    for dump_table, batch in reader.batches():
        if dump_table == FILES_IN_COMMIT:
            pairs = pa.Table.from_arrays(  # noqa: F841 (read by DuckDB)
                [pa.array(values, type=pa.string()) for values in zip(*batch, strict=True)], names=["sha", "file_id"]
            )
            conn.execute("insert into files_in_commit_rows select * from pairs")
            continue
        table = _raw_table_of(dump_table)
        if table == "repository":
            index = list(HFC_SCHEMA["repository"].columns).index("card_data")
            batch = [(*row, *parse_card(row[index]).columns()) for row in batch]
        columns = HFC_TABLES[table]
        first = next_row[table]
        next_row[table] = first + len(batch)
        arrays = [pa.array(values, type=pa.string()) for values in zip(*batch, strict=True)]
        arrays.append(pa.array(range(first, first + len(batch)), type=pa.int64()))
        hfc_batch = pa.Table.from_arrays(arrays, names=[*columns, "_source_row"])  # noqa: F841 (read by DuckDB)
        select = ", ".join(f'"{c}"' for c in columns)
        conn.execute(
            f"insert into {_loading(table)} select {select}, $file, $checksum, $loaded_at, _source_row from hfc_batch",
            {"file": str(reader.current), "checksum": checksums[table], "loaded_at": loaded_at},
        )
    version = "v1.1" if "author_tz" in reader.columns.get("commits", ()) else "v1.0"
    if "repo_id" not in reader.columns.get("commits", ()):
        if FILES_IN_COMMIT not in reader.columns:
            raise DumpError(
                path, "the dump's `commits` table has no repo_id (schema v1.0) and the dump has no "
                "`files_in_commit` table to find each commit's repo through", table="commits", column="repo_id",
            )  # fmt: skip
        _commit_repos_from_files(conn)
    conn.execute("drop table files_in_commit_rows")
    return version


def _commit_repos_from_files(conn: duckdb.DuckDBPyConnection) -> None:
    """v1.0: a commit's repo is the repo of the files it touched (files_in_commit ⋈ file). A sha
    is one commit (the primary key of `commits`, as in v1.1, where a commit has one repo): one
    touching files of several repos (a copied repo) goes to the first repo by id; a commit that
    touched no file keeps a NULL repo."""
    columns = HFC_TABLES["commits"]
    select = ", ".join('repos.repo_id as "repo_id"' if c == "repo_id" else f'commits."{c}"' for c in columns)
    conn.execute(f"""
        create or replace temp table commits_with_repos as
        select {select}, commits._source_file, commits._source_checksum, commits._loaded_at, commits._source_row
        from {_loading('commits')} as commits
        left join (
            select touched.sha, min(files.repo_id) as repo_id
            from files_in_commit_rows as touched
            join {_loading('repo_file')} as files on files.id = touched.file_id
            group by touched.sha
        ) as repos on repos.sha = commits.sha
        order by commits._source_row
    """)
    conn.execute(f"delete from {_loading('commits')}")
    conn.execute(f"insert into {_loading('commits')} select * from commits_with_repos")
    conn.execute("drop table commits_with_repos")


def _load_csv(
    conn: duckdb.DuckDBPyConnection, directory: Path, checksums: dict[str, str], loaded_at: datetime,
    load_seconds: dict[str, float],
) -> str:
    """The project's own per-table export: the v1.1 dump's columns under their names, each
    file by one INSERT, `_source_row` left NULL (`_number_csv_rows` fills it once committed);
    each table's time goes to `load_seconds` (repository's with its cards parsed)."""
    (in_file_order,) = conn.execute("select current_setting('preserve_insertion_order')").fetchone()
    if not in_file_order:  # checked before any file is read
        raise DumpError(directory, "DuckDB's preserve_insertion_order is off: each row's position in its file "
                        "(_source_row) would be lost; load the CSV export with it on (DuckDB's default)")  # fmt: skip
    version = "v1.1"
    for table, spec in HFC_SCHEMA.items():
        started = time.perf_counter()
        path = csv_table_path(directory, table)
        header = read_csv_header(path, ",", expected=f"the `{table}` table of the CSV export")
        # Every schema version's names: a header line mid-file may come from either's export.
        known = {name for candidates in spec.columns.values() for name in candidates if name is not None}
        check_header_names(path, header)
        select = csv_export_select_sql(
            table, path, header, checksum=checksums[table], loaded_at=loaded_at, numbered=False
        )
        if table == "commits" and "author_tz" not in header:
            raise DumpError(path, "the CSV export has the v1.1 columns only (no author_tz)", row=0, table=table, column="author_tz")
        try:
            # By name: repository's card columns stay NULL here, parsed below once the rows are in.
            conn.execute(f"insert into {_loading(table)} by name {select}")
        except duckdb.Error as exc:
            # A header line of another width is why DuckDB stops, if there is one: named as such.
            check_csv_structure(path, header, ",", other_names=known)
            raise duckdb_csv_error(path, exc, header=header) from None  # DuckDB quotes the whole line
        # A header line of the header's width loads as a row of names: the file is read line by
        # line only then (check_csv_structure), not on every load of a Hub-sized export.
        first_column = next(column for column, names in spec.columns.items() if any(n in header for n in names if n))
        if header_line_suspected(conn, _loading(table), first_column, {*header, *known}):
            check_csv_structure(path, header, ",", other_names=known)
        load_seconds[table] = time.perf_counter() - started
    started = time.perf_counter()
    _parse_cards_in_place(conn, _loading("repository"))
    load_seconds["repository"] += time.perf_counter() - started
    return version


def _number_csv_rows(conn: duckdb.DuckDBPyConnection, load_seconds: dict[str, float]) -> None:
    """Set each committed loading table's `_source_row` to its row's position in the file.
    Each table was created empty and filled by one INSERT from read_csv, in file order
    (DuckDB's preserve_insertion_order); once committed, its rowid is that order, 0-based
    (inside the writing transaction rowids are transaction-local). `row_number() over ()` in
    the INSERT instead serialised the read: a third of hfc_commits' load at a tenth of Hub
    size (5.3-6.0 s against 3.5-3.8 s this way, the UPDATE itself 0.05 s)."""
    conn.execute("begin transaction")
    try:
        for table in HFC_TABLES:
            started = time.perf_counter()
            conn.execute(f"update {_loading(table)} set _source_row = rowid + 1")
            load_seconds[table] += time.perf_counter() - started
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        _drop_loading_tables(conn)
        raise


def csv_export_select_sql(
    table: str, path: Path, header: Sequence[str], *, checksum: str, loaded_at: datetime, numbered: bool = True
) -> str:
    """The SELECT that reads one table of the CSV export (`header`: its header row) as the dump
    columns of raw.hfc_<table>, each from the first of its names the header has (NULL where a
    schema version may lack it), then the lineage columns; repository's CARD_COLUMNS are not in
    it (`parse_cards`). Literal SQL, no parameters: the benchmark's floor reads the file through
    this same SELECT as a view (benchmarks/floor_duckdb.py). `numbered=False` leaves
    `_source_row` NULL, for the loader to number once the rows are committed. A required column
    missing from the header is an error naming the file and the column."""
    sources, missing = [], []
    for column, candidates in HFC_SCHEMA[table].columns.items():
        found = next((c for c in candidates if c is not None and c in header), None)
        if found is None and OPTIONAL not in candidates:
            missing.append(column)
        sources.append(f"{quote_identifier(found) if found else 'null::varchar'} as {quote_identifier(column)}")
    if missing:
        raise DumpError(
            path, f"missing column(s) {', '.join(repr(c) for c in missing)}; the header has {', '.join(header)}",
            row=0, table=table, column=missing[0],
        )  # fmt: skip
    columns = {name: "VARCHAR" for name in header}
    return f"""
        select {', '.join(sources)},
               {sql_literal(str(path))}::varchar as _source_file,
               {sql_literal(checksum)}::varchar as _source_checksum,
               {sql_literal(loaded_at)} as _loaded_at,
               {'(row_number() over ())::bigint' if numbered else 'null::bigint'} as _source_row
        from read_csv({sql_literal(duckdb_literal_path(path))}, delim = ',', quote = '"', escape = '"', header = true,
                      compression = {sql_literal(csv_compression(path))}, auto_detect = false,
                      columns = {sql_literal(columns)}, allow_quoted_nulls = false,
                      strict_mode = true, null_padding = false)
        """


def parse_cards(conn: duckdb.DuckDBPyConnection, relation: str, cards_table: str) -> None:
    """Create `cards_table`: each distinct card_data of `relation` (a table, a view, or a
    parenthesised SELECT) with its CARD_COLUMNS by parse_card, a batch of cards at a time; a NULL
    card_data is a row too (no card: `none`), so join on `card_data is not distinct from`."""
    conn.execute(f"create or replace temp table distinct_cards as select row_number() over () as n, card_data "
                 f"from (select distinct card_data from {relation})")  # fmt: skip
    conn.execute(f"create or replace temp table {cards_table} (card_data varchar, {', '.join(f'{c} varchar' for c in CARD_COLUMNS)})")
    (count,) = conn.execute("select count(*) from distinct_cards").fetchone()
    for start in range(0, count, DEFAULT_BATCH_ROWS):  # one batch in memory at a time
        batch = conn.execute(
            "select card_data from distinct_cards where n > ? and n <= ? order by n", [start, start + DEFAULT_BATCH_ROWS]
        ).fetchall()
        rows = [(card, *parse_card(card).columns()) for (card,) in batch]
        cards = pa.Table.from_arrays(  # noqa: F841 (read by DuckDB)
            [pa.array(values, type=pa.string()) for values in zip(*rows, strict=True)], names=["card_data", *CARD_COLUMNS]
        )
        conn.execute(f"insert into {cards_table} select * from cards")
    conn.execute("drop table distinct_cards")


def _parse_cards_in_place(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Fill CARD_COLUMNS of `table` from its card_data, each distinct card parsed once."""
    parse_cards(conn, table, "parsed_cards")
    assignments = ", ".join(f"{c} = parsed_cards.{c}" for c in CARD_COLUMNS)
    conn.execute(f"update {table} set {assignments} from parsed_cards "
                 f"where {table}.card_data is not distinct from parsed_cards.card_data")  # fmt: skip
    conn.execute("drop table parsed_cards")


def _schema_version(conn: duckdb.DuckDBPyConnection, commits_table: str) -> str | None:
    """v1.1 when any commit has its author's zone, v1.0 when none does (None when no commits)."""
    known, rows = conn.execute(f"select count(author_tz), count(*) from {commits_table}").fetchone()
    return None if not rows else ("v1.1" if known else "v1.0")


def _card_formats(conn: duckdb.DuckDBPyConnection, repository_table: str) -> dict[str, int]:
    return dict(conn.execute(f"select card_format, count(*) from {repository_table} group by 1 order by 1").fetchall())


def held_checksums(conn: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
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
