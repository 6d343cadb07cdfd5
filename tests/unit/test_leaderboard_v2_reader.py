"""The weekly leaderboard v2 reader: every real header identified, every real row loaded into
its Sunday week, inverted flags made to agree across layouts, idempotent and transactional loads,
and clear errors for unknown headers and misnamed files; the dataset's own parquet layouts
detected from their schema, read by name and literal path, in each layout's polarity."""

from __future__ import annotations

import csv
import functools
import gzip
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.loading import SourceFileError
from orchestration.settings import real_data_dir
from orchestration.defs.leaderboard_v2.reader import (
    CANONICAL_COLUMNS,
    FILE_NAME,
    TABLE,
    LandingDirFiles,
    UnknownHeaderError,
    identify_header,
    list_landing_dir,
    load_column_mapping,
    load_weekly_snapshots,
    snapshot_date_of,
    snapshot_files_for_week,
    stray_warning,
    sunday_week_start,
)

REAL_DIR = real_data_dir() / "open-llm-leaderboard" / "v2_weekly"
REAL_FILES = sorted(REAL_DIR.glob("huggingface_v2_*.csv.gz"))
MAPPING = load_column_mapping()

# Each version is named after the first file that uses it.
FIRST_FILE_OF_VERSION = {
    "v2_2024_07": "2024-07-13",
    "v2_2024_09": "2024-09-01",
    "v2_2024_11": "2024-11-15",
    "v2_2024_12a": "2024-12-07",
    "v2_2024_12b": "2024-12-15",
    "v2_2025_01": "2025-01-12",
}
# The dataset's own parquet layouts (leaderboard_parquet.V2_LAYOUTS), after the scraped CSV versions.
PARQUET_VERSIONS = ("parquet_2024_11", "parquet_2024_12a", "parquet_2024_12b")
# Canonical columns a version has no source for (NULL in raw).
ABSENT_COLUMNS = {
    "parquet_2024_11": set(),
    "parquet_2024_12a": set(),
    "parquet_2024_12b": set(),
    "v2_2024_07": {"generation", "base_model", "co2_cost_kg"},
    "v2_2024_09": {"co2_cost_kg"},
    "v2_2024_11": set(),
    "v2_2024_12a": set(),
    "v2_2024_12b": set(),
    "v2_2025_01": set(),
}


