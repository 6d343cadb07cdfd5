"""The HFCommunity dump reader: the MySQL-escape tokenizer, its errors, streaming, the published
.zip archive, both schema versions (v1.1, v1.0), the card parser, and the project's CSV export."""

from __future__ import annotations

import gzip
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import duckdb
import pytest

from orchestration.loading import SourceFileError

from orchestration.synthetic.hfcommunity import (
    CSV_DIR_NAME,
    CSV_TABLES,
    SQL_DUMP_NAME,
    SQL_MEMBER_NAME,
    generate_hfcommunity,
    sql_literals,
)
from orchestration.defs.hfcommunity.reader import (
    HFC_TABLES,
    Card,
    DumpError,
    SqlDumpReader,
    load_hfcommunity_dump,
    parse_card,
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


# -- the published archive ----------------------------------------------------------------------


def zip_of(tmp_path: Path, members: dict[str, str], name: str = "dump_hfc_20241001.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


def test_a_zip_archive_is_read_member_by_member_and_errors_name_the_member(tmp_path):
    header = "-- MariaDB dump 10.19\n" + CREATE_TAGS
    path = zip_of(tmp_path, {
        "readme.txt": "not a dump", "dump/part1.sql": header + "INSERT INTO `tags_in_repo` VALUES ('a','r');\n",
        "dump/part2.sql": "INSERT INTO `tags_in_repo` VALUES ('b','r');\n",
    })  # fmt: skip
    assert rows(path) == [("a", "r"), ("b", "r")]
    broken = zip_of(tmp_path, {"dump.sql": header + "INSERT INTO `tags_in_repo` VALUES ('a','r')\n"}, "broken.zip")
    error = dump_error(broken)
    assert error.path == Path(f"{broken}!/dump.sql") and "no closing `;`" in str(error)
    assert f"{broken}!/dump.sql" in str(error)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.zip", None, "holds no `.sql` dump (it holds notes.txt)"),
        ("corrupt.zip", b"PK\x03\x04 not really a zip", "is not a readable zip archive"),
        ("dump-hf_test-202407161033.rar", b"Rar!\x1a\x07\x00", "is a RAR archive"),
    ],
)
def test_an_archive_without_a_readable_dump_is_named(tmp_path, name, content, message):
    path = zip_of(tmp_path, {"notes.txt": "x"}, name) if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DumpError) as caught:
        load_hfcommunity_dump(duckdb.connect(), path)
    assert caught.value.path == path and message in str(caught.value)


# -- the card ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card_data", "card"),
    [
        ("license: mit\nbase_model: Lab/Mistral-7B-v0.1\nlanguage:\n- en\n- fr", Card("yaml", ("Lab/Mistral-7B-v0.1",), None, (), ("en", "fr"))),
        ("base_model:\n- Lab/A\n- Lab/B\ntags:\n- merge", Card("yaml", ("Lab/A", "Lab/B"))),
        ("base_model: Lab/Llama-3-8B\nbase_model_relation: quantized\ndatasets: org/data", Card("yaml", ("Lab/Llama-3-8B",), "quantized", ("org/data",))),
        ("---\nbase_model: Lab/X\n---\n# Model card", Card("yaml", ("Lab/X",))),
        ("{'license': 'mit', 'base_model': ['Lab/A'], 'datasets': ['d/one'], 'language': 'en'}", Card("dict", ("Lab/A",), None, ("d/one",), ("en",))),
        ("None", Card("none")),
        ("", Card("none")),
        (None, Card("none")),
        ("license: [unclosed", Card("unparsed")),
        ("just a sentence", Card("unparsed")),
        ("{'not': 'closed'", Card("unparsed")),
    ],
)
def test_card_data_is_parsed_as_yaml_v1_1_or_a_dict_repr_v1_0(card_data, card):
    assert parse_card(card_data) == card


def test_card_lists_become_list_literals_for_staging():
    assert parse_card("base_model: Lab/X\nlanguage:\n- en").columns() == ("yaml", "['Lab/X']", None, None, "['en']")


# -- the schema versions -------------------------------------------------------------------------


