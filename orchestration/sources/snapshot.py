"""Reader for the paper's three snapshot files, loaded into schema `raw` of DuckDB.

Raw tables keep every value as text, exactly as the file has it (the quirks of METHOD.md are
data; staging casts and cleans them), under snake_case column names, plus lineage columns:
`_source_file`, `_source_checksum` (sha256), `_loaded_at`, and `_source_row` (1-based data row,
header excluded), so every error and every failing check can name the file, row and column.
A CSV file is read by position under its header's names, so its structure is checked across the
whole file before it is read (`check_csv_structure`, shared with the weekly v2 and HFCommunity CSV
readers): every column named once, and no header line among its rows.

The v1 leaderboard has three layouts (`LEADERBOARD_LAYOUTS`, chosen by WAREHOUSE_V1_SOURCE): the
paper's `;`-separated scrape, the final v1 table (`v1_2024-07-07.csv`), and the v1 dataset's own
parquet (`open-llm-leaderboard-old/contents`, typed, with the Space's column names). All map onto
the same raw columns, so `raw.leaderboard` has one shape and staging one contract; a column one
layout lacks (the scrape has no evaluation date) is loaded as NULL. A parquet file's values are
cast to text as the CSV files spell them (TRUE/FALSE, whole numbers without `.0`, empty text and
NaN as NULL), and each layout declares the polarity of its merged / flagged / MoE flags.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

LINEAGE_COLUMNS = ("_source_file", "_source_checksum", "_loaded_at", "_source_row")


@dataclass(frozen=True)
class SnapshotFile:
    """One source file: its name on disk, delimiter, and header → raw column names."""

    name: str
    file_name: str
    delimiter: str
    columns: dict[str, str]  # header as in the file → column in raw.<name>
    absent: tuple[str, ...] = ()
    """Raw columns this layout does not have: loaded as NULL, so that every layout of a source
    gives raw.<name> the same columns (they come last, in this order)."""
    layout: str | None = None
    """The layout's name where a source has several (`paper_scrape`, `final_table`,
    `dataset_parquet`); its GX suite is chosen by it (orchestration/checks/raw_checks.py)."""
    description: str = ""
    format: str = "csv"
    """`csv` (read with `delimiter`) or `parquet` (typed columns, cast to text; no delimiter)."""
    flag_columns: tuple[str, ...] = ()
    """Raw columns holding the leaderboard's merged / flagged / MoE flags."""
    flag_polarity: str | None = None
    """How the file spells `flag_columns`: `inverted` (TRUE/True means NOT merged / flagged /
    MoE: raw.leaderboard's convention, which staging un-inverts) or `true` (TRUE means what it
    says: swapped on load, so raw.leaderboard keeps one convention)."""
    href_columns: tuple[str, ...] = ()
    """Raw columns read from an HTML anchor (`<a href="…">…</a>`): the first href is loaded."""

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def raw_columns(self) -> list[str]:
        return [*self.columns.values(), *self.absent]


LEADERBOARD = SnapshotFile(
    name="leaderboard",
    file_name="leaderboard.csv",
    delimiter=";",
    columns={
        "Type": "type",
        "ModelHub": "model_hub_url",
        "Average ⬆️": "average",
        "ARC": "arc",
        "HellaSwag": "hellaswag",
        "MMLU": "mmlu",
        "TruthfulQA": "truthfulqa",
        "Winogrande": "winogrande",
        "GSM8K": "gsm8k",
        "TypeString": "type_string",
        "Architecture": "architecture",
        "Weight type": "weight_type",
        "Precision": "precision",
        "Merged": "merged",
        "Hub License": "hub_license",
        "#Params (B)": "params_b",
        "Hub ❤️": "hub_likes",
        "Available on the hub": "available_on_hub",
        "Model sha": "model_sha",
        "Flagged": "flagged",
        "MoE": "moe",
        "model_name_for_query": "model_name_for_query",
    },
    absent=("evaluated_at",),
    layout="paper_scrape",
    description="the paper's scrape of the v1 leaderboard page (2024-05-20), `;`-separated, emoji headers",
    flag_columns=("merged", "flagged", "moe"),
    flag_polarity="inverted",
)