@functools.cache
def read_real(path: Path) -> list[list[str]]:
    """The file parsed independently of DuckDB (gzip + csv): header first."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_gz(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    """A small synthetic snapshot: every cell is "1" unless the row says otherwise."""
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row.get(c, "1") for c in columns] for row in rows)
    return path


def all_rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(f"select * from {TABLE} order by snapshot_date, _source_row").fetchall()


@pytest.fixture(scope="module")
def real_files() -> list[Path]:
    if len(REAL_FILES) != 31:
        pytest.fail(f"expected the 31 weekly v2 files in {REAL_DIR}, found {len(REAL_FILES)} (set WAREHOUSE_REAL_DATA_DIR)")
    return REAL_FILES


@pytest.fixture(scope="module")
def loaded(real_files, tmp_path_factory):
    """Every Sunday week from the first file's to the last file's, loaded into one database."""
    first, last = sunday_week_start(snapshot_date_of(real_files[0])), sunday_week_start(snapshot_date_of(real_files[-1]))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    with duckdb.connect(str(tmp_path_factory.mktemp("v2") / "w.duckdb")) as conn:
        results = {week: load_weekly_snapshots(conn, snapshot_files_for_week(REAL_DIR, week), week) for week in weeks}
        yield conn, results


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


# --- headers ------------------------------------------------------------------------------------


def test_every_real_header_maps_to_a_version_and_all_six_are_used(real_files):
    first_file: dict[str, str] = {}
    for path in real_files:
        version = identify_header(read_real(path)[0], MAPPING, path=path)
        first_file.setdefault(version.name, snapshot_date_of(path).isoformat())
    assert first_file == FIRST_FILE_OF_VERSION
    assert list(MAPPING) == [*FIRST_FILE_OF_VERSION, *PARQUET_VERSIONS]


def test_each_seed_version_lists_every_column_of_its_files_exactly_once(real_files):
    for path in real_files:
        header = read_real(path)[0]
        version = identify_header(header, MAPPING, path=path)
        assert list(version.source_columns) == header, path.name  # same columns, same order, once each
    for name, version in MAPPING.items():
        filled = [rule.canonical for rule in version.rules if rule.canonical is not None]
        assert len(filled) == len(set(filled)), name
        assert set(CANONICAL_COLUMNS) - set(filled) == ABSENT_COLUMNS[name], name


# --- real weeks ---------------------------------------------------------------------------------


def test_each_real_week_holds_every_row_of_its_files(loaded, real_files):
    conn, _ = loaded
    for path in real_files:
        header, *rows = read_real(path)
        id_column = header.index("fullname" if "fullname" in header else "model_name")
        held = conn.execute(
            f"select snapshot_date, snapshot_week, header_version, model_id from {TABLE} "
            "where _source_file = ? order by _source_row",
            [str(path)],
        ).fetchall()
        assert len(held) == len(rows), path.name
        snapshot = snapshot_date_of(path)
        assert {h[:3] for h in held} == {(snapshot, sunday_week_start(snapshot), identify_header(header, MAPPING).name)}
        assert [h[3] for h in held] == [r[id_column] for r in rows], f"{path.name}: _source_row follows the file"
    (total,) = conn.execute(f"select count(*) from {TABLE}").fetchone()
    assert total == sum(len(read_real(p)) - 1 for p in real_files)


def test_five_weeks_hold_two_snapshots_and_five_hold_none(loaded, real_files):
    conn, results = loaded
    per_week = Counter(sunday_week_start(snapshot_date_of(p)) for p in real_files)
    weeks = list(results)
    doubles = sorted(w for w in weeks if per_week[w] == 2)
    empties = sorted(w for w in weeks if per_week[w] == 0)
    assert doubles == [date(2024, 9, 1), date(2024, 9, 15), date(2024, 9, 29), date(2024, 12, 1), date(2025, 1, 26)]
    assert empties == [date(2024, 8, 25), date(2024, 9, 8), date(2024, 9, 22), date(2024, 11, 24), date(2024, 12, 8)]
    assert max(per_week.values()) == 2
    for week in doubles:
        held = conn.execute(
            f"select snapshot_date, count(*) from {TABLE} where snapshot_week = ? group by all order by all", [week]
        ).fetchall()
        files = results[week].files
        assert [d for d, _ in held] == [snapshot_date_of(p) for p in files]
        assert [n for _, n in held] == [len(read_real(p)) - 1 for p in files]
    for week in empties:
        assert results[week].rows == 0 and results[week].files == ()


def test_inverted_flags_agree_across_layouts(loaded):
    conn, _ = loaded

    def flags(snapshot: date, model: str) -> tuple:
        return conn.execute(
            f"select is_flagged, is_merged, is_moe from {TABLE} where snapshot_date = ? and model_id = ?",
            [snapshot, model],
        ).fetchone()

    expected = {  # (is_flagged, is_merged, is_moe)
        "Qwen/Qwen2-72B-Instruct": ("FALSE", "FALSE", "FALSE"),
        "mistralai/Mixtral-8x7B-Instruct-v0.1": ("FALSE", "FALSE", "TRUE"),
        "mlabonne/AlphaMonarch-7B": ("FALSE", "TRUE", "FALSE"),
        "mlabonne/Beyonder-4x7B-v3": ("FALSE", "TRUE", "TRUE"),
    }
    for model, values in expected.items():
        assert flags(date(2024, 7, 13), model) == values, model  # old layout: flagged / not_merged / moe
        assert flags(date(2025, 2, 8), model) == values, model  # new layout: features_is_*
    # Every model evaluated in both files, with the same sha and precision, agrees after the transform.
    disagreements = conn.execute(
        f"""
        select count(*), count(*) filter (where (o.is_merged, o.is_moe, o.is_flagged) <> (n.is_merged, n.is_moe, n.is_flagged))
        from {TABLE} o join {TABLE} n using (model_id, model_sha, precision)
        where o.snapshot_date = date '2024-07-13' and n.snapshot_date = date '2025-02-08'
        """
    ).fetchone()
    assert disagreements == (236, 0)
    # The old layout reads flagged=TRUE on every row: after inversion no old row is flagged.
    assert conn.execute(
        f"select count(*) from {TABLE} where header_version in ('v2_2024_07', 'v2_2024_09', 'v2_2024_11', 'v2_2024_12a') "
        "and is_flagged <> 'FALSE'"
    ).fetchone() == (0,)


# --- idempotency and transactions ---------------------------------------------------------------


def test_loading_a_week_twice_leaves_identical_rows(conn, real_files):
    week = date(2024, 9, 15)
    files = snapshot_files_for_week(REAL_DIR, week)
    assert [p.name for p in files] == ["huggingface_v2_2024-09-15.csv.gz", "huggingface_v2_2024-09-20.csv.gz"]
    first = load_weekly_snapshots(conn, files, week)
    before = all_rows(conn)
    again = load_weekly_snapshots(conn, files, week)
    assert (first.reloaded, again.reloaded, again.accepted, again.rows) == (True, False, True, first.rows)
    assert all_rows(conn) == before  # _loaded_at included: nothing was rewritten


NEW_COLUMNS = list(MAPPING["v2_2025_01"].source_columns)
OLD_COLUMNS = list(MAPPING["v2_2024_07"].source_columns)


def test_reloading_a_week_replaces_only_that_week(conn, tmp_path):
    a = write_gz(tmp_path / "huggingface_v2_2025-02-10.csv.gz", NEW_COLUMNS, [{"model_name": "org/a"}])
    b = write_gz(tmp_path / "huggingface_v2_2025-02-17.csv.gz", NEW_COLUMNS, [{"model_name": "org/b"}])
    load_weekly_snapshots(conn, [a], date(2025, 2, 9))
    load_weekly_snapshots(conn, [b], date(2025, 2, 16))
    write_gz(a, NEW_COLUMNS, [{"model_name": "org/a"}, {"model_name": "org/c"}])
    result = load_weekly_snapshots(conn, [a], date(2025, 2, 9))
    assert (result.rows, result.reloaded) == (2, True)
    held = conn.execute(f"select snapshot_week, model_id from {TABLE} order by all").fetchall()
    assert held == [(date(2025, 2, 9), "org/a"), (date(2025, 2, 9), "org/c"), (date(2025, 2, 16), "org/b")]


def test_a_rejected_week_leaves_the_table_unchanged(conn, tmp_path):
    path = write_gz(tmp_path / "huggingface_v2_2025-02-10.csv.gz", NEW_COLUMNS, [{"model_name": "org/a"}])
    load_weekly_snapshots(conn, [path], date(2025, 2, 9))
    before = all_rows(conn)
    write_gz(path, NEW_COLUMNS, [{"model_name": "org/b"}])
    swaps: list[str] = []
    audited: list[int] = []

    def audit(c: duckdb.DuckDBPyConnection, table: str) -> bool:
        audited.append(c.execute(f"select count(*) from {table}").fetchone()[0])
        return False

    result = load_weekly_snapshots(conn, [path], date(2025, 2, 9), audit=audit, before_swap=lambda: swaps.append("x"))
    assert (result.accepted, result.reloaded, audited, swaps) == (False, False, [1], [])
    assert all_rows(conn) == before


def test_invert_is_case_insensitive_and_leaves_other_text(conn, tmp_path):
    values = ["TRUE", "true", "False", "", "maybe"]
    path = write_gz(tmp_path / "huggingface_v2_2024-07-13.csv.gz", OLD_COLUMNS, [{"flagged": v} for v in values])
    load_weekly_snapshots(conn, [path], date(2024, 7, 7))
    held = [r[0] for r in conn.execute(f"select is_flagged from {TABLE} order by _source_row").fetchall()]
    assert held == ["FALSE", "FALSE", "TRUE", None, "maybe"]


# --- errors -------------------------------------------------------------------------------------


def test_an_unknown_header_names_file_and_columns_and_changes_nothing(conn, tmp_path):
    good = write_gz(tmp_path / "huggingface_v2_2025-02-10.csv.gz", NEW_COLUMNS, [{"model_name": "org/a"}])
    load_weekly_snapshots(conn, [good], date(2025, 2, 9))
    before = all_rows(conn)
    columns = [("metadata_co2_cost_kg" if c == "metadata_co2_cost" else c) for c in NEW_COLUMNS] + ["features_is_new"]
    bad = write_gz(tmp_path / "huggingface_v2_2025-02-15.csv.gz", columns, [{}])
    with pytest.raises(UnknownHeaderError) as error:
        load_weekly_snapshots(conn, [good, bad], date(2025, 2, 9))
    err = error.value
    assert (err.unexpected, err.missing, err.closest_version) == (
        ("metadata_co2_cost_kg", "features_is_new"),
        ("metadata_co2_cost",),
        "v2_2025_01",
    )
    assert isinstance(err, SourceFileError) and err.row == 0 and err.path == bad
    for text in (str(bad), "'metadata_co2_cost_kg'", "'features_is_new'", "'metadata_co2_cost'"):
        assert text in str(err)
    assert all_rows(conn) == before


def test_a_ragged_row_names_file_and_row(conn, tmp_path):
    path = write_gz(tmp_path / "huggingface_v2_2025-02-10.csv.gz", NEW_COLUMNS, [{}, {}])
    text = gzip.decompress(path.read_bytes()).decode("utf-8") + "only,three,fields\n"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    with pytest.raises(SourceFileError) as error:
        load_weekly_snapshots(conn, [path], date(2025, 2, 9))
    assert error.value.row == 3 and str(path) in str(error.value)


def test_a_header_line_of_another_version_mid_file_names_line_column_and_widths(conn, tmp_path):
    """A second export of a later layout appended: blocked at its header line, before DuckDB
    would report it as a row of another width."""
    path = write_gz(tmp_path / "huggingface_v2_2024-07-13.csv.gz", OLD_COLUMNS, [{}, {}])
    appended = ",".join(NEW_COLUMNS) + "\n" + ",".join("1" for _ in NEW_COLUMNS) + "\n"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + appended.encode("utf-8")))
    with pytest.raises(SourceFileError) as error:
        load_weekly_snapshots(conn, [path], date(2024, 7, 7))
    assert (error.value.path, error.value.row, error.value.column) == (path, 3, OLD_COLUMNS[0])
    message = str(error.value)
    assert f"line 4 is a header line, not data ({len(NEW_COLUMNS)} fields, the header has {len(OLD_COLUMNS)})" in message
    assert f"its column 1 is {NEW_COLUMNS[0]!r} where the header has {OLD_COLUMNS[0]!r}" in message
    assert not conn.execute("select count(*) from information_schema.tables where table_name = 'leaderboard_v2'").fetchone()[0]


def test_a_gzip_stream_cut_short_names_the_line_it_stops_at(conn, tmp_path):
    path = write_gz(tmp_path / "huggingface_v2_2024-07-13.csv.gz", OLD_COLUMNS,
                    [{"fullname": f"org/model-{i}", "model_sha": f"{i:040x}"} for i in range(5000)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SourceFileError, match=r"cannot be read past line \d+") as error:
        load_weekly_snapshots(conn, [path], date(2024, 7, 7))
    assert error.value.path == path


@pytest.mark.parametrize(
    "name",
    ["leaderboard_2024-07-13.csv.gz", "huggingface_v2_2024-02-30.csv.gz", "huggingface_v2_20240713.csv.gz",
     "huggingface_v2_2024-07-13.tsv.gz"],
)  # fmt: skip
def test_a_badly_named_file_raises(conn, tmp_path, name):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = write_gz(landing / name, OLD_COLUMNS, [{}])
    with pytest.raises(SourceFileError, match="huggingface_v2_|calendar date") as error:
        load_weekly_snapshots(conn, [path], date(2024, 7, 7))
    assert error.value.path == path
    if FILE_NAME.fullmatch(name):  # named like a snapshot, of no week: listing the landing dir fails too
        with pytest.raises(SourceFileError, match="calendar date"):
            snapshot_files_for_week(landing, date(2024, 7, 7))
    else:  # not named like a snapshot: a stray, ignored by the listing (and warned about)
        assert snapshot_files_for_week(landing, date(2024, 7, 7)) == []
        assert list_landing_dir(landing).strays == (path,)


def test_stray_files_in_the_landing_dir_are_ignored_not_blocking(conn, tmp_path):
    """Notes, a Finder file, a partial download beside the week's snapshot: the snapshot loads."""
    landing = tmp_path / "landing"
    landing.mkdir()
    snapshot = write_gz(landing / "huggingface_v2_2024-07-13.csv.gz", OLD_COLUMNS, [{}])
    strays = [landing / name for name in (".DS_Store", "huggingface_v2_2024-07-13.csv.gz.part", "notes.txt")]
    for path in strays:
        path.write_bytes(b"not a snapshot")
    (landing / "huggingface_v2_2024-07-20.csv.gz").mkdir()  # a directory is no file at all
    assert list_landing_dir(landing) == LandingDirFiles(snapshots=(snapshot,), strays=tuple(strays))
    assert snapshot_files_for_week(landing, date(2024, 7, 7)) == [snapshot]
    assert load_weekly_snapshots(conn, snapshot_files_for_week(landing, date(2024, 7, 7)), date(2024, 7, 7)).rows == 1
    warning = stray_warning(strays[1])
    assert warning.startswith(f"{strays[1]}: ignored, not a snapshot file")
    assert list_landing_dir(tmp_path / "missing") == LandingDirFiles((), ())