V11_COMMITS = """CREATE TABLE `commits` (
  `sha` varchar(256) NOT NULL,
  `repo_id` varchar(256) DEFAULT NULL,
  `message` longtext DEFAULT NULL,
  `author_date` datetime DEFAULT NULL,
  `author_tz` int(11) DEFAULT NULL,
  `committer_date` datetime DEFAULT NULL,
  `committer_tz` int(11) DEFAULT NULL,
  `in_main_branch` int(11) DEFAULT NULL,
  `insertions` int(11) DEFAULT NULL,
  `deletions` int(11) DEFAULT NULL,
  `author_name` varchar(256) DEFAULT NULL,
  `committer_name` varchar(256) DEFAULT NULL,
  `source` varchar(32) DEFAULT NULL,
  PRIMARY KEY (`sha`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""


def test_v1_1_commits_are_read_by_name_with_their_zone(tmp_path):
    """The extractor's v1.1 columns (extractor/databaseImport.py at 7a71694): a commit made at
    14:00 in +02:00 is stored as author_date 14:00 and author_tz -7200 (seconds west of UTC)."""
    path = write_dump(
        tmp_path,
        "INSERT INTO `commits` VALUES ('" + "a" * 40 + "','models/o/x','msg','2024-03-01 14:00:00',-7200,"
        "'2024-03-01 14:05:00',-7200,1,3,0,'Ann Example','GitHub','pydriller');\n",
        create=V11_COMMITS,
    )
    commits = {"commits": HFC_TABLES["commits"]}
    reader = SqlDumpReader(path, tables={"commits": _specs("commits")})
    assert [row for _, batch in reader.batches() for row in batch] == [
        ("a" * 40, "models/o/x", "Ann Example", "2024-03-01 14:00:00", "-7200", "GitHub", "2024-03-01 14:05:00", "-7200", "msg")
    ]
    assert list(commits["commits"])[:5] == ["sha", "repo_id", "author_name", "author_date", "author_tz"]


def _specs(table: str):
    from orchestration.defs.hfcommunity.reader import HFC_SCHEMA

    return tuple(HFC_SCHEMA[table].columns.values())


def test_a_v1_1_column_missing_from_its_table_is_named(tmp_path):
    path = write_dump(tmp_path, "", create=V11_COMMITS.replace("  `author_date` datetime DEFAULT NULL,\n", "").replace("`author_name`", "`committer_login`"))
    with pytest.raises(DumpError) as caught:
        list(SqlDumpReader(path, tables={"commits": _specs("commits")}).batches())
    assert caught.value.table == "commits" and caught.value.column == "author_name"
    assert "'author_name' or 'author'" in str(caught.value) and "'author_date' or 'timestamp'" in str(caught.value)


# -- loading the generated dump ------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hfc")
    generate_hfcommunity(out, seed=7, scale=0.2)
    return out


def test_generated_repo_ids_are_distinct_ignoring_case_and_kept_where_they_were():
    """Names repeat every 80**3 models (their stem's three syllables): at the Hub's size a seed
    gave two repos one id, which the raw gates blocked. Later repeats are renamed; distinct ids
    stay as they were, so a seed without repeats generates the same dump as before."""
    import numpy as np

    from orchestration.synthetic.hfcommunity import _distinct

    ids = np.array(["o/Mistral-7B-ledubi-v0.1", "p/x", "o/mistral-7b-ledubi-v0.1", "o/Mistral-7B-ledubi-v0.1"], dtype=object)
    out = _distinct(ids)
    assert list(out) == ["o/Mistral-7B-ledubi-v0.1", "p/x", "o/mistral-7b-ledubi-v0.1-2", "o/Mistral-7B-ledubi-v0.1-3"]
    assert len({i.lower() for i in out}) == len(out)
    distinct = np.array(["a/b", "c/d"], dtype=object)
    assert list(_distinct(distinct)) == ["a/b", "c/d"]


def test_generator_is_deterministic_and_writes_the_published_form(generated, tmp_path):
    again = tmp_path / "again"
    generate_hfcommunity(again, seed=7, scale=0.2)
    assert (again / SQL_DUMP_NAME).read_bytes() == (generated / SQL_DUMP_NAME).read_bytes()
    with zipfile.ZipFile(generated / SQL_DUMP_NAME) as archive:
        assert archive.namelist() == [SQL_MEMBER_NAME]
        text = archive.read(SQL_MEMBER_NAME).decode()
    # Every table of the extractor's v1.1 schema, declared as mysqldump prints it.
    for table in ("author", "commit_parents", "commits", "dataset", "discussion", "discussion_event", "files_in_commit",
                  "model", "modified_file", "repo_file", "repository", "space", "tag", "tags_in_repo"):  # fmt: skip
        assert f"CREATE TABLE `{table}` (" in text
    assert "`author_tz` int(11)" in text and "`id` char(64) NOT NULL" in text and "`created_at`" not in text.split("CREATE TABLE `repository`")[1].split(";")[0]
    for table in CSV_TABLES:
        assert (again / CSV_DIR_NAME / f"{table}.csv").read_bytes() == (generated / CSV_DIR_NAME / f"{table}.csv").read_bytes()


def test_the_zip_and_the_csv_export_load_the_same_rows_with_lineage(generated):
    loaded = {}
    for form, path in (("sql", generated / SQL_DUMP_NAME), ("csv", generated / CSV_DIR_NAME)):
        conn = duckdb.connect()
        result = load_hfcommunity_dump(conn, path, batch_rows=1_000)
        assert result.form == form and result.reloaded and result.accepted and result.schema_version == "v1.1"
        assert result.card_formats["yaml"] > 0 and set(result.card_formats) <= {"yaml", "none"}
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
        assert not again.reloaded and again.rows == result.rows and again.schema_version == "v1.1"
    assert loaded["sql"] == loaded["csv"]
    assert loaded["sql"]["repo_file"][0][0] != loaded["sql"]["repo_file"][1][0]


def test_v1_0_and_v1_1_dumps_of_the_same_content_load_the_same_facts(tmp_path):
    """The same Hub written in both schemas (commits at UTC: v1.0 kept no zone) loads the same
    commits (repo found through files_in_commit ⋈ file), authors, cards and files."""
    loaded = {}
    for version in ("v1.1", "v1.0"):
        out = tmp_path / version
        generate_hfcommunity(out, seed=11, scale=0.1, forms=("zip",), schema_version=version, time_zones=False)
        conn = duckdb.connect()
        result = load_hfcommunity_dump(conn, out / SQL_DUMP_NAME)
        assert result.schema_version == version
        loaded[version] = {
            "commits": conn.execute(
                "select sha, repo_id, author_name, author_date, message from raw.hfc_commits where repo_id like 'models/%' order by sha"
            ).fetchall(),
            "authors": conn.execute("select username, fullname, source from raw.hfc_author order by 1").fetchall(),
            "cards": conn.execute(
                "select id, card_base_model, card_base_model_relation, card_datasets, card_language from raw.hfc_repository order by id"
            ).fetchall(),
            "formats": conn.execute("select distinct card_format from raw.hfc_repository order by 1").fetchall(),
            "files": conn.execute("select repo_id, filename from raw.hfc_repo_file order by 1, 2").fetchall(),
            "zones": conn.execute("select count(author_tz) from raw.hfc_commits").fetchone()[0],
        }
    v11, v10 = loaded["v1.1"], loaded["v1.0"]
    for facts in ("commits", "authors", "cards", "files"):
        assert v11[facts] == v10[facts], facts
    assert v11["formats"] == [("none",), ("yaml",)] and v10["formats"] == [("dict",), ("none",)]
    assert v11["zones"] > 0 and v10["zones"] == 0


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


def test_the_csv_export_times_each_tables_load_and_a_sql_dump_none(generated):
    """load_seconds (the benchmark reads it from each table's materialization): one per table of
    the CSV export, whose tables are separate files; none for a SQL dump, which interleaves them."""
    from_csv = load_hfcommunity_dump(duckdb.connect(), generated / CSV_DIR_NAME)
    assert set(from_csv.load_seconds) == set(HFC_TABLES) and all(s > 0 for s in from_csv.load_seconds.values())
    assert load_hfcommunity_dump(duckdb.connect(), generated / SQL_DUMP_NAME).load_seconds == {}


def test_an_audit_that_fails_or_rejects_leaves_raw_as_it_was_and_no_loading_table(generated):
    """The loading tables are committed before the audits read them: an audit that raises, or a
    rejection, drops them again, and what an audit wrote (a quarantine) goes with the load."""
    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    conn.execute("create table quarantined (source varchar)")
    before = conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone()

    def failing(_conn, table, loading_table):
        assert _conn.execute(f"select count(*) from {loading_table}").fetchone()[0] > 0
        _conn.execute("insert into quarantined values (?)", [table])
        if table == "commits":
            raise RuntimeError("the suite could not be read")
        return True

    with pytest.raises(RuntimeError, match="could not be read"):
        load_hfcommunity_dump(conn, generated / CSV_DIR_NAME, audit=failing)
    def rejecting(_conn, table, _loading_table):
        _conn.execute("insert into quarantined values (?)", [table])
        return table != "model"

    assert not load_hfcommunity_dump(conn, generated / CSV_DIR_NAME, audit=rejecting).accepted
    assert conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone() == before
    assert conn.execute("select count(*) from quarantined").fetchone() == (0,)
    assert conn.execute("select count(*) from information_schema.tables where table_name like '_loading%'").fetchone() == (0,)


def test_loading_tables_a_killed_run_left_are_replaced_by_the_next_load(generated):
    """A run killed between the two transactions leaves its committed loading tables beside
    raw.hfc_*, which they never touched; the next load writes its own over them."""
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute("create table raw._loading_hfc_commits as select 'stale' as sha")
    result = load_hfcommunity_dump(conn, generated / CSV_DIR_NAME)
    assert result.accepted
    assert conn.execute("select count(*) from raw.hfc_commits where sha = 'stale'").fetchone() == (0,)
    assert conn.execute("select count(*) from raw.hfc_commits").fetchone() == (result.rows["commits"],)
    assert conn.execute("select count(*) from information_schema.tables where table_name like '_loading%'").fetchone() == (0,)


def test_the_csv_export_numbers_its_rows_in_file_order_once_committed(generated, tmp_path):
    """`_source_row` is set after the commit that wrote the rows (rowid is transaction-local
    before it): 1..n in the file's order, here across DuckDB row groups (122,880 rows) and the
    parallel CSV reader's chunks, checked against each line's own number."""
    export = tmp_path / "csv"
    shutil.copytree(generated / CSV_DIR_NAME, export)
    tags = export / "tags_in_repo.csv"
    header = tags.read_text().splitlines()[0]
    assert header.split(",") == ["tag_name", "repo_id"]
    n = 300_000
    tags.write_text(header + "\n" + "".join(f"t{i},org/repo-{i}\n" for i in range(1, n + 1)))
    conn = duckdb.connect()
    conn.execute("set threads = 2")
    result = load_hfcommunity_dump(conn, export)
    assert result.accepted and result.rows["tags_in_repo"] == n
    assert conn.execute(
        "select count(*), min(_source_row), max(_source_row), count(*) filter (where tag_name <> 't' || _source_row) "
        "from raw.hfc_tags_in_repo"
    ).fetchone() == (n, 1, n, 0)


def test_numbering_that_fails_drops_every_loading_table_and_leaves_raw(generated):
    """The numbering runs in its own transaction between the load and the audit: if it fails
    (here a loading table has gone), the loading tables are dropped and raw is as it was."""
    from orchestration.defs.hfcommunity import reader

    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    before = conn.execute("select count(*), min(_loaded_at), sum(_source_row) from raw.hfc_commits").fetchone()
    for table, columns in HFC_TABLES.items():
        if table != "model":
            conn.execute(f"create table raw._loading_hfc_{table} as select _source_row from raw.hfc_{table}")
    with pytest.raises(duckdb.CatalogException, match="_loading_hfc_model"):
        reader._number_csv_rows(conn, dict.fromkeys(HFC_TABLES, 0.0))
    assert conn.execute("select count(*) from information_schema.tables where table_name like '_loading%'").fetchone() == (0,)
    assert conn.execute("select count(*), min(_loaded_at), sum(_source_row) from raw.hfc_commits").fetchone() == before


def test_a_csv_export_is_not_loaded_without_insertion_order(generated):
    """Without preserve_insertion_order the rows' positions would be lost: refused before any
    file is read, raw kept, no loading table left."""
    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / CSV_DIR_NAME)
    before = conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone()
    conn.execute("set preserve_insertion_order = false")
    with pytest.raises(DumpError, match="preserve_insertion_order is off") as caught:
        load_hfcommunity_dump(conn, generated / CSV_DIR_NAME, reload=True)
    assert str(generated / CSV_DIR_NAME) in str(caught.value)
    assert conn.execute("select count(*), min(_loaded_at) from raw.hfc_commits").fetchone() == before
    assert conn.execute("select count(*) from information_schema.tables where table_name like '_loading%'").fetchone() == (0,)


def test_a_csv_export_missing_a_column_names_file_and_column(generated, tmp_path):
    export = tmp_path / "csv"
    export.mkdir()
    for table in CSV_TABLES:
        text = (generated / CSV_DIR_NAME / f"{table}.csv").read_text(encoding="utf-8")
        if table == "commits":
            text = text.replace("author_date", "authored", 1)
        (export / f"{table}.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DumpError) as caught:
        load_hfcommunity_dump(duckdb.connect(), export)
    assert caught.value.path == export / "commits.csv" and caught.value.column == "author_date"


def _export_with(generated: Path, tmp_path: Path, table: str, edit) -> Path:
    export = tmp_path / "csv"
    export.mkdir()
    for name in CSV_TABLES:
        text = (generated / CSV_DIR_NAME / f"{name}.csv").read_text(encoding="utf-8")
        (export / f"{name}.csv").write_text(edit(text) if name == table else text, encoding="utf-8")
    return export


def test_a_header_line_with_a_byte_order_mark_mid_file_is_found_after_duckdb_loads_it(generated, tmp_path):
    """The second export's header line starts with a BOM: DuckDB loads it as a row whose first
    field is BOM + `tag_name`, which still sends the file to the line-by-line check."""
    def append_export(text: str) -> str:
        header, *lines = text.splitlines(keepends=True)
        return header + "".join(lines[:3]) + "\ufeff" + header + "".join(lines[3:])
    export = _export_with(generated, tmp_path, "tags_in_repo", append_export)
    with pytest.raises(SourceFileError) as caught:
        load_hfcommunity_dump(duckdb.connect(), export)
    assert caught.value.path == export / "tags_in_repo.csv" and caught.value.row == 4
    assert "line 5 repeats the header line" in str(caught.value)


def test_a_value_that_is_a_column_name_is_data_not_a_header_line(generated, tmp_path):
    """A tag named `repo_id` is a row whose first field is a column name, not a header line:
    the line-by-line check runs (the suspicion) and finds none, and the row loads."""
    def add_tag(text: str) -> str:
        header, first, *rest = text.splitlines(keepends=True)
        return header + first + "repo_id," + first.split(",", 1)[1] + "".join(rest)
    export = _export_with(generated, tmp_path, "tags_in_repo", add_tag)
    conn = duckdb.connect()
    assert load_hfcommunity_dump(conn, export).accepted
    assert conn.execute("select _source_row from raw.hfc_tags_in_repo where tag_name = 'repo_id'").fetchall() == [(2,)]


# -- the blocking suites -------------------------------------------------------------------------


def test_a_staging_key_left_to_the_raw_gate_is_exactly_what_the_gate_holds(generated):
    """A staging column whose not_null and unique tests are left to the raw gate (meta
    held_by_raw_gate, so the Hub-sized view is not scanned twice for one rule) is its raw column
    through trim() alone, and the raw suite holds that column not null, unique, and to a pattern
    that no value with a space at either end matches: trim() (spaces only, in DuckDB and Spark)
    is then the identity, and the staging values are as unique as the raw ones."""
    import json
    import re

    from orchestration.settings import EXPECTATIONS_DIR
    from tests.mart_docs import load_manifest

    manifest = load_manifest()
    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    held = {}
    for node in manifest["nodes"].values():
        for column in node.get("columns", {}).values():
            raw_column = (column.get("config") or {}).get("meta", {}).get("held_by_raw_gate")
            if raw_column is not None:
                held[(node["name"], column["name"])] = (node, raw_column)
    assert set(held) == {("stg_hfc_commits", "sha"), ("stg_hfc_repo_file", "file_id"), ("stg_hfc_repository", "repo_id")}
    tested = {(test["attached_node"].split(".")[-1], test.get("column_name")) for test in manifest["nodes"].values()
              if test["resource_type"] == "test" and test.get("attached_node")}  # fmt: skip
    for (model, column), (node, raw_column) in held.items():
        assert (model, column) not in tested, f"{model}.{column} is left to the raw gate, not tested again"
        (source,) = node["sources"]
        raw_table = source[-1]
        assert re.search(rf"\btrim\({raw_column}\) as {column}\b", node["raw_code"]), f"{model}.{column} is trim({raw_column})"
        suite = json.loads((EXPECTATIONS_DIR / f"raw_{raw_table}.json").read_text())
        on_column = {e["type"]: e["kwargs"] for e in suite["expectations"] if e["kwargs"].get("column") == raw_column}
        assert {"expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"} <= set(on_column), raw_table
        pattern = re.compile(on_column["expect_column_values_to_match_regex"]["regex"])
        values = [value for (value,) in conn.execute(f"select {raw_column} from raw.{raw_table}").fetchall()]
        assert values and all(pattern.search(value) for value in values)
        assert not any(pattern.search(padded) for value in values for padded in (f" {value}", f"{value} ", f"{value}\n "))


def test_a_row_number_left_to_the_loader_is_one_to_n_in_every_form(generated):
    """A staging `_source_row` whose not_null and unique tests are left to the loader (meta
    held_by_loader) is its raw column passed through a view of one raw.hfc_ table and nothing
    else (no join, no union), and the loader numbers every table 1..n, distinct, in both the
    SQL dump and the CSV export: raw.hfc_* is only ever a whole table the loader wrote and
    swapped in (a quarantine deletes rows, which keeps the rest distinct)."""
    import re

    from tests.mart_docs import load_manifest

    manifest = load_manifest()
    held = {
        node["name"]: node
        for node in manifest["nodes"].values()
        for column in node.get("columns", {}).values()
        if (column.get("config") or {}).get("meta", {}).get("held_by_loader") == "load_hfcommunity_dump"
        and column["name"] == "_source_row"
    }
    assert set(held) == {f"stg_hfc_{table}" for table in HFC_TABLES}
    tested = {(test["attached_node"].split(".")[-1], test.get("column_name")) for test in manifest["nodes"].values()
              if test["resource_type"] == "test" and test.get("attached_node")}  # fmt: skip
    for model, node in held.items():
        assert (model, "_source_row") not in tested, f"{model}._source_row is left to the loader, not tested again"
        assert node["sources"] == [["raw", f"hfc_{model.removeprefix('stg_hfc_')}"]] and node["refs"] == []
        code = node["raw_code"]
        assert code.count("source(") == 1 and not re.search(r"\b(join|union)\b", code, re.IGNORECASE), model
        assert re.search(r"^\s*_source_row\s*$", code, re.MULTILINE), f"{model} passes _source_row through as it is"
    for form in (SQL_DUMP_NAME, CSV_DIR_NAME):
        conn = duckdb.connect()
        load_hfcommunity_dump(conn, generated / form, batch_rows=1_000)
        for table in HFC_TABLES:
            rows, distinct, nulls, first, last = conn.execute(
                f"select count(*), count(distinct _source_row), count(*) - count(_source_row), min(_source_row), "
                f"max(_source_row) from raw.hfc_{table}"
            ).fetchone()
            assert rows > 0 and (distinct, nulls, first, last) == (rows, 0, 1, rows), (form, table)


def test_every_suite_passes_on_the_generated_dump_and_names_bad_rows(generated):
    from orchestration.checks.raw_checks import HFC_RAW_SOURCES, validate_raw_table

    conn = duckdb.connect()
    load_hfcommunity_dump(conn, generated / SQL_DUMP_NAME)
    for name in HFC_RAW_SOURCES:
        outcome = validate_raw_table(conn, name, f"raw.{name}")
        assert outcome.success, outcome.summary
    conn.execute("update raw.hfc_commits set author_date = 'yesterday' where _source_row = 17")
    conn.execute("update raw.hfc_commits set author_tz = '+02:00' where _source_row = 18")
    conn.execute("update raw.hfc_discussion set status = 'archived' where _source_row = 3")
    commits = validate_raw_table(conn, "hfc_commits", "raw.hfc_commits")
    discussions = validate_raw_table(conn, "hfc_discussion", "raw.hfc_discussion")
    assert not commits.success and not discussions.success
    failed = {f.column: [s.source_row for s in f.sample_rows] for f in commits.failed_expectations}
    assert failed == {"author_date": [17], "author_tz": [18]}
    assert "row 17" in commits.summary and SQL_MEMBER_NAME in commits.summary  # the dump inside the zip
    assert [(f.column, [s.value for s in f.sample_rows]) for f in discussions.failed_expectations] == [("status", ["archived"])]
