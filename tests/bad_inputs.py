"""The bad-input corpus: every case is made by code from good generated input, and carries the
exact outcome it must have. docs/reliability.md is rendered from these definitions
(`render_reliability_doc`), and the tests that run every case assert those outcomes, so the
table cannot claim what the code does not do.

Where each case runs:
- every case, at the level that decides it (tests/unit/test_bad_input_corpus.py): the real
  loader and Great Expectations suite on a real DuckDB file that already holds good data, or the
  Hugging Face connector against the fake Hub;
- one case per file source and outcome (blocked by a load error, blocked by a check,
  quarantined), marked `through_job`, also through a real job on a copy of a published
  warehouse (tests/integration/test_gates.py: `build_warehouse` for the paper snapshot and the
  HFCommunity dump, `leaderboard_v2_weekly` for a weekly file): the failed check or load named,
  nothing downstream run, the published warehouse byte for byte unchanged (or, for a
  quarantine, published without the quarantined row, which is in `audit.quarantine`). The other
  cases of an outcome take the same path through the job as the marked one; what differs
  between them is the loader's and the suite's verdict, which the unit level asserts exactly.
  The Hub connector's blocking share runs through the `huggingface` source in
  tests/integration/test_huggingface_source.py.

Outcomes (the policy of each case is documented in docs/reliability.md):
- `load error`: the file cannot be read as the layout it must have; the raw asset fails with
  the file, row (0 = the header) and column, and nothing is loaded;
- `check failed`: the blocking check named fails (with the suite's expectation family), the
  load is rolled back;
- `quarantined`: the offending rows go to audit.quarantine with the reason, the rest loads;
- `recorded`: the Hub connector records the model's failure (raw.hub_fetch_failures) and goes on;
- `accepted`: data, not an error (METHOD.md's quirks, hostile or unicode text kept byte for byte);
- `ignored`: not an input at all (a stray file beside the weekly snapshots): skipped with a
  warning naming it, while everything else loads.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

LOAD_ERROR = "load error"
CHECK_FAILED = "check failed"
QUARANTINED = "quarantined"
RECORDED = "recorded"
ACCEPTED = "accepted"
IGNORED = "ignored"

SNAPSHOT_SOURCES = ("leaderboard", "repo_details", "commit_data")
SOURCES = (*SNAPSHOT_SOURCES, "leaderboard_v2", "hfcommunity", "hub")
SOURCE_LABELS = {
    "leaderboard": "paper snapshot: leaderboard.csv",
    "repo_details": "paper snapshot: repo_details.csv",
    "commit_data": "paper snapshot: commit_data.csv",
    "leaderboard_v2": "weekly v2 file",
    "hfcommunity": "HFCommunity dump",
    "hub": "Hub connector response",
}
# The generated inputs every case starts from (tests/unit/test_bad_input_corpus.py).
SNAPSHOT_SEED, SNAPSHOT_SCALE = 7, 0.2
WEEKLY_SCALE, HFC_SCALE = 0.05, 0.05
V2_FILE = "huggingface_v2_2024-07-13.csv.gz"
V2_WEEK = "2024-07-07"
HFC_SQL = "hfcommunity_dump.zip"
LAST_ROW = -1
"""An expected row meaning "the file's last data row" (its number depends on the generated size)."""

Rows = list[list[str]]


@dataclass(frozen=True)
class Outcome:
    kind: str
    check: str | None = None
    """The check that fails (`<check>/<expectation family>` for a suite), or the quarantine rule's family."""
    row: int | None = None
    """The 1-based data row named (0: the header; LAST_ROW: the last data row; None: not a row)."""
    column: str | None = None
    value: str | None = None
    """Quarantined: the offending value, as the file holds it (and audit.quarantine keeps it)."""

    def describe(self) -> str:
        parts = [self.kind]
        if self.check:
            parts.append(f"`{self.check}`")
        where = []
        if self.row is not None:
            where.append("header" if self.row == 0 else "last row" if self.row == LAST_ROW else f"row {self.row}")
        if self.column:
            where.append(f"column `{self.column}`")
        return " ".join(parts) + (f" ({', '.join(where)})" if where else "")


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    wrong: str
    """What is wrong with the input, in words."""
    expected: Outcome
    message: str
    """A fragment the error or check description must contain."""
    mutate: Callable[[Path, str], None] | None = None
    """Edits the good input in place: (path, delimiter) of the source's file (for HFCommunity,
    of `target` inside the dump's directory)."""
    target: str | None = None
    """HFCommunity: `hfcommunity_dump.zip` (the published form) or `csv/<table>.csv` (the
    project's export; the form loaded follows it)."""
    hub_fault: Callable[[object, list[str]], None] | None = None
    """Hub cases: (fake hub, the leaderboard's model ids) → the faults the Hub answers with."""
    through_job: bool = False
    """Also run through the real job (tests/integration/test_gates.py): one case per file
    source and outcome (test_the_job_level_cases_cover_each_source_and_outcome_once)."""
    kept: dict[str, str] = field(default_factory=dict)
    """Accepted cases: column → value a row must hold in the raw table, byte for byte."""

    def outcome_for(self, good_file: Path) -> Outcome:
        """The expected outcome, LAST_ROW resolved to the last data row of the good file the case
        mutates."""
        if self.expected.row != LAST_ROW:
            return self.expected
        from tests.hub_server import read_csv

        return replace(self.expected, row=len(read_csv(good_file)))

    @property
    def job(self) -> str:
        """The real job the case is also run through, for docs/reliability.md ('' = none)."""
        if self.source == "hub" and self.expected.kind == CHECK_FAILED:
            return "build_warehouse (huggingface source)"  # tests/integration/test_huggingface_source.py
        if not self.through_job:
            return ""
        return "leaderboard_v2_weekly" if self.source == "leaderboard_v2" else "build_warehouse"

    @property
    def policy(self) -> str:
        return {
            LOAD_ERROR: "blocking", CHECK_FAILED: "blocking", QUARANTINED: "quarantine (row-level)",
            RECORDED: "recorded, bounded by a blocking share", ACCEPTED: "data",
            IGNORED: "not an input (warned about)",
        }[self.expected.kind]