@pytest.mark.parametrize("name", ["huggingface_v2_2024-07-13.csv.gz\n", "huggingface_v2_2024-07-13.parquet\n"])
def test_a_name_ending_in_a_newline_is_not_a_snapshot_name(conn, tmp_path, name):
    """Python's `$` matches before a trailing newline: the whole name must match."""
    path = write_gz(tmp_path / name, OLD_COLUMNS, [{}])
    with pytest.raises(SourceFileError, match="is not named huggingface_v2_"):
        snapshot_date_of(path)
    with pytest.raises(SourceFileError, match="is not named huggingface_v2_"):
        load_weekly_snapshots(conn, [path], date(2024, 7, 7))


def test_a_file_outside_the_week_or_a_non_sunday_week_is_refused(conn, tmp_path):
    path = write_gz(tmp_path / "huggingface_v2_2024-07-14.csv.gz", OLD_COLUMNS, [{}])
    with pytest.raises(SourceFileError, match="outside the week starting 2024-07-07"):
        load_weekly_snapshots(conn, [path], date(2024, 7, 7))
    with pytest.raises(ValueError, match="not a Sunday"):
        load_weekly_snapshots(conn, [path], date(2024, 7, 13))


def test_sunday_week_start():
    assert sunday_week_start(date(2024, 7, 13)) == date(2024, 7, 7)  # Saturday
    assert sunday_week_start(date(2024, 7, 14)) == date(2024, 7, 14)  # Sunday
    assert sunday_week_start(date(2024, 7, 15)) == date(2024, 7, 14)  # Monday
    assert snapshot_date_of(Path("huggingface_v2_2024-09-20.csv")) == date(2024, 9, 20)