# The final v1 table (open-llm-leaderboard/v1_2024-07-07.csv): the same leaderboard columns
# under snake_case names, comma-separated, booleans spelled TRUE/FALSE (inverted like the
# scrape's: FALSE means flagged / merged / MoE), whole numbers without `.0`, plus the evaluation
# `date`. Listed in the order of the scrape's raw columns, so both give raw.leaderboard the same
# columns in the same order. `fullname` is the repo id (the scrape's model_name_for_query);
# `model`, its display name, repeats it and is not loaded.
LEADERBOARD_V1_FINAL = SnapshotFile(
    name="leaderboard",
    file_name="leaderboard_v1_final.csv",
    delimiter=",",
    columns={
        "t": "type",
        "url": "model_hub_url",
        "average": "average",
        "arc": "arc",
        "hellaswag": "hellaswag",
        "mmlu": "mmlu",
        "truthfulqa": "truthfulqa",
        "winogrande": "winogrande",
        "gsm8k": "gsm8k",
        "type": "type_string",
        "architecture": "architecture",
        "weight_type": "weight_type",
        "precision": "precision",
        "merged": "merged",
        "hub_license": "hub_license",
        "params_b": "params_b",
        "hub_hearts": "hub_likes",
        "available_on_the_hub": "available_on_hub",
        "model_sha": "model_sha",
        "flagged": "flagged",
        "moe": "moe",
        "fullname": "model_name_for_query",
        "date": "evaluated_at",
    },
    layout="final_table",
    description="the final v1 table (v1_2024-07-07.csv layout), comma-separated, with the evaluation date",
    flag_columns=("merged", "flagged", "moe"),
    flag_polarity="inverted",
)

# The v1 dataset's own parquet (`open-llm-leaderboard-old/contents`; 26 columns in the final card
# at 50df56437c1b8c70674c7ee14b2140dcae87255d, docs/sources.md): the Space's column names, typed.
# `fullname` is the repo id; `T` the type's emoji, `Type` its text; `date` the request's
# submission time (the final table's `date`); `Model` is the page's HTML anchor, whose first href
# is the model's Hub URL (the final table's `url` is that same href). `Merged`, `MoE` and
# `Flagged` are stored inverted (True = not merged / not MoE / not flagged: SPACE read_evals.py
# since bcd77ebd05dbbe664fedd20b60866fe1ec2ad59e), as in both scrapes. `eval_name` (the result
# key), `Chat Template` and `Maintainers Choice` are not loaded (reported as extra columns).
LEADERBOARD_V1_DATASET = SnapshotFile(
    name="leaderboard",
    file_name="leaderboard_v1.parquet",
    delimiter="",
    format="parquet",
    columns={
        "T": "type",
        "Model": "model_hub_url",
        "Average \u2b06\ufe0f": "average",
        "ARC": "arc",
        "HellaSwag": "hellaswag",
        "MMLU": "mmlu",
        "TruthfulQA": "truthfulqa",
        "Winogrande": "winogrande",
        "GSM8K": "gsm8k",
        "Type": "type_string",
        "Architecture": "architecture",
        "Weight type": "weight_type",
        "Precision": "precision",
        "Merged": "merged",
        "Hub License": "hub_license",
        "#Params (B)": "params_b",
        "Hub \u2764\ufe0f": "hub_likes",
        "Available on the hub": "available_on_hub",
        "Model sha": "model_sha",
        "Flagged": "flagged",
        "MoE": "moe",
        "fullname": "model_name_for_query",
        "date": "evaluated_at",
    },
    layout="dataset_parquet",
    description="the v1 dataset's parquet (open-llm-leaderboard-old/contents), typed, with the evaluation date",
    flag_columns=("merged", "flagged", "moe"),
    flag_polarity="inverted",
    href_columns=("model_hub_url",),
)

# WAREHOUSE_V1_SOURCE → the layout raw/leaderboard reads.
LEADERBOARD_LAYOUTS: dict[str, SnapshotFile] = {
    spec.layout: spec for spec in (LEADERBOARD, LEADERBOARD_V1_FINAL, LEADERBOARD_V1_DATASET) if spec.layout
}
# The final v1 table loaded beside raw.leaderboard (raw.leaderboard_v1_final), so that the
# paper's scrape and the final table can be compared era by era (marts.era_verdicts): the same
# layouts as raw.leaderboard's final table and dataset parquet, under another table name.
V1_FINAL_BESIDE = "leaderboard_v1_final"
V1_FINAL_LAYOUTS: dict[str, SnapshotFile] = {
    layout: replace(LEADERBOARD_LAYOUTS[layout], name=V1_FINAL_BESIDE) for layout in ("final_table", "dataset_parquet")
}
FLAG_POLARITIES = ("inverted", "true")
for _spec in LEADERBOARD_LAYOUTS.values():  # every v1 layout says how it spells its flags
    assert _spec.flag_polarity in FLAG_POLARITIES and _spec.flag_columns, _spec.layout