# --- reading and writing CSV files, plain or gzip ---------------------------------------------


def _open_text(path: Path, mode: str):
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", newline="")
    return path.open(mode, encoding="utf-8", newline="")


def rewrite_csv(path: Path, delimiter: str, edit: Callable[[Rows], Rows]) -> None:
    """Rewrite a CSV (gzip-compressed when its name ends in .gz) through `edit(rows)` (rows as
    lists of strings, header first)."""
    with _open_text(path, "r") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    rows = edit(rows)
    with _open_text(path, "w") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)


def _write_bytes(path: Path, data: bytes) -> None:
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)


def _read_bytes(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


# --- edits (each returns a mutate function) -----------------------------------------------------


def edit_rows(edit: Callable[[Rows], Rows]) -> Callable[[Path, str], None]:
    return lambda path, delimiter: rewrite_csv(path, delimiter, edit)


def set_cell(column: str, row: int, value: str) -> Callable[[Path, str], None]:
    def edit(rows: Rows) -> Rows:
        rows[row][rows[0].index(column)] = value
        return rows
    return edit_rows(edit)


def set_column(column: str, value: str) -> Callable[[Path, str], None]:
    def edit(rows: Rows) -> Rows:
        index = rows[0].index(column)
        for row in rows[1:]:
            row[index] = value
        return rows
    return edit_rows(edit)


def drop_column(column: str) -> Callable[[Path, str], None]:
    def edit(rows: Rows) -> Rows:
        index = rows[0].index(column)
        return [r[:index] + r[index + 1:] for r in rows]
    return edit_rows(edit)


def rename_column(column: str, new_name: str) -> Callable[[Path, str], None]:
    def edit(rows: Rows) -> Rows:
        rows[0][rows[0].index(column)] = new_name
        return rows
    return edit_rows(edit)


def add_column(name: str, value: str) -> Callable[[Path, str], None]:
    return edit_rows(lambda rows: [rows[0] + [name]] + [r + [value] for r in rows[1:]])


def duplicate_row(row: int, **changes: str) -> Callable[[Path, str], None]:
    """Append a copy of `row` with some columns changed (the same id, conflicting values)."""
    def edit(rows: Rows) -> Rows:
        copy = list(rows[row])
        for column, value in changes.items():
            copy[rows[0].index(column)] = value
        return rows + [copy]
    return edit_rows(edit)


def header_again_at(row: int) -> Callable[[Path, str], None]:
    """The header line again as data row `row`: two exports of one layout concatenated."""
    return edit_rows(lambda rows: rows[:row] + [rows[0]] + rows[row:])


def second_export_at(row: int, swapped: tuple[str, str]) -> Callable[[Path, str], None]:
    """From data row `row` on, a second export whose `swapped` columns trade places, its own
    header line first: read in the first header's order, each takes the other's values."""
    def edit(rows: Rows) -> Rows:
        first, second = (rows[0].index(column) for column in swapped)

        def reordered(fields: list[str]) -> list[str]:
            fields = list(fields)
            fields[first], fields[second] = fields[second], fields[first]
            return fields
        return rows[:row] + [reordered(fields) for fields in [rows[0], *rows[row:]]]
    return edit_rows(edit)


def older_export_at(row: int, renamed: dict[str, str]) -> Callable[[Path, str], None]:
    """From data row `row` on, a second export of an older layout, its own header line first:
    only the `renamed` columns (this header's name -> the older layout's), so its rows are
    narrower than the header."""
    def edit(rows: Rows) -> Rows:
        kept = [rows[0].index(column) for column in renamed]
        older = [[fields[i] for i in kept] for fields in rows[row:]]
        return rows[:row] + [list(renamed.values())] + older
    return edit_rows(edit)


def extra_field_in(row: int) -> Callable[[Path, str], None]:
    """One field more at the end of data row `row` than the header has columns."""
    def edit(rows: Rows) -> Rows:
        rows[row] = [*rows[row], "surplus"]
        return rows
    return edit_rows(edit)


def case_variant_of_row(column: str, row: int, of_row: int) -> Callable[[Path, str], None]:
    """Give `row` the id of `of_row` in another letter case: the same model for the Hub."""
    def edit(rows: Rows) -> Rows:
        index = rows[0].index(column)
        rows[row][index] = rows[of_row][index].upper()
        return rows
    return edit_rows(edit)


def header_only(path: Path, delimiter: str) -> None:
    rewrite_csv(path, delimiter, lambda rows: rows[:1])


def empty_file(path: Path, delimiter: str) -> None:
    _write_bytes(path, b"")


def truncate_last_line(keep_fields: int) -> Callable[[Path, str], None]:
    """The last line cut after its first fields, without a final newline (a killed writer)."""
    def mutate(path: Path, delimiter: str) -> None:
        buffer = io.StringIO()
        with _open_text(path, "r") as handle:
            rows = list(csv.reader(handle, delimiter=delimiter))
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows[:-1])
        buffer.write(delimiter.join(rows[-1][:keep_fields]))
        _write_bytes(path, buffer.getvalue().encode("utf-8"))
    return mutate


