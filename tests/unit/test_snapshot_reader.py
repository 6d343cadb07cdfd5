"""The snapshot reader: lineage, idempotency, and clear errors naming file, row and column."""

from pathlib import Path

import duckdb
import pytest

from orchestration.sources.snapshot import (
    COMMIT_DATA,
    LEADERBOARD,
    REPO_DETAILS,
    SourceFileError,
    load_snapshot_file,
)

COMMIT_HEADER = ",name,num_of_authors,num_of_commits,first_commit,last_commit,authors\n"
COMMIT_ROWS = (
    "0,org/a,2,5,2023-12-22 07:08:58+00:00,2024-01-04 07:33:22+00:00,\"['alice', 'SFconvertbot']\"\n"
    "1,org/b,1,1,2024-01-28 04:35:23+00:00,2024-01-28 04:35:23+00:00,['bob']\n"
)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def conn(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        yield connection


def test_loads_text_values_with_lineage(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS)
    result = load_snapshot_file(conn, COMMIT_DATA, path)
    assert (result.rows, result.reloaded) == (2, True)
    rows = conn.execute(
        "select source_index, name, authors, _source_file, _source_row, _source_checksum = ? "
        "from raw.commit_data order by _source_row",
        [result.checksum],
    ).fetchall()
    assert rows[0] == ("0", "org/a", "['alice', 'SFconvertbot']", str(path), 1, True)
    assert rows[1][4] == 2
    types = dict(conn.execute("select column_name, data_type from information_schema.columns "
                              "where table_name = 'commit_data'").fetchall())
    assert types["num_of_commits"] == "VARCHAR"  # raw keeps the file's text; staging casts
    assert types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"


def test_loading_the_same_file_twice_leaves_an_identical_table(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS)
    load_snapshot_file(conn, COMMIT_DATA, path)
    before = conn.execute("select * from raw.commit_data order by _source_row").fetchall()
    again = load_snapshot_file(conn, COMMIT_DATA, path)
    assert again.reloaded is False
    assert conn.execute("select * from raw.commit_data order by _source_row").fetchall() == before


def test_a_changed_file_replaces_the_table(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS)
    load_snapshot_file(conn, COMMIT_DATA, path)
    write(path, COMMIT_HEADER + COMMIT_ROWS.splitlines(keepends=True)[0])
    result = load_snapshot_file(conn, COMMIT_DATA, path)
    assert (result.rows, result.reloaded) == (1, True)


def test_the_unnamed_index_and_a_bom_are_accepted(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", ("\ufeff" + COMMIT_HEADER + COMMIT_ROWS).encode("utf-8"))
    assert load_snapshot_file(conn, COMMIT_DATA, path).rows == 2


def test_missing_column_names_file_and_column(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER.replace(",authors", ",writers") + COMMIT_ROWS)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert error.value.column == "authors"
    assert str(path) in str(error.value) and "'authors'" in str(error.value)


def test_wrong_delimiter_is_named(conn, tmp_path):
    path = write(tmp_path / "leaderboard.csv", ",".join(LEADERBOARD.columns) + "\n")
    with pytest.raises(SourceFileError, match="delimiter ';'"):
        load_snapshot_file(conn, LEADERBOARD, path)


@pytest.mark.parametrize(
    "content, message",
    [("", "empty"), (b"\xff\xfe\x00bad", "not valid UTF-8")],
    ids=["empty-file", "non-utf8-header"],
)
def test_unreadable_header(conn, tmp_path, content, message):
    path = write(tmp_path / "repo_details.csv", content)
    with pytest.raises(SourceFileError, match=message) as error:
        load_snapshot_file(conn, REPO_DETAILS, path)
    assert error.value.row == 0


def test_directory_and_missing_file(conn, tmp_path):
    (tmp_path / "leaderboard.csv").mkdir()
    with pytest.raises(SourceFileError, match="is a directory"):
        load_snapshot_file(conn, LEADERBOARD, tmp_path / "leaderboard.csv")
    with pytest.raises(SourceFileError, match="does not exist"):
        load_snapshot_file(conn, COMMIT_DATA, tmp_path / "nope.csv")


def test_ragged_row_names_the_row_and_keeps_the_previous_table(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS)
    load_snapshot_file(conn, COMMIT_DATA, path)
    before = conn.execute("select * from raw.commit_data order by _source_row").fetchall()
    write(path, COMMIT_HEADER + COMMIT_ROWS + "2,org/c,1,1,2024-01-01 00:00:00+00:00\n")
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert error.value.row == 3
    assert str(path) in str(error.value)
    assert conn.execute("select * from raw.commit_data order by _source_row").fetchall() == before


def test_invalid_utf8_in_a_row_names_the_row(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", (COMMIT_HEADER + COMMIT_ROWS).encode() + b"2,org/\xff,1,1,x,y,[]\n")
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert error.value.row == 3