# --- the dataset's own parquet (open-llm-leaderboard/contents) --------------------------------------


def write_parquet(path: Path, layout: str, rows: list[dict[str, object]]) -> Path:
    """A parquet file in a documented layout's schema (names, order, types): every value is
    the schema's default for its type unless the row says otherwise."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.defs.hub_api.leaderboard_parquet import V2_LAYOUTS

    _, schema = V2_LAYOUTS[layout]
    default = {pa.string(): "x", pa.float64(): 1.5, pa.int64(): 7, pa.bool_(): False}
    columns = {f.name: [row.get(f.name, default[f.type]) for row in rows] for f in schema}
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def parquet_rows(conn: duckdb.DuckDBPyConnection, path: Path) -> list[dict]:
    cursor = conn.execute(f"select * from {TABLE} where _source_file = ? order by _source_row", [str(path)])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_the_seed_has_each_documented_parquet_layout_column_for_column():
    """The seed (the loader's mapping) and leaderboard_parquet's schemas (the writer's) are
    written apart from the same evidence: the same names in the same order, emoji included."""
    from orchestration.defs.hub_api.leaderboard_parquet import V2_INVERTED, V2_LAYOUTS

    assert tuple(V2_LAYOUTS) == PARQUET_VERSIONS
    for name, (_, schema) in V2_LAYOUTS.items():
        version = MAPPING[name]
        assert list(version.source_columns) == schema.names, name
        assert len(schema.names) == 36, name
        inverted = {rule.source for rule in version.rules if rule.transform == "invert"}
        assert inverted == set(V2_INVERTED[name]), name
        ignored = {rule.source for rule in version.rules if rule.transform == "ignore"}
        assert ignored == {"eval_name", "T", "Model"}, name
        assert version.rule_for("model_id").source == "fullname"
    assert "Average \u2b06\ufe0f" in MAPPING["parquet_2024_12b"].source_columns
    assert "CO\u2082 cost (kg)" in MAPPING["parquet_2024_12b"].source_columns


@pytest.mark.parametrize("layout", PARQUET_VERSIONS)
def test_each_parquet_layout_is_detected_from_its_schema(conn, tmp_path, layout):
    path = write_parquet(tmp_path / "huggingface_v2_2025-02-10.parquet", layout, [{"fullname": "org/a"}])
    result = load_weekly_snapshots(conn, [path], date(2025, 2, 9))
    assert result.header_versions == {path.name: layout}
    (row,) = parquet_rows(conn, path)
    assert (row["header_version"], row["model_id"], row["_source_row"]) == (layout, "org/a", 1)


def test_a_parquet_with_an_unknown_column_names_it_and_changes_nothing(conn, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = write_parquet(tmp_path / "huggingface_v2_2025-02-10.parquet", "parquet_2024_12b", [{}])
    load_weekly_snapshots(conn, [good], date(2025, 2, 9))
    before = all_rows(conn)
    table = pq.read_table(good)
    table = table.rename_columns(["Hub \U0001f494" if c == "Hub \u2764\ufe0f" else c for c in table.column_names])
    bad = tmp_path / "huggingface_v2_2025-02-15.parquet"
    pq.write_table(table.append_column("Votes", pa.array([1])), bad)
    with pytest.raises(UnknownHeaderError) as error:
        load_weekly_snapshots(conn, [bad], date(2025, 2, 9))
    err = error.value
    assert (err.unexpected, err.missing, err.closest_version) == (
        ("Hub \U0001f494", "Votes"), ("Hub \u2764\ufe0f",), "parquet_2024_12b")
    assert (err.path, err.row, err.column) == (bad, 0, "Hub \U0001f494")
    assert str(bad) in str(err) and "'Votes'" in str(err)
    assert all_rows(conn) == before


def test_a_parquet_that_is_not_parquet_or_has_a_nested_column_names_file_row_and_column(conn, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    broken = tmp_path / "huggingface_v2_2025-02-10.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(SourceFileError) as error:
        load_weekly_snapshots(conn, [broken], date(2025, 2, 9))
    assert (error.value.path, error.value.row) == (broken, 0) and "cannot be read as parquet" in str(error.value)

    table = pq.read_table(write_parquet(broken, "parquet_2024_12b", [{}]))
    index = table.column_names.index("Base Model")
    nested = table.set_column(index, "Base Model", pa.array([["org/base"]]))
    pq.write_table(nested, broken)
    with pytest.raises(SourceFileError) as error:
        load_weekly_snapshots(conn, [broken], date(2025, 2, 9))
    assert (error.value.path, error.value.row, error.value.column) == (broken, 0, "Base Model")


def test_parquet_values_are_text_as_the_csv_files_spell_them(conn, tmp_path):
    path = write_parquet(tmp_path / "huggingface_v2_2025-02-10.parquet", "parquet_2024_12b", [
        {"fullname": "org/a", "#Params (B)": 7.0, "Average \u2b06\ufe0f": 42.125, "Hub License": "",
         "Chat Template": True, "Official Providers": None, "Generation": 0, "IFEval": float("nan")},
        {"fullname": "org/b", "#Params (B)": 7.616, "Average \u2b06\ufe0f": 3.0, "Hub License": None,
         "Chat Template": False, "Official Providers": True, "Generation": None, "IFEval": 0.1 + 0.2},
    ])
    load_weekly_snapshots(conn, [path], date(2025, 2, 9))
    a, b = parquet_rows(conn, path)
    assert (a["params_b"], a["average"], a["hub_license"], a["has_chat_template"]) == ("7", "42.125", None, "TRUE")
    assert (a["is_official_provider"], a["generation"], a["ifeval"]) == (None, "0", None)  # NaN is missing
    assert (b["params_b"], b["average"], b["hub_license"], b["has_chat_template"]) == ("7.616", "3", None, "FALSE")
    assert (b["is_official_provider"], b["generation"], b["ifeval"]) == ("TRUE", None, "0.30000000000000004")
    assert [r["_source_row"] for r in (a, b)] == [1, 2]


def test_a_flagged_model_reads_flagged_in_the_csv_and_in_each_parquet_layout(conn, tmp_path):
    """The same flagged, merged, non-MoE model: the page scrape writes FALSE / FALSE / TRUE
    (flagged, not_merged, moe: inverted), the parquet before 2024-12-10 False / False / True
    (Flagged, Not_Merged, MoE: inverted), the final parquet True / True / False (Flagged, Merged,
    MoE: true). Every one reads is_flagged TRUE, is_merged TRUE, is_moe FALSE in raw."""
    csv_file = write_gz(tmp_path / "huggingface_v2_2024-11-15.csv.gz", list(MAPPING["v2_2024_11"].source_columns),
                        [{"fullname": "org/flagged", "flagged": "FALSE", "not_merged": "FALSE", "moe": "TRUE"}])
    before = {"fullname": "org/flagged", "Flagged": False, "Not_Merged": False, "MoE": True}
    old = write_parquet(tmp_path / "huggingface_v2_2024-11-22.parquet", "parquet_2024_11", [before])
    middle = write_parquet(tmp_path / "huggingface_v2_2024-12-07.parquet", "parquet_2024_12a", [before])
    final = write_parquet(tmp_path / "huggingface_v2_2024-12-14.parquet", "parquet_2024_12b",
                          [{"fullname": "org/flagged", "Flagged": True, "Merged": True, "MoE": False}])
    load_weekly_snapshots(conn, [csv_file], date(2024, 11, 10))
    load_weekly_snapshots(conn, [old], date(2024, 11, 17))
    load_weekly_snapshots(conn, [middle], date(2024, 12, 1))
    load_weekly_snapshots(conn, [final], date(2024, 12, 8))
    held = conn.execute(
        f"select header_version, is_flagged, is_merged, is_moe from {TABLE} order by snapshot_date"
    ).fetchall()
    assert held == [("v2_2024_11", "TRUE", "TRUE", "FALSE"), ("parquet_2024_11", "TRUE", "TRUE", "FALSE"),
                    ("parquet_2024_12a", "TRUE", "TRUE", "FALSE"), ("parquet_2024_12b", "TRUE", "TRUE", "FALSE")]


def test_the_parquet_path_is_taken_literally_not_as_a_glob(conn, tmp_path):
    """DuckDB expands globs in every path it reads: `runs[1]` would match a sibling `runs1`."""
    literal, sibling = tmp_path / "runs[1]", tmp_path / "runs1"
    literal.mkdir()
    sibling.mkdir()
    name = "huggingface_v2_2025-02-10.parquet"
    write_parquet(sibling / name, "parquet_2024_12b", [{"fullname": "org/sibling"}])
    path = write_parquet(literal / name, "parquet_2024_12b", [{"fullname": "org/wanted"}, {"fullname": "org/too"}])
    load_weekly_snapshots(conn, [path], date(2025, 2, 9))
    assert [r["model_id"] for r in parquet_rows(conn, path)] == ["org/wanted", "org/too"]
    assert snapshot_files_for_week(literal, date(2025, 2, 9)) == [path]


def test_a_csv_and_a_parquet_of_one_date_are_two_snapshots_of_one_day(conn, tmp_path):
    csv_file = write_gz(tmp_path / "huggingface_v2_2025-02-10.csv.gz", NEW_COLUMNS, [{"model_name": "org/a"}])
    parquet = write_parquet(tmp_path / "huggingface_v2_2025-02-10.parquet", "parquet_2024_12b", [{}])
    with pytest.raises(SourceFileError, match="a second snapshot of 2025-02-10"):
        load_weekly_snapshots(conn, snapshot_files_for_week(tmp_path, date(2025, 2, 9)), date(2025, 2, 9))
    assert {csv_file, parquet} == set(snapshot_files_for_week(tmp_path, date(2025, 2, 9)))


def test_the_generated_weeks_read_the_same_as_csv_and_as_parquet(conn, tmp_path):
    """A generated week written as the dataset's parquet (leaderboard_parquet, from the CSV's
    text, never through this loader) loads the same canonical text as its CSV, in every layout;
    only the API-era CSVs spell the type as the backend's label (`chatmodels`)."""
    from orchestration.synthetic.weekly import generate_weekly_v2, write_weekly_v2_parquet

    files = {p.name[15:25]: p for p in generate_weekly_v2(tmp_path / "csv", seed=3, scale=0.05)}
    cases = {"2024-11-22": "parquet_2024_11", "2024-12-07": "parquet_2024_12a", "2025-02-08": "parquet_2024_12b"}
    columns = ", ".join(CANONICAL_COLUMNS) + ", _source_row"
    with duckdb.connect() as other:
        for day, layout in cases.items():
            week = sunday_week_start(date.fromisoformat(day))
            parquet = write_weekly_v2_parquet(files[day], tmp_path / "parquet", layout)
            load_weekly_snapshots(conn, [parquet], week)
            load_weekly_snapshots(other, [files[day]], week)
            query = f"select {columns} from {TABLE} where snapshot_date = ? order by _source_row"
            ours, theirs = conn.execute(query, [day]).fetchall(), other.execute(query, [day]).fetchall()
            assert len(ours) == len(theirs) > 10
            differing = {c for i, c in enumerate(columns.split(", ")) if any(a[i] != b[i] for a, b in zip(ours, theirs))}
            assert differing == ({"model_type"} if day >= "2024-12-15" else set()), day


def test_a_table_written_before_is_official_provider_is_migrated_and_its_weeks_reloaded(conn, real_files):
    """A raw.leaderboard_v2 of the previous shape (no is_official_provider) is rebuilt in today's
    column order, not refused; a week whose file is landed again is reloaded and gets the column."""
    path = next(p for p in real_files if snapshot_date_of(p).isoformat() == FIRST_FILE_OF_VERSION["v2_2024_11"])
    week = sunday_week_start(snapshot_date_of(path))
    load_weekly_snapshots(conn, [path], week)
    expected = all_rows(conn)
    conn.execute(f"alter table {TABLE} drop column is_official_provider")
    assert load_weekly_snapshots(conn, [path], week).reloaded
    assert [c for (c,) in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'leaderboard_v2' order by ordinal_position").fetchall()][3:3 + len(CANONICAL_COLUMNS)] == list(CANONICAL_COLUMNS)
    got = all_rows(conn)
    assert [row[:-2] for row in got] == [row[:-2] for row in expected]  # all but the load time and row
    assert conn.execute(f"select count(is_official_provider) from {TABLE}").fetchone()[0] > 0