def other_delimiter(delimiter_to: str) -> Callable[[Path, str], None]:
    def mutate(path: Path, delimiter: str) -> None:
        with _open_text(path, "r") as handle:
            rows = list(csv.reader(handle, delimiter=delimiter))
        with _open_text(path, "w") as handle:
            csv.writer(handle, delimiter=delimiter_to, lineterminator="\n").writerows(rows)
    return mutate


def with_bom(path: Path, delimiter: str) -> None:
    _write_bytes(path, b"\xef\xbb\xbf" + _read_bytes(path))


def latin1_byte_in(column: str, row: int) -> Callable[[Path, str], None]:
    """A Latin-1 `é` (byte 0xE9, not UTF-8) in one cell of `row`."""
    marker = "\u0000MARK\u0000"

    def mutate(path: Path, delimiter: str) -> None:
        set_cell(column, row, f"Zo{marker}")(path, delimiter)
        _write_bytes(path, _read_bytes(path).replace(marker.encode("utf-8"), b"\xe9"))
    return mutate


def huge_field(column: str, row: int, megabytes: int = 10) -> Callable[[Path, str], None]:
    return set_cell(column, row, "['" + "a" * (megabytes * 1024 * 1024) + "']")


def corrupt_gzip(path: Path, delimiter: str) -> None:
    """A .gz file whose bytes are not a gzip stream past its magic number."""
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"not a gzip stream" * 64)


