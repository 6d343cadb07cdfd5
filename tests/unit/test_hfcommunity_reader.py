"""The HFCommunity dump reader: the MySQL-escape tokenizer, its errors, streaming, both forms."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import duckdb
import pytest

from orchestration.sources.generator_hfcommunity import (
    CSV_DIR_NAME,
    CSV_TABLES,
    SQL_DUMP_NAME,
    generate_hfcommunity,
    sql_literals,
)
from orchestration.sources.hfcommunity import (
    HFC_TABLES,
    DumpError,
    SqlDumpReader,
    load_hfcommunity_dump,
    unescape_mysql,
)

TAGS = {"tags_in_repo": HFC_TABLES["tags_in_repo"]}
CREATE_TAGS = """CREATE TABLE `tags_in_repo` (
  `tag_name` varchar(256) NOT NULL,
  `repo_id` varchar(256) NOT NULL,
  PRIMARY KEY (`tag_name`,`repo_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""


def write_dump(tmp_path: Path, body: str, *, name: str = "dump.sql", create: str = CREATE_TAGS) -> Path:
    path = tmp_path / name
    text = "-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n" + create + body
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path, tables=TAGS, batch_rows: int = 1000) -> list[tuple]:
    return [row for _, batch in SqlDumpReader(path, tables=dict(tables), batch_rows=batch_rows).batches() for row in batch]


def dump_error(path: Path, tables=TAGS) -> DumpError:
    with pytest.raises(DumpError) as caught:
        rows(path, tables)
    return caught.value


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (r"it\'s", "it's"),
        ("it''s", "it's"),
        (r"back\\slash", "back\\slash"),
        (r"line\nbreak\ttab\rcr", "line\nbreak\ttab\rcr"),
        (r"nul\0ctrl\Z", "nul\0ctrl\x1a"),
        (r"\"quoted\"", '"quoted"'),
        (r"\%\_", "%_"),
        ("plain", "plain"),
    ],
)
def test_mysql_escapes_are_undone(literal, text):
    assert unescape_mysql(literal) == text


def test_strings_nulls_numbers_and_unicode(tmp_path):
    path = write_dump(
        tmp_path,
        "INSERT INTO `tags_in_repo` VALUES ('a\\'b;c','models/x/y'),(NULL,'-1.5e3'),"
        "('回复 🚀','(paren), [bracket]'),('semi;colon','') , ( 'spaced' , 'x' );\n",
    )
    assert rows(path) == [
        ("a'b;c", "models/x/y"),
        (None, "-1.5e3"),
        ("回复 🚀", "(paren), [bracket]"),
        ("semi;colon", ""),
        ("spaced", "x"),
    ]


def test_bare_numbers_and_null_keep_their_text(tmp_path):
    create = "CREATE TABLE `discussion` (\n" + "".join(
        f"  `{c}` text,\n" for c in HFC_TABLES["discussion"]
    ) + "  PRIMARY KEY (`num`)\n);\n"
    path = write_dump(
        tmp_path,
        "INSERT INTO `discussion` VALUES (12,'models/a/b',NULL,'t','open','2024-01-01 00:00:00',1),"
        "(-3,'models/a/b','u','t','closed','2024-01-02 00:00:00',0);\n",
        create=create,
    )
    assert rows(path, {"discussion": HFC_TABLES["discussion"]}) == [
        ("12", "models/a/b", None, "t", "open", "2024-01-01 00:00:00", "1"),
        ("-3", "models/a/b", "u", "t", "closed", "2024-01-02 00:00:00", "0"),
    ]


def test_a_string_and_a_statement_may_run_over_several_lines(tmp_path):
    path = write_dump(
        tmp_path,
        "INSERT INTO `tags_in_repo` VALUES ('first\nsecond\nthird','r'),\n('x',\n'y'\n)\n;\n",
    )
    assert rows(path) == [("first\nsecond\nthird", "r"), ("x", "y")]


def test_columns_are_projected_by_name_and_other_tables_skipped(tmp_path):
    create = (
        "CREATE TABLE `tags_in_repo` (\n  `repo_id` varchar(256),\n  `extra` int,\n  `tag_name` varchar(256)\n);\n"
        "CREATE TABLE `dataset` (\n  `id` varchar(256),\n  `description` text\n);\n"
    )
    path = write_dump(
        tmp_path,
        "INSERT INTO `dataset` VALUES ('d','has ); INSERT INTO `tags_in_repo` inside');\n"
        "INSERT INTO `tags_in_repo` VALUES ('r',7,'t');\n"
        "INSERT INTO `tags_in_repo` (`tag_name`,`repo_id`) VALUES ('t2','r2');\n",
        create=create,
    )
    assert rows(path) == [("t", "r"), ("t2", "r2")]


def test_generator_literals_read_back_exactly(tmp_path):
    import pandas as pd

    values = pd.Series(["a'b", "back\\slash", "new\nline", "nul\0", "ctrl\x1a", "cr\r", None, "", "😀"], dtype=object)
    literals = sql_literals(values, numeric=False)
    path = write_dump(
        tmp_path,
        "INSERT INTO `tags_in_repo` VALUES " + ",".join(f"({lit},'r')" for lit in literals) + ";\n",
    )
    assert [tag for tag, _ in rows(path)] == list(values)


# -- errors ------------------------------------------------------------------------------------


def test_unterminated_string_names_file_line_table_column_and_position(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `tags_in_repo` VALUES ('ok','r'),('tag','never closed);\n")
    error = dump_error(path)
    assert error.path == path
    assert error.line == 8 and error.table == "tags_in_repo"
    assert error.column == "repo_id" and error.position == 53  # the second value's opening quote
    assert "unterminated string" in str(error)
    assert str(path) in str(error) and "line 8" in str(error) and "'repo_id'" in str(error)


def test_wrong_number_of_values_names_the_line_and_the_columns(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `tags_in_repo` VALUES ('a','r'),\n('b','r','extra');\n")
    error = dump_error(path)
    assert error.line == 9 and error.position == 1
    assert "3 values" in str(error) and "tag_name, repo_id" in str(error)


def test_insert_into_an_undeclared_table_is_an_error(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `mystery` VALUES (1);\n")
    error = dump_error(path)
    assert error.table == "mystery" and error.line == 8
    assert "no CREATE TABLE" in str(error)


def test_a_missing_column_in_create_table_is_named(tmp_path):
    path = write_dump(tmp_path, "", create="CREATE TABLE `tags_in_repo` (\n  `tag_name` varchar(256)\n);\n")
    error = dump_error(path)
    assert error.column == "repo_id" and error.line == 3


def test_a_missing_table_is_named(tmp_path):
    path = write_dump(tmp_path, "", create="")
    error = dump_error(path, {"commits": HFC_TABLES["commits"], **TAGS})
    assert error.table == "commits" and "no table `commits`" in str(error)


def test_a_statement_without_its_semicolon_is_an_error(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `tags_in_repo` VALUES ('a','r')\n")
    assert "no closing `;`" in str(dump_error(path))


def test_garbage_between_values_names_its_position(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `tags_in_repo` VALUES ('a' 'b','r');\n")
    error = dump_error(path)
    assert error.line == 8 and error.position == 40 and error.column == "tag_name"


def test_a_truncated_gzip_dump_names_the_file_and_the_line_reached(tmp_path):
    path = write_dump(tmp_path, "INSERT INTO `tags_in_repo` VALUES ('a','r');\n" * 2000, name="dump.sql.gz")
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    error = dump_error(path)
    assert error.path == path and error.line is not None and error.line > 1
    assert "cannot be read" in str(error)


def test_a_file_that_is_not_gzip_is_an_error(tmp_path):
    path = tmp_path / "dump.sql.gz"
    path.write_text("INSERT INTO nothing;")
    error = dump_error(path)
    assert error.path == path and error.line == 1


# -- streaming ---------------------------------------------------------------------------------


def test_the_reader_streams_in_batches_with_bounded_memory(tmp_path):
    """A dump of 60,000 rows read in batches of 2,000: every batch is at most that size, and the
    reader's peak memory stays far below the dump's own size."""
    n = 60_000
    insert = "".join(
        "INSERT INTO `tags_in_repo` VALUES "
        + ",".join(f"('tag-{i}-{'x' * 40}','models/org/repo-{i}')" for i in range(start, start + 500))
        + ";\n"
        for start in range(0, n, 500)
    )
    path = write_dump(tmp_path, insert)
    text_size = path.stat().st_size
    tracemalloc.start()
    sizes, total = [], 0
    for table, batch in SqlDumpReader(path, tables=TAGS, batch_rows=2_000).batches():
        assert table == "tags_in_repo"
        sizes.append(len(batch))
        total += len(batch)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == n and max(sizes) == 2_000 and len(sizes) == n // 2_000
    assert peak < text_size / 4, f"peak {peak:,} bytes for a {text_size:,}-byte dump"


# -- loading both forms --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hfc")
    generate_hfcommunity(out, seed=7, scale=0.2)
    return out


def test_generator_is_deterministic(generated, tmp_path):
    again = tmp_path / "again"
    generate_hfcommunity(again, seed=7, scale=0.2)
    assert gzip.decompress((again / SQL_DUMP_NAME).read_bytes()) == gzip.decompress(
        (generated / SQL_DUMP_NAME).read_bytes()
    )
    for table in CSV_TABLES:
        assert (again / CSV_DIR_NAME / f"{table}.csv").read_bytes() == (generated / CSV_DIR_NAME / f"{table}.csv").read_bytes()


def test_both_forms_load_the_same_rows_with_lineage(generated):
    loaded = {}
    for form, path in (("sql", generated / SQL_DUMP_NAME), ("csv", generated / CSV_DIR_NAME)):
        conn = duckdb.connect()
        result = load_hfcommunity_dump(conn, path, batch_rows=1_000)
        assert result.form == form and result.reloaded and result.accepted
        loaded[form] = {
            table: conn.execute(
                f"select {', '.join(chr(34) + c + chr(34) for c in columns)}, _source_row from raw.hfc_{table} order by _source_row"
            ).fetchall()
            for table, columns in HFC_TABLES.items()
        }
        for table in HFC_TABLES:
            files, rows_, first, last = conn.execute(
                f"select count(distinct _source_file), count(*), min(_source_row), max(_source_row) from raw.hfc_{table}"
            ).fetchone()
            assert files == 1 and first == 1 and last == rows_ > 0
        again = load_hfcommunity_dump(conn, path)
        assert not again.reloaded and again.rows == result.rows
    assert loaded["sql"] == loaded["csv"]


def test_a_rejected_table_leaves_every_raw_table_as_it_was(generated):
    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    before = conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone()
    result = load_hfcommunity_dump(
        conn, generated / CSV_DIR_NAME, audit=lambda _conn, table, _loading: table != "discussion"
    )
    assert not result.accepted
    assert conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone() == before
    assert conn.execute("select count(*) from information_schema.tables where table_name like '_loading%'").fetchone() == (0,)


def test_a_csv_export_missing_a_column_names_file_and_column(generated, tmp_path):
    export = tmp_path / "csv"
    export.mkdir()
    for table in CSV_TABLES:
        text = (generated / CSV_DIR_NAME / f"{table}.csv").read_text(encoding="utf-8")
        if table == "commits":
            text = text.replace("timestamp", "time_stamp", 1)
        (export / f"{table}.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DumpError) as caught:
        load_hfcommunity_dump(duckdb.connect(), export)
    assert caught.value.path == export / "commits.csv" and caught.value.column == "timestamp"


# -- the blocking suites -------------------------------------------------------------------------


def test_every_suite_passes_on_the_generated_dump_and_names_bad_rows(generated):
    from orchestration.checks.raw_checks import HFC_RAW_SOURCES, validate_raw_table

    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    for name in HFC_RAW_SOURCES:
        outcome = validate_raw_table(conn, name, f"raw.{name}")
        assert outcome.success, outcome.summary
    conn.execute("update raw.hfc_commits set timestamp = 'yesterday' where _source_row = 17")
    conn.execute("update raw.hfc_discussion set status = 'archived' where _source_row = 3")
    commits = validate_raw_table(conn, "hfc_commits", "raw.hfc_commits")
    discussions = validate_raw_table(conn, "hfc_discussion", "raw.hfc_discussion")
    assert not commits.success and not discussions.success
    (failed,) = commits.failed_expectations
    assert failed.column == "timestamp" and [s.source_row for s in failed.sample_rows] == [17]
    assert "row 17" in commits.summary and "hfcommunity.sql.gz" in commits.summary
    assert [(f.column, [s.value for s in f.sample_rows]) for f in discussions.failed_expectations] == [("status", ["archived"])]