REPO_DETAILS = SnapshotFile(
    name="repo_details",
    file_name="repo_details.csv",
    delimiter=",",
    columns={
        "": "source_index",
        "name": "name",
        "author": "author",
        "created_at": "created_at",
        "last_modified": "last_modified",
        "downloads": "downloads",
        "library_name": "library_name",
        "tags": "tags",
        "language": "language",
        "datasets": "datasets",
        "base_model": "base_model",
    },
)

COMMIT_DATA = SnapshotFile(
    name="commit_data",
    file_name="commit_data.csv",
    delimiter=",",
    columns={
        "": "source_index",
        "name": "name",
        "num_of_authors": "num_of_authors",
        "num_of_commits": "num_of_commits",
        "first_commit": "first_commit",
        "last_commit": "last_commit",
        "authors": "authors",
    },
)

SNAPSHOT_FILES: dict[str, SnapshotFile] = {f.name: f for f in (LEADERBOARD, REPO_DETAILS, COMMIT_DATA)}


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


@dataclass(frozen=True)
class LoadResult:
    table: str
    path: Path
    checksum: str
    rows: int
    reloaded: bool
    """False when the table already held this exact file (same checksum): nothing was written."""
    extra_columns: tuple[str, ...]
    accepted: bool = True
    """False when the audit rejected the file: raw.<name> was left as it was."""


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_header(spec: SnapshotFile, path: Path) -> list[str]:
    if spec.format == "parquet":
        return [name for name, _ in read_parquet_header(path, expected=f"the {spec.name} parquet file")]
    return read_csv_header(path, spec.delimiter, expected=f"the {spec.name} file")


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
    name = _quote_identifier(column)
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


def check_structure(spec: SnapshotFile, path: Path) -> list[str]:
    """Return the raw column names in file order, once the file's structure is checked: every
    column named once (a CSV file: and no header line among its rows, `check_csv_structure`),
    every column of the layout present (the error names every missing one)."""
    header = read_header(spec, path)
    unnamed_column = "" in spec.columns
    if spec.format == "csv":
        check_csv_structure(path, header, spec.delimiter, unnamed_column=unnamed_column)
    else:
        check_header_names(path, header, unnamed_column=unnamed_column)
    missing = [name for name in spec.columns if name not in header]
    if missing:
        found = ", ".join(repr(h) for h in header)
        raise SourceFileError(
            path,
            f"missing column(s) {', '.join(repr(m) for m in missing)}; the header has {found}"
            + (f" (is the delimiter {spec.delimiter!r}?)" if len(header) == 1 and spec.format == "csv" else ""),
            row=0,
            column=missing[0],
        )
    return [spec.columns.get(h) or _extra_column_name(h, i) for i, h in enumerate(header)]


def matching_layouts(path: Path, candidates: Iterable[SnapshotFile]) -> list[SnapshotFile]:
    """The candidate layouts whose every column the file's header has (none if unreadable)."""
    found = []
    for spec in candidates:
        try:
            header = read_header(spec, path)
        except SourceFileError:
            continue
        if all(name in header for name in spec.columns):
            found.append(spec)
    return found