def truncated_gzip(path: Path, delimiter: str) -> None:
    """A gzip stream cut in half (an interrupted download)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def rename_zip_members(suffix: str) -> Callable[[Path, str], None]:
    """A .zip whose members are renamed to end in `suffix` (the dump archived under another name)."""

    def mutate(path: Path, delimiter: str) -> None:
        import zipfile

        with zipfile.ZipFile(path) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, data in members.items():
                archive.writestr(name.rsplit(".", 1)[0] + suffix, data)

    return mutate


def directory_instead(path: Path, delimiter: str) -> None:
    path.unlink()
    path.mkdir()
    (path / "part-0.csv").write_text("a,b\n1,2\n")


def unreadable(path: Path, delimiter: str) -> None:
    """A path that opens but cannot be read (EIO). chmod 000 does not stop root, who runs the
    CI containers; a link to /proc/self/mem fails every read at offset 0, for any user."""
    path.unlink()
    os.symlink("/proc/self/mem", path)


def missing(path: Path, delimiter: str) -> None:
    path.unlink()


STRAY_FILES = (".DS_Store", "huggingface_v2_2024-07-13.csv.gz.part", "notes.txt")


def strays_beside(path: Path, delimiter: str) -> None:
    """A Finder file, a partial download of this very snapshot and notes, in its directory."""
    for name in STRAY_FILES:
        (path.parent / name).write_bytes(b"not a snapshot")


HOSTILE = "o'brien\"; drop table raw.leaderboard; -- select * from marts.dim_models; ' or '1'='1"
UNICODE = "Zoë 李 🤗 Ñandú"


# --- Hub faults ----------------------------------------------------------------------------------


def hub_fail_first(fault_name: str) -> Callable[[object, list[str]], None]:
    def install(hub, models: list[str]) -> None:
        from tests.hub_server import MALFORMED_JSON, Fault, echoing

        fault = {"malformed_json": MALFORMED_JSON, "server_error": Fault(500, body="upstream exploded"),
                 "token_echo": echoing(503)}[fault_name]
        hub.always_fail(f"/api/models/{models[0]}", fault)
    return install


def hub_fail_all(hub, models: list[str]) -> None:
    from tests.hub_server import Fault

    for model in models:
        hub.always_fail(f"/api/models/{model}", Fault(503, body="maintenance"))


# --- the cases ------------------------------------------------------------------------------------

CASES: tuple[Case, ...] = (
    # The paper snapshot's three files.
    Case("empty-file", "leaderboard", "a 0-byte file", Outcome(LOAD_ERROR, row=0), "is empty: no header row", empty_file, through_job=True),
    Case("header-only", "commit_data", "the header and no row", Outcome(CHECK_FAILED, "commit_data_expectations/non_empty_table"),
         "expect_table_row_count_to_be_between", header_only, through_job=True),
    Case("truncated-last-line", "repo_details", "the last line cut after 3 fields, no final newline",
         Outcome(LOAD_ERROR, row=LAST_ROW, column="created_at"), "Expected Number of Columns: 11 Found: 3",
         truncate_last_line(3)),
    Case("wrong-delimiter", "leaderboard", "`,` instead of `;`", Outcome(LOAD_ERROR, row=0, column="Type"),
         "missing column(s)", other_delimiter(",")),
    Case("missing-column", "repo_details", "the `tags` column dropped", Outcome(LOAD_ERROR, row=0, column="tags"),
         "missing column(s) 'tags'", drop_column("tags"), through_job=True),
    Case("renamed-column", "commit_data", "`authors` renamed `author_list`", Outcome(LOAD_ERROR, row=0, column="authors"),
         "missing column(s) 'authors'", rename_column("authors", "author_list"), through_job=True),
    Case("extra-column", "repo_details", "an extra column `likes` (not loaded; named in the asset's `extra_columns`)",
         Outcome(ACCEPTED), "extra_likes", add_column("likes", "7")),
    Case("bom", "leaderboard", "a UTF-8 byte-order mark before the header", Outcome(ACCEPTED), "", with_bom),
    Case("non-utf8-bytes", "repo_details", "a Latin-1 byte in row 4's author", Outcome(LOAD_ERROR, row=4, column="author"),
         "not utf-8", latin1_byte_in("author", 4)),
    Case("10mb-field", "repo_details", "a 10 MB `tags` value in row 3", Outcome(LOAD_ERROR, row=3, column="tags"),
         "Maximum line size", huge_field("tags", 3)),
    Case("score-out-of-range", "leaderboard", "ARC 150.2 in row 7",
         Outcome(QUARANTINED, "score_range", row=7, column="arc", value="150.2"), "values outside 0–100",
         set_cell("ARC", 7, "150.2"), through_job=True),
    Case("negative-score", "leaderboard", "MMLU -3.5 in row 8", Outcome(QUARANTINED, "score_range", row=8, column="mmlu", value="-3.5"),
         "values outside 0–100", set_cell("MMLU", 8, "-3.5")),
    Case("nan-score", "leaderboard", "Average `NaN` in row 5",
         Outcome(CHECK_FAILED, "leaderboard_expectations/parseable_number", row=5, column="average"),
         "not a number", set_cell("Average ⬆️", 5, "NaN"), through_job=True),
    Case("text-score", "leaderboard", "GSM8K `n/a` in row 6",
         Outcome(CHECK_FAILED, "leaderboard_expectations/parseable_number", row=6, column="gsm8k"),
         "not a number", set_cell("GSM8K", 6, "n/a")),
    Case("quarantine-share-exceeded", "leaderboard", "every ARC score 150 (a rescaled column, not a bad row)",
         Outcome(CHECK_FAILED, "leaderboard_quarantine_share"), "above WAREHOUSE_MAX_QUARANTINE_SHARE",
         set_column("ARC", "150")),
    Case("duplicate-id-conflicting", "repo_details", "row 2's model again, with another created_at and downloads",
         Outcome(ACCEPTED), "", duplicate_row(2, created_at="2023-01-02 03:04:05+00:00", downloads="1"),
         kept={"created_at": "2023-01-02 03:04:05+00:00"}),
    Case("null-id", "leaderboard", "an empty model id in row 9",
         Outcome(CHECK_FAILED, "leaderboard_expectations/id", row=9, column="model_name_for_query"),
         "model_name_for_query", set_cell("model_name_for_query", 9, "")),
    Case("malformed-id", "commit_data", "`not a model id!` as row 4's name",
         Outcome(CHECK_FAILED, "commit_data_expectations/id", row=4, column="name"),
         "not a model id!", set_cell("name", 4, "not a model id!")),
    Case("case-only-duplicate", "leaderboard", "row 3's id is row 2's in upper case",
         Outcome(ACCEPTED), "", case_variant_of_row("model_name_for_query", 3, 2)),
    Case("malformed-list-literal", "commit_data", "`['alice', 'bob'` (unclosed) as row 2's authors",
         Outcome(CHECK_FAILED, "commit_data_expectations/list_literal", row=2, column="authors"),
         "['alice', 'bob'", set_cell("authors", 2, "['alice', 'bob'")),
    Case("future-date", "repo_details", "created_at 2099-01-01 in row 6",
         Outcome(QUARANTINED, "plausible_date", row=6, column="created_at", value="2099-01-01 00:00:00+00:00"), "dates before 2015-01-01 or in the future",
         set_cell("created_at", 6, "2099-01-01 00:00:00+00:00"), through_job=True),
    Case("date-before-2015", "repo_details", "created_at 1999-01-01 in row 6",
         Outcome(QUARANTINED, "plausible_date", row=6, column="created_at", value="1999-01-01 00:00:00+00:00"), "dates before 2015-01-01 or in the future",
         set_cell("created_at", 6, "1999-01-01 00:00:00+00:00")),
    Case("unknown-model-type", "leaderboard", "type `🦄` in row 3", Outcome(QUARANTINED, "known_type", row=3, column="type", value="🦄"),
         "", set_cell("Type", 3, "🦄")),
    Case("hostile-name", "repo_details", "quotes, a semicolon and SQL keywords in row 2's author (Hub names are `[A-Za-z0-9._-]`)",
         Outcome(CHECK_FAILED, "repo_details_expectations/id", row=2, column="author"), "malformed author names",
         set_cell("author", 2, HOSTILE), through_job=True),
    Case("hostile-license", "leaderboard", "quotes, a semicolon and SQL keywords in row 4's license",
         Outcome(ACCEPTED), "", set_cell("Hub License", 4, HOSTILE), kept={"hub_license": HOSTILE}),
    Case("hostile-header", "repo_details", "an extra column named `x\"; drop table raw.leaderboard; --`",
         Outcome(ACCEPTED), "extra_x___drop_table_raw_leaderboard", add_column('x"; drop table raw.leaderboard; --', "1")),
    Case("unicode-name", "repo_details", "accents, CJK and an emoji in row 3's author",
         Outcome(CHECK_FAILED, "repo_details_expectations/id", row=3, column="author"), "malformed author names",
         set_cell("author", 3, UNICODE)),
    Case("unicode-text", "leaderboard", "accents, CJK and an emoji in row 5's license",
         Outcome(ACCEPTED), "", set_cell("Hub License", 5, UNICODE), kept={"hub_license": UNICODE}),
    Case("repeated-header-mid-file", "leaderboard", "the header line again as row 10 (two exports concatenated)",
         Outcome(LOAD_ERROR, row=10, column="Type"), "line 11 repeats the header line", header_again_at(10)),
    Case("second-export-other-order", "leaderboard",
         "from row 10 on, a second export with `ARC` and `HellaSwag` trading places, its own header line first",
         Outcome(LOAD_ERROR, row=10, column="ARC"), "its column 4 is 'HellaSwag' where the header has 'ARC'",
         second_export_at(10, ("ARC", "HellaSwag"))),
    Case("duplicated-column-name", "leaderboard", "an extra column named `ARC` (the header names it twice)",
         Outcome(LOAD_ERROR, row=0, column="ARC"), "the header names column 'ARC' twice, at positions 4 and 23",
         add_column("ARC", "50.0")),
    Case("empty-column-name", "leaderboard", "an extra column with an empty name",
         Outcome(LOAD_ERROR, row=0), "column 23 (after 'model_name_for_query') of the header has no name",
         add_column("", "1")),
    Case("repeated-header-unnamed-index", "repo_details", "the header line (its first column unnamed) again as row 10",
         Outcome(LOAD_ERROR, row=10, column="name"), "line 11 repeats the header line", header_again_at(10)),
    Case("second-unnamed-column", "commit_data", "an extra column with an empty name, beside the unnamed index",
         Outcome(LOAD_ERROR, row=0), "column 8 (after 'authors') of the header has no name; a second unnamed column",
         add_column("", "1")),
    Case("wider-row-mid-file", "repo_details", "row 5 has one field more than the header",
         Outcome(LOAD_ERROR, row=5), "Expected Number of Columns: 11 Found: 12", extra_field_in(5)),
    Case("directory-for-file", "commit_data", "commit_data.csv is a directory", Outcome(LOAD_ERROR),
         "is a directory", directory_instead),
    Case("unreadable-file", "leaderboard", "reading the file fails (I/O error)", Outcome(LOAD_ERROR, row=0),
         "cannot be read", unreadable),
    Case("missing-file", "repo_details", "repo_details.csv is not there", Outcome(LOAD_ERROR), "does not exist", missing),
    # The weekly v2 files (gzip CSV, one per snapshot date).
    Case("v2-corrupt-gzip", "leaderboard_v2", "a .csv.gz that is not gzip", Outcome(LOAD_ERROR, row=0),
         "cannot be read", corrupt_gzip),
    Case("v2-renamed-column", "leaderboard_v2", "`average` renamed `avg`", Outcome(CHECK_FAILED, "leaderboard_v2_header_known"),
         "avg", rename_column("average", "avg"), through_job=True),
    Case("v2-missing-column", "leaderboard_v2", "the `bbh` column dropped", Outcome(CHECK_FAILED, "leaderboard_v2_header_known"),
         "bbh", drop_column("bbh")),
    Case("v2-truncated-last-line", "leaderboard_v2", "the last line cut after 5 fields",
         Outcome(LOAD_ERROR, row=LAST_ROW, column="bbh"), "Found: 5", truncate_last_line(5), through_job=True),
    Case("v2-empty-file", "leaderboard_v2", "an empty gzip stream", Outcome(LOAD_ERROR, row=0), "is empty", empty_file),
    Case("v2-non-utf8-bytes", "leaderboard_v2", "a Latin-1 byte in row 2's license",
         Outcome(LOAD_ERROR, row=2, column="hub_license"), "not utf-8", latin1_byte_in("hub_license", 2)),
    Case("v2-repeated-header-mid-file", "leaderboard_v2", "the header line again as row 6 (two exports concatenated)",
         Outcome(LOAD_ERROR, row=6, column="t"), "line 7 repeats the header line", header_again_at(6)),
    Case("v2-second-export-other-order", "leaderboard_v2",
         "from row 6 on, a second export with `ifeval` and `bbh` trading places, its own header line first",
         Outcome(LOAD_ERROR, row=6, column="ifeval"), "its column 4 is 'bbh' where the header has 'ifeval'",
         second_export_at(6, ("ifeval", "bbh"))),
    Case("v2-duplicated-column-name", "leaderboard_v2", "an extra column named `bbh` (the header names it twice)",
         Outcome(LOAD_ERROR, row=0, column="bbh"), "the header names column 'bbh' twice, at positions 6 and 34",
         add_column("bbh", "1")),
    Case("v2-empty-column-name", "leaderboard_v2", "an extra column with an empty name",
         Outcome(LOAD_ERROR, row=0), "column 34 (after 'url') of the header has no name", add_column("", "1")),
    Case("v2-stray-files", "leaderboard_v2",
         f"files not named like a snapshot in the landing directory ({', '.join(f'`{n}`' for n in STRAY_FILES)})",
         Outcome(IGNORED), "huggingface_v2_2024-07-13.csv.gz.part: ignored, not a snapshot file", strays_beside),
    # The HFCommunity dump (the published .zip of a MariaDB dump, or the project's CSV export).
    Case("hfc-truncated-zip", "hfcommunity", "the .zip cut in half (an interrupted download)", Outcome(LOAD_ERROR),
         "is not a readable zip archive", truncated_gzip, target=HFC_SQL, through_job=True),
    Case("hfc-zip-without-dump", "hfcommunity", "a .zip holding the dump under another extension", Outcome(LOAD_ERROR),
         "holds no `.sql` dump", rename_zip_members(".txt"), target=HFC_SQL),
    Case("hfc-csv-missing-column", "hfcommunity", "model.csv without `library_name`",
         Outcome(LOAD_ERROR, row=0, column="library_name"), "missing column(s) 'library_name'",
         drop_column("library_name"), target="csv/model.csv"),
    Case("hfc-csv-repeated-header", "hfcommunity", "author.csv's header line again as row 5",
         Outcome(LOAD_ERROR, row=5, column="username"), "line 6 repeats the header line", header_again_at(5),
         target="csv/author.csv"),
    Case("hfc-csv-second-export", "hfcommunity", "commits.csv from row 5 on, a second export with `message` and "
         "`author_name` trading places, its own header line first",
         Outcome(LOAD_ERROR, row=5, column="message"), "line 6 is a header line, not data",
         second_export_at(5, ("message", "author_name")), target="csv/commits.csv"),
    Case("hfc-csv-older-export-appended", "hfcommunity", "commits.csv from row 5 on, a v1.0 export (`sha`, "
         "`author`, `timestamp`, `message`), its own header line first",
         Outcome(LOAD_ERROR, row=5, column="repo_id"), "line 6 is a header line, not data (4 fields, the header has 13)",
         older_export_at(5, {"sha": "sha", "author_name": "author", "author_date": "timestamp", "message": "message"}),
         target="csv/commits.csv"),
    Case("hfc-csv-non-utf8-bytes", "hfcommunity", "a Latin-1 byte in author.csv row 2",
         Outcome(LOAD_ERROR, row=2, column="username"), "not utf-8", latin1_byte_in("username", 2), target="csv/author.csv"),
    # The Hub connector's responses.
    Case("hub-malformed-json", "hub", "a model's repo details are cut-off JSON", Outcome(RECORDED, "model_info"),
         "malformed response", hub_fault=hub_fail_first("malformed_json")),
    Case("hub-server-error", "hub", "a model's repo details answer HTTP 500 on every retry", Outcome(RECORDED, "model_info"),
         "HTTP 500", hub_fault=hub_fail_first("server_error")),
    Case("hub-token-echo", "hub", "a model's repo details answer HTTP 503 on every retry, echoing the request's "
         "Authorization header (the token) in the body and headers", Outcome(RECORDED, "model_info"),
         "Authorization: Bearer [REDACTED]", hub_fault=hub_fail_first("token_echo")),
    Case("hub-failure-share", "hub", "every model's repo details answer HTTP 503", Outcome(CHECK_FAILED, "hub_fetch_failure_share"),
         "HTTP 503", hub_fault=hub_fail_all),
)

CASES_BY_NAME = {case.name: case for case in CASES}


def render_reliability_doc(faults: list[tuple[str, str, str]]) -> str:
    """docs/reliability.md: every case and fault with its outcome (generated; see the tests)."""
    lines = [
        "# Reliability: bad input and faults",
        "",
        "Generated from `tests/bad_inputs.py` and `tests/fault_points.py` by",
        "`tests/unit/test_bad_input_corpus.py` (`UPDATE_RELIABILITY_DOC=1` rewrites it; the test fails",
        "while it is out of date). Every row is asserted by a test: every case by the real loader and",
        "the real Great Expectations suite (tests/unit/test_bad_input_corpus.py: the exact outcome, the",
        "error naming file, row and column, nothing already loaded disturbed); one case per source and",
        "outcome also through the real job named in the last column (tests/integration/test_gates.py;",
        "the Hub's share in tests/integration/test_huggingface_source.py): the load or check named,",
        "nothing downstream run, the published warehouse byte for byte unchanged, or for a quarantine,",
        "published without the row, which is listed in `audit.quarantine`. The kill points are drawn",
        "from a seed, one per stage, each found by what the run does (tests/integration/test_publish.py).",
        "The published files changed in place are changed on real DuckDB files, three ways each",
        "(tests/unit/test_published_versions.py).",
        "",
        "Policy: a file whose shape is wrong (unreadable, wrong columns, a column named twice or",
        "not at all, a header line among its rows, a row of another width, bad bytes, a malformed id",
        "or list, text in a number) is **blocked** whole: nothing of it is loaded, the previous raw",
        "table stays, nothing downstream runs, nothing is published. A row that breaks a row-level",
        "rule (a score outside 0–100, an unknown model type, a date before 2015 or in the future) is",
        "**quarantined**: moved to `audit.quarantine` with the file, row, column, value, reason and",
        "run, published with the marts, listed in the findings report; if more than",
        "`WAREHOUSE_MAX_QUARANTINE_SHARE` of a file's rows are quarantined, the file is blocked.",
        "METHOD.md's quirks (duplicate and case-variant ids, extra columns) and free text with",
        "quotes, semicolons, SQL keywords or any Unicode are **data**: loaded byte for byte (ids and",
        "author names must still be well-formed Hub names, `[A-Za-z0-9._-]`). A file in the weekly",
        "landing directory not named like a snapshot (notes, `.DS_Store`, a partial download) is not an",
        "input: **ignored**, with a warning naming it (`make backfill` and the run's log), never blocking.",
        "",
        "## Bad input",
        "",
        "| # | case | source | what is wrong | policy | outcome | error names | also through the job |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, case in enumerate(CASES, start=1):
        message = f"`{case.message}`" if case.message else ""
        lines.append(
            f"| {number} | {case.name} | {SOURCE_LABELS[case.source]} | {_cell(case.wrong)} | {case.policy} "
            f"| {_cell(case.expected.describe())} | {_cell(message)} | {case.job} |"
        )
    lines += [
        "",
        "## Faults",
        "",
        "| # | fault | where | outcome |",
        "|---|---|---|---|",
    ]
    for number, (fault, where, outcome) in enumerate(faults, start=1):
        lines.append(f"| {number} | {_cell(fault)} | {_cell(where)} | {_cell(outcome)} |")
    return "\n".join(lines + _coverage_section()) + "\n"


def _coverage_section() -> list[str]:
    """The publish step's volume and coverage figures (orchestration/wap/coverage.py)."""
    from orchestration.wap.coverage import COUNT, FIGURES, RAW_ROWS

    lines = [
        "",
        "## Volume and coverage against the last published version",
        "",
        "Before each publish (`published/warehouse:volume_and_coverage_kept`), every figure below is",
        "measured on the working database and on the version users have. A fall beyond its tolerance",
        "blocks the publish (nothing published, the check names the figure before and after); growth",
        "never blocks. `make run ACCEPT_CHANGE=1` (`accept_volume_change` on `published/warehouse`)",
        "accepts a fall for that run only: it is published and reported as a warning. The first",
        "publish, with nothing to compare, must reach the floors. Through the job:",
        "tests/integration/test_gates.py (repo details cut to a tenth: blocked, then accepted).",
        "",
        "| figure | what it counts | blocks when it | first publish's floor |",
        "|---|---|---|---|",
    ]
    for figure in (RAW_ROWS, *FIGURES):
        floor = f"{figure.floor:,.0f}" if figure.kind == COUNT else f"{figure.floor:.0%}"
        lines.append(f"| {figure.name} | {_cell(figure.description)} | {figure.describe_tolerance()} | {floor} |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
