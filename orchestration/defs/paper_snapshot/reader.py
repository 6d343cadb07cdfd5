"""Reader for the paper's three snapshot files, loaded into schema `raw` of DuckDB.

Raw tables keep every value as text, exactly as the file has it (the quirks of METHOD.md are
data; staging casts and cleans them), under snake_case column names, plus lineage columns:
`_source_file`, `_source_checksum` (sha256), `_loaded_at`, and `_source_row` (1-based data row,
header excluded), so every error and every failing check can name the file, row and column.
A CSV file is read by position under its header's names, so its structure is checked across the
whole file before it is read (`check_csv_structure` of orchestration/loading.py, the mechanics
shared with the weekly v2 and HFCommunity readers): every column named once, and no header line
among its rows.

The v1 leaderboard has three layouts (`LEADERBOARD_LAYOUTS`, chosen by WAREHOUSE_V1_SOURCE): the
paper's `;`-separated scrape, the final v1 table (`v1_2024-07-07.csv`), and the v1 dataset's own
parquet (`open-llm-leaderboard-old/contents`, typed, with the Space's column names). All map onto
the same raw columns, so `raw.leaderboard` has one shape and staging one contract; a column one
layout lacks (the scrape has no evaluation date) is loaded as NULL. A parquet file's values are
cast to text as the CSV files spell them (TRUE/FALSE, whole numbers without `.0`, empty text and
NaN as NULL), and each layout declares the polarity of its merged / flagged / MoE flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.loading import (
    LINEAGE_COLUMNS,
    SourceFileError,
    check_csv_structure,
    check_header_names,
    csv_compression,
    duckdb_csv_error,
    duckdb_literal_path,
    file_checksum,
    parquet_text_expression,
    quote_identifier,
    read_csv_header,
    read_parquet_header,
    sql_literal,
    swap_in_loaded_table,
)


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


def read_header(spec: SnapshotFile, path: Path) -> list[str]:
    if spec.format == "parquet":
        return [name for name, _ in read_parquet_header(path, expected=f"the {spec.name} parquet file")]
    return read_csv_header(path, spec.delimiter, expected=f"the {spec.name} file")


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
    return raw_column_names(spec, header)


def raw_column_names(spec: SnapshotFile, header: Sequence[str]) -> list[str]:
    """The raw column each header column is read as, in file order (`extra_<name>` where the
    layout does not know it)."""
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

    select = snapshot_select_sql(spec, path, names, source_file=source_label or str(path), checksum=checksum,
                                 loaded_at=loaded_at or datetime.now(UTC))  # fmt: skip
    staging_table = f"raw.{quote_identifier('_loading_' + spec.name)}"
    conn.execute("begin transaction")
    try:
        conn.execute(f"create or replace table {staging_table} as {select}")
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


def snapshot_select_sql(
    spec: SnapshotFile, path: Path, names: Sequence[str], *, source_file: str, checksum: str, loaded_at: datetime
) -> str:
    """The SELECT that reads one file as raw.<name>'s rows: the layout's raw columns as text,
    then the lineage columns. Literal SQL, no parameters: the benchmark's floor reads the file
    through this same SELECT as a view (benchmarks/floor_duckdb.py). `names`: the file's header
    as raw columns (`raw_column_names`; a CSV file is read by position under them)."""
    if spec.format == "parquet":
        select_list, source, row_number = _parquet_source(spec, path)
    else:
        select_list = ", ".join(_csv_column(spec, c) for c in spec.raw_columns)
        source = (f"read_csv({sql_literal(duckdb_literal_path(path))}, delim = {sql_literal(spec.delimiter)}, quote = '\"', "
                  f"escape = '\"', header = true, compression = {sql_literal(csv_compression(path))}, auto_detect = false, "
                  f"columns = {sql_literal({n: 'VARCHAR' for n in names})}, strict_mode = true, null_padding = false)")  # fmt: skip
        row_number = "row_number() over ()"
    return f"""
        select {select_list},
               {sql_literal(source_file)}::varchar as _source_file,
               {sql_literal(checksum)}::varchar as _source_checksum,
               {sql_literal(loaded_at)} as _loaded_at,
               ({row_number})::bigint as _source_row
        from {source}
        """


def _flag_expression(spec: SnapshotFile, column: str, expression: str) -> str:
    """A flag column of a layout with true polarity, swapped into raw.leaderboard's inverted
    convention (TRUE/FALSE and True/False; any other text unchanged, for the gate to judge)."""
    if column not in spec.flag_columns or spec.flag_polarity != "true":
        return expression
    return (f"(case {expression} when 'TRUE' then 'FALSE' when 'FALSE' then 'TRUE' "
            f"when 'True' then 'False' when 'False' then 'True' else {expression} end)")


def _csv_column(spec: SnapshotFile, column: str) -> str:
    if column in spec.absent:
        return f"null::varchar as {quote_identifier(column)}"
    return f"{_flag_expression(spec, column, quote_identifier(column))} as {quote_identifier(column)}"


def _parquet_source(spec: SnapshotFile, path: Path) -> tuple[str, str, str]:
    """The select list, FROM clause and row number that read a parquet layout: each
    raw column from its source column by name, as text; `_source_row` is the row's position in
    the file (1-based), whatever order DuckDB's threads read it in."""
    types = dict(read_parquet_header(path, expected=f"the {spec.name} parquet file"))
    source_of = {raw: source for source, raw in spec.columns.items()}
    select = []
    for column in spec.raw_columns:
        if column in spec.absent:
            select.append(f"null::varchar as {quote_identifier(column)}")
            continue
        expression = parquet_text_expression(path, source_of[column], types[source_of[column]])
        if column in spec.href_columns:
            expression = f"nullif(regexp_extract({expression}, 'href=\"([^\"]*)\"', 1), '')"
        select.append(f"{_flag_expression(spec, column, expression)} as {quote_identifier(column)}")
    source = f"read_parquet({sql_literal(duckdb_literal_path(path))}, file_row_number = true)"
    return ", ".join(select), source, "file_row_number + 1"


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