def _extra_column_name(header: str, index: int) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in header.lower()).strip("_")
    return f"extra_{cleaned or index}"


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def load_snapshot_file(
    conn: duckdb.DuckDBPyConnection,
    spec: SnapshotFile,
    path: Path,
    *,
    loaded_at: datetime | None = None,
    audit: Callable[[duckdb.DuckDBPyConnection, str], bool] | None = None,
    before_swap: Callable[[], None] | None = None,
    source_label: str | None = None,
    checksum: str | None = None,
    reload: bool = False,
) -> LoadResult:
    """Load one file into raw.<name>, replacing the table atomically — and only if it passes.

    `_source_file` is the file's path, or `source_label` where the file was landed from
    elsewhere (the Hugging Face connector: the dataset or API it came from).

    The file is read into a loading table first; `audit(conn, loading_table)` decides (inside
    the transaction) whether it replaces raw.<name>. Rejected data is rolled back, so the
    working database only ever holds raw data that passed its gate. `before_swap()` runs just
    before the swap (the caller marks the working database as being rebuilt).

    Idempotent: when raw.<name> already holds this exact file (same checksum), nothing is
    written, so loading the same files twice leaves identical tables, load time included; the
    table held is audited again (the suite may have changed). `reload` loads it all the same
    (a full refresh); `checksum`, the file's sha256 if the caller has it already.
    """
    names = check_structure(spec, path)
    checksum = checksum or file_checksum(path)
    extras = tuple(n for n in names if n not in spec.raw_columns)
    conn.execute("create schema if not exists raw")
    if not reload and held_checksum(conn, spec) == checksum:
        accepted = audit(conn, spec.table) if audit else True
        (rows,) = conn.execute(f"select count(*) from {spec.table}").fetchone()
        return LoadResult(spec.table, path, checksum, rows, False, extras, accepted)

    loaded_at = loaded_at or datetime.now(UTC)
    if spec.format == "parquet":
        select_list, source, row_number, parameters = _parquet_source(spec, path)
    else:
        select_list = ", ".join(_csv_column(spec, c) for c in spec.raw_columns)
        source = """read_csv($path, delim = $delim, quote = '"', escape = '"', header = true, compression = $compression,
                          auto_detect = false, columns = $columns,
                          strict_mode = true, null_padding = false)"""
        row_number = "row_number() over ()"
        parameters = {"path": duckdb_literal_path(path), "compression": csv_compression(path), "delim": spec.delimiter, "columns": {n: "VARCHAR" for n in names}}
    staging_table = f"raw.{_quote_identifier('_loading_' + spec.name)}"
    conn.execute("begin transaction")
    try:
        conn.execute(
            f"""
            create or replace table {staging_table} as
            select {select_list},
                   $label::varchar as _source_file,
                   $checksum::varchar as _source_checksum,
                   $loaded_at::timestamptz as _loaded_at,
                   ({row_number})::bigint as _source_row
            from {source}
            """,
            {"label": source_label or str(path), "checksum": checksum, "loaded_at": loaded_at, **parameters},
        )
    except duckdb.Error as exc:
        conn.execute("rollback")
        if spec.format == "parquet":
            raise SourceFileError(path, f"cannot be read as parquet: {str(exc).splitlines()[0][:500]}") from None
        # Not chained: DuckDB's message quotes the whole line (10 MB for a 10 MB field).
        raise duckdb_csv_error(path, exc, header=names, delimiter=spec.delimiter) from None
    try:
        if audit is not None and not audit(conn, staging_table):
            (rows,) = conn.execute(f"select count(*) from {staging_table}").fetchone()
            conn.execute("rollback")
            return LoadResult(spec.table, path, checksum, rows, False, extras, accepted=False)
        if before_swap is not None:
            before_swap()
        swap_in_loaded_table(conn, staging_table, spec.table)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    (rows,) = conn.execute(f"select count(*) from {spec.table}").fetchone()
    return LoadResult(spec.table, path, checksum, rows, True, extras)


def _flag_expression(spec: SnapshotFile, column: str, expression: str) -> str:
    """A flag column of a layout with true polarity, swapped into raw.leaderboard's inverted
    convention (TRUE/FALSE and True/False; any other text unchanged, for the gate to judge)."""
    if column not in spec.flag_columns or spec.flag_polarity != "true":
        return expression
    return (f"(case {expression} when 'TRUE' then 'FALSE' when 'FALSE' then 'TRUE' "
            f"when 'True' then 'False' when 'False' then 'True' else {expression} end)")


def _csv_column(spec: SnapshotFile, column: str) -> str:
    if column in spec.absent:
        return f"null::varchar as {_quote_identifier(column)}"
    return f"{_flag_expression(spec, column, _quote_identifier(column))} as {_quote_identifier(column)}"


def _parquet_source(spec: SnapshotFile, path: Path) -> tuple[str, str, str, dict]:
    """The select list, FROM clause, row number and parameters that read a parquet layout: each
    raw column from its source column by name, as text; `_source_row` is the row's position in
    the file (1-based), whatever order DuckDB's threads read it in."""
    types = dict(read_parquet_header(path, expected=f"the {spec.name} parquet file"))
    source_of = {raw: source for source, raw in spec.columns.items()}
    select = []
    for column in spec.raw_columns:
        if column in spec.absent:
            select.append(f"null::varchar as {_quote_identifier(column)}")
            continue
        expression = parquet_text_expression(path, source_of[column], types[source_of[column]])
        if column in spec.href_columns:
            expression = f"nullif(regexp_extract({expression}, 'href=\"([^\"]*)\"', 1), '')"
        select.append(f"{_flag_expression(spec, column, expression)} as {_quote_identifier(column)}")
    source = "read_parquet($path, file_row_number = true)"
    return ", ".join(select), source, "file_row_number + 1", {"path": duckdb_literal_path(path)}


def held_checksum(conn: duckdb.DuckDBPyConnection, spec: SnapshotFile) -> str | None:
    """The checksum of the one file raw.<name> holds; None when it holds none, several, or has
    other columns than this layout loads (a table written by an older reader is reloaded)."""
    columns = [
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [spec.name],
        ).fetchall()
    ]
    if columns != [*spec.raw_columns, *LINEAGE_COLUMNS]:
        return None
    row = conn.execute(f"select min(_source_checksum), max(_source_checksum) from {spec.table}").fetchone()
    return row[0] if row and row[0] == row[1] else None


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
