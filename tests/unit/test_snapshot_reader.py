"""The snapshot reader: lineage, idempotency, and clear errors naming file, row and column; the
v1 dataset's own parquet read onto the same raw columns as the final table."""

from pathlib import Path

import duckdb
import pytest

from orchestration.loading import LINEAGE_COLUMNS, SourceFileError
from orchestration.defs.paper_snapshot.reader import (
    COMMIT_DATA,
    LEADERBOARD,
    LEADERBOARD_LAYOUTS,
    LEADERBOARD_V1_DATASET,
    LEADERBOARD_V1_FINAL,
    REPO_DETAILS,
    load_snapshot_file,
    matching_layouts,
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


# -- structure across the whole file (the bad-input corpus has a case of each kind per reader) -------

# A record whose quoted authors span three lines, the middle one reading like the header.
SPANNING_ROW = '2,org/c,1,1,2024-01-01 00:00:00+00:00,2024-01-01 00:00:00+00:00,"[\'a\',\n' + COMMIT_HEADER + ']"\n'


def test_a_quoted_field_spanning_lines_is_data_and_rows_are_counted_as_records(conn, tmp_path):
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS + SPANNING_ROW)
    assert load_snapshot_file(conn, COMMIT_DATA, path).rows == 3
    assert conn.execute("select authors from raw.commit_data where _source_row = 3").fetchone() == (
        "['a',\n" + COMMIT_HEADER + "]",
    )
    write(path, COMMIT_HEADER + COMMIT_ROWS + SPANNING_ROW + COMMIT_HEADER)  # physical line 7, row 4
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert (error.value.row, error.value.column) == (4, "name")
    assert "line 7 repeats the header line" in str(error.value)


def test_a_quote_inside_an_unquoted_field_is_a_character_not_the_start_of_a_spanning_field(conn, tmp_path):
    """DuckDB loads `x"y` as it is: the rows after it are records of their own, and a header
    line among them is found at its row."""
    stray = '2,org/c,1,1,2024-01-01 00:00:00+00:00,2024-01-01 00:00:00+00:00,x"y\n'
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS + stray + COMMIT_ROWS)
    assert load_snapshot_file(conn, COMMIT_DATA, path).rows == 5
    write(path, COMMIT_HEADER + COMMIT_ROWS + stray + COMMIT_HEADER)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert error.value.row == 4 and "line 5 repeats the header line" in str(error.value)


def test_a_second_export_with_its_byte_order_mark_is_found(conn, tmp_path):
    """`cat a.csv b.csv` of two exports that each begin with a BOM."""
    export = "\ufeff" + COMMIT_HEADER + COMMIT_ROWS
    path = write(tmp_path / "commit_data.csv", (export + export).encode("utf-8"))
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert error.value.row == 3 and "line 4 repeats the header line" in str(error.value)


def test_rows_of_empty_fields_or_holding_some_column_names_are_data(conn, tmp_path):
    """Only a row made of column names is a header line: not one of empty fields (the index
    column is unnamed), nor one holding column names beside empty fields or other values."""
    rows = ",,,,,,\n" ",name,authors,,,,\n" ",org/d,name,num_of_authors,first_commit,last_commit,authors\n"
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS + rows)
    assert load_snapshot_file(conn, COMMIT_DATA, path).rows == 5


def test_a_header_line_in_another_order_names_where_it_departs(conn, tmp_path):
    other_order = COMMIT_HEADER.replace("first_commit,last_commit", "last_commit,first_commit")
    path = write(tmp_path / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS + other_order + COMMIT_ROWS)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, COMMIT_DATA, path)
    assert (error.value.row, error.value.column) == (3, "first_commit")
    assert "line 4 is a header line, not data" in str(error.value)
    assert "its column 5 is 'last_commit' where the header has 'first_commit'" in str(error.value)
    tables = "select count(*) from information_schema.tables where table_name = 'commit_data'"
    assert conn.execute(tables).fetchone() == (0,), "nothing of the file is loaded"


def test_a_parquet_schema_naming_a_column_twice_names_both_positions(conn, tmp_path):
    import pyarrow.parquet as pq

    path = v1_parquet(tmp_path / "leaderboard_v1.parquet")
    table = pq.read_table(path)
    pq.write_table(table.append_column("ARC", table.column("ARC")), path)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD_V1_DATASET, path)
    assert (error.value.row, error.value.column) == (0, "ARC")
    positions = f"{table.column_names.index('ARC') + 1} and {table.num_columns + 1}"
    assert f"the header names column 'ARC' twice, at positions {positions}" in str(error.value)


# -- the two v1 leaderboard layouts ----------------------------------------------------------------

SCRAPE_HEADER = ";".join(LEADERBOARD.columns) + "\r\n"
SCRAPE_ROW = (
    "🤝;https://huggingface.co/org/Merge-7B;71.5;68.0;86.1;64.2;60.3;80.9;69.5;🤝 base merges and moerges;"
    "MistralForCausalLM;Original;bfloat16;False;apache-2.0;7.0;12.0;True;"
    "aa4d9084fcfb69afff6b2bac5c1350bf29a159cb;True;True;org/Merge-7B\r\n"
)
FINAL_HEADER = (
    "t,model,average,arc,hellaswag,mmlu,truthfulqa,winogrande,gsm8k,type,architecture,weight_type,"
    "precision,merged,hub_license,params_b,hub_hearts,available_on_the_hub,model_sha,flagged,moe,date,"
    "fullname,url\n"
)
FINAL_ROWS = (
    "🤝,org/Merge-7B,71.5,68,86.1,64.2,60.3,80.9,69.5,🤝 base merges and moerges,MistralForCausalLM,"
    "Original,bfloat16,FALSE,apache-2.0,7,12,TRUE,aa4d9084fcfb69afff6b2bac5c1350bf29a159cb,TRUE,TRUE,"
    "2024-05-05T12:22:44Z,org/Merge-7B,https://huggingface.co/org/Merge-7B\n"
    '💬,org/chat,60,55,80,50,45,75,55,"💬 chat models (RLHF, DPO, IFT, ...)",LlamaForCausalLM,Original,'
    'float16,TRUE,"",13,0,FALSE,"",FALSE,TRUE,"",org/chat,https://huggingface.co/org/chat\n'
)


def test_every_layout_gives_raw_leaderboard_the_same_columns():
    assert LEADERBOARD.raw_columns == LEADERBOARD_V1_FINAL.raw_columns == LEADERBOARD_V1_DATASET.raw_columns
    assert LEADERBOARD.raw_columns[-1] == "evaluated_at"
    assert LEADERBOARD.name == LEADERBOARD_V1_FINAL.name == LEADERBOARD_V1_DATASET.name == "leaderboard"
    assert LEADERBOARD_LAYOUTS == {"paper_scrape": LEADERBOARD, "final_table": LEADERBOARD_V1_FINAL,
                                   "dataset_parquet": LEADERBOARD_V1_DATASET}
    # each says how it spells merged / flagged / MoE: all three store them inverted
    assert {spec.flag_polarity for spec in LEADERBOARD_LAYOUTS.values()} == {"inverted"}


def test_the_scrape_loads_with_a_null_evaluation_date(conn, tmp_path):
    path = write(tmp_path / "leaderboard.csv", SCRAPE_HEADER + SCRAPE_ROW)
    result = load_snapshot_file(conn, LEADERBOARD, path)
    assert (result.rows, result.extra_columns) == (1, ())
    columns = [d[0] for d in conn.execute("select * from raw.leaderboard").description]
    assert columns == [*LEADERBOARD.raw_columns, *LINEAGE_COLUMNS]
    row = conn.execute("select merged, flagged, params_b, evaluated_at from raw.leaderboard").fetchone()
    assert row == ("False", "True", "7.0", None)
    types = dict(conn.execute("select column_name, data_type from information_schema.columns "
                              "where table_name = 'leaderboard'").fetchall())
    assert types["evaluated_at"] == "VARCHAR"


def test_the_final_table_loads_onto_the_scrapes_columns_as_text(conn, tmp_path):
    path = write(tmp_path / "v1_2024-07-07.csv", FINAL_HEADER + FINAL_ROWS)
    result = load_snapshot_file(conn, LEADERBOARD_V1_FINAL, path)
    assert result.rows == 2
    assert result.extra_columns == ("extra_model",)  # read, not loaded
    columns = [d[0] for d in conn.execute("select * from raw.leaderboard").description]
    assert columns == [*LEADERBOARD.raw_columns, *LINEAGE_COLUMNS]
    rows = conn.execute(
        "select model_name_for_query, model_hub_url, type, type_string, merged, flagged, params_b, hub_likes, "
        "available_on_hub, hub_license, model_sha, evaluated_at, _source_row from raw.leaderboard order by _source_row"
    ).fetchall()
    assert rows[0] == (
        "org/Merge-7B", "https://huggingface.co/org/Merge-7B", "🤝", "🤝 base merges and moerges", "FALSE", "TRUE",
        "7", "12", "TRUE", "apache-2.0", "aa4d9084fcfb69afff6b2bac5c1350bf29a159cb", "2024-05-05T12:22:44Z", 1,
    )
    # empty fields, quoted or not, are null; a quoted comma stays inside its field
    assert rows[1][3] == "💬 chat models (RLHF, DPO, IFT, ...)"
    assert (rows[1][9], rows[1][10], rows[1][11]) == (None, None, None)


def test_a_scrape_given_as_the_final_table_names_file_and_missing_columns(conn, tmp_path):
    path = write(tmp_path / "leaderboard.csv", SCRAPE_HEADER + SCRAPE_ROW)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD_V1_FINAL, path)
    message = str(error.value)
    assert str(path) in message
    assert (error.value.row, error.value.column) == (0, "t")
    for column in ("'t'", "'url'", "'hub_hearts'", "'fullname'", "'date'"):
        assert column in message
    assert "delimiter ','" in message  # the whole `;` header reads as one column


def test_a_final_table_missing_a_column_names_it(conn, tmp_path):
    path = write(tmp_path / "final.csv", FINAL_HEADER.replace(",date,", ",evaluated,") + FINAL_ROWS)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD_V1_FINAL, path)
    assert error.value.column == "date"
    assert str(path) in str(error.value) and "missing column(s) 'date'" in str(error.value)


def test_the_final_table_given_as_the_scrape_names_file_and_columns(conn, tmp_path):
    path = write(tmp_path / "leaderboard.csv", FINAL_HEADER + FINAL_ROWS)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD, path)
    assert str(path) in str(error.value) and "'ModelHub'" in str(error.value) and "'Average ⬆️'" in str(error.value)


def test_matching_layouts(tmp_path):
    scrape = write(tmp_path / "scrape.csv", SCRAPE_HEADER + SCRAPE_ROW)
    final = write(tmp_path / "final.csv", FINAL_HEADER + FINAL_ROWS)
    layouts = list(LEADERBOARD_LAYOUTS.values())
    assert matching_layouts(scrape, layouts) == [LEADERBOARD]
    assert matching_layouts(final, layouts) == [LEADERBOARD_V1_FINAL]
    assert matching_layouts(tmp_path / "missing.csv", layouts) == []


def test_switching_layouts_replaces_the_table(conn, tmp_path):
    scrape = write(tmp_path / "leaderboard.csv", SCRAPE_HEADER + SCRAPE_ROW)
    final = write(tmp_path / "final.csv", FINAL_HEADER + FINAL_ROWS)
    load_snapshot_file(conn, LEADERBOARD, scrape)
    assert load_snapshot_file(conn, LEADERBOARD_V1_FINAL, final).rows == 2
    assert conn.execute("select count(evaluated_at) from raw.leaderboard").fetchone() == (1,)
    assert load_snapshot_file(conn, LEADERBOARD, scrape).reloaded is True
    assert conn.execute("select count(evaluated_at), count(*) from raw.leaderboard").fetchone() == (0, 1)


def test_a_table_of_an_older_shape_is_reloaded_even_for_the_same_file(conn, tmp_path):
    """raw.leaderboard written before evaluated_at existed holds the same file (same checksum),
    but not the columns staging reads: it is loaded again, not kept."""
    path = write(tmp_path / "leaderboard.csv", SCRAPE_HEADER + SCRAPE_ROW)
    load_snapshot_file(conn, LEADERBOARD, path)
    conn.execute("alter table raw.leaderboard drop column evaluated_at")
    again = load_snapshot_file(conn, LEADERBOARD, path)
    assert again.reloaded is True
    columns = [d[0] for d in conn.execute("select * from raw.leaderboard").description]
    assert columns == [*LEADERBOARD.raw_columns, *LINEAGE_COLUMNS]
    assert load_snapshot_file(conn, LEADERBOARD, path).reloaded is False


# -- the v1 dataset's parquet (open-llm-leaderboard-old/contents) -----------------------------------


def final_csv_columns() -> dict[str, list[str]]:
    import csv
    import io

    header, *rows = list(csv.reader(io.StringIO(FINAL_HEADER + FINAL_ROWS)))
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


def v1_parquet(path: Path, columns: dict[str, list[str]] | None = None, **changes) -> Path:
    """The final table's rows as the dataset's parquet (leaderboard_parquet's documented schema)."""
    import pyarrow.parquet as pq

    from orchestration.defs.hub_api.leaderboard_parquet import v1_dataset_table

    table = v1_dataset_table(columns or final_csv_columns())
    for name, values in changes.items():
        table = table.set_column(table.column_names.index(name), name, values)
    pq.write_table(table, path)
    return path


def test_the_dataset_parquet_loads_the_same_raw_text_as_the_final_table(conn, tmp_path):
    """Same rows, two layouts: every raw column equal, the Hub URL taken from the `Model`
    anchor's href, booleans TRUE/FALSE, whole numbers without `.0`, empty text as null."""
    final = write(tmp_path / "final.csv", FINAL_HEADER + FINAL_ROWS)
    parquet = v1_parquet(tmp_path / "leaderboard_v1.parquet")
    columns = ", ".join(LEADERBOARD.raw_columns)
    load_snapshot_file(conn, LEADERBOARD_V1_FINAL, final)
    expected = conn.execute(f"select {columns}, _source_row from raw.leaderboard order by _source_row").fetchall()
    result = load_snapshot_file(conn, LEADERBOARD_V1_DATASET, parquet)
    assert (result.rows, result.reloaded) == (2, True)
    assert result.extra_columns == ("extra_eval_name", "extra_chat_template", "extra_maintainers_choice")
    assert conn.execute(f"select {columns}, _source_row from raw.leaderboard order by _source_row").fetchall() == expected
    assert conn.execute("select distinct _source_file from raw.leaderboard").fetchall() == [(str(parquet),)]
    assert expected[0][1] == "https://huggingface.co/org/Merge-7B" and expected[0][13] == "FALSE"


def test_the_dataset_parquet_is_gated_by_the_final_tables_suite(conn, tmp_path):
    from orchestration.checks.raw_checks import raw_suite_name, validate_raw_table

    assert raw_suite_name("leaderboard", "dataset_parquet") == raw_suite_name("leaderboard", "final_table")
    load_snapshot_file(conn, LEADERBOARD_V1_DATASET, v1_parquet(tmp_path / "leaderboard_v1.parquet"))
    outcome = validate_raw_table(conn, "leaderboard", "raw.leaderboard", layout="dataset_parquet")
    assert outcome.success, outcome.summary


def test_a_dataset_parquet_missing_a_column_names_file_row_and_column(conn, tmp_path):
    import pyarrow.parquet as pq

    path = v1_parquet(tmp_path / "leaderboard_v1.parquet")
    pq.write_table(pq.read_table(path).drop_columns(["Hub \u2764\ufe0f"]), path)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD_V1_DATASET, path)
    assert (error.value.path, error.value.row, error.value.column) == (path, 0, "Hub \u2764\ufe0f")
    assert "delimiter" not in str(error.value)
    not_parquet = write(tmp_path / "final.parquet", FINAL_HEADER + FINAL_ROWS)
    with pytest.raises(SourceFileError) as error:
        load_snapshot_file(conn, LEADERBOARD_V1_DATASET, not_parquet)
    assert error.value.row == 0 and "cannot be read as parquet" in str(error.value)


def test_matching_layouts_tells_the_parquet_from_the_csv_layouts(tmp_path):
    layouts = list(LEADERBOARD_LAYOUTS.values())
    parquet = v1_parquet(tmp_path / "leaderboard_v1.parquet")
    assert matching_layouts(parquet, layouts) == [LEADERBOARD_V1_DATASET]
    assert matching_layouts(write(tmp_path / "final.csv", FINAL_HEADER + FINAL_ROWS), layouts) == [LEADERBOARD_V1_FINAL]


def test_a_layout_in_true_polarity_is_stored_inverted_in_raw(conn, tmp_path):
    """The polarity is declared per layout: a layout whose file spells the flags truly (True =
    merged / flagged / MoE) has them swapped on load, so raw.leaderboard keeps one convention
    and staging's un-inversion stays right."""
    from dataclasses import replace

    import pyarrow as pa

    inverted = v1_parquet(tmp_path / "inverted.parquet")
    load_snapshot_file(conn, LEADERBOARD_V1_DATASET, inverted)
    expected = conn.execute("select merged, flagged, moe from raw.leaderboard order by _source_row").fetchall()
    assert expected == [("FALSE", "TRUE", "TRUE"), ("TRUE", "FALSE", "TRUE")]
    true = v1_parquet(tmp_path / "true.parquet", **{
        name: pa.array([value == "FALSE" for value in final_csv_columns()[name.lower()]])
        for name in ("Merged", "Flagged", "MoE")
    })
    load_snapshot_file(conn, replace(LEADERBOARD_V1_DATASET, flag_polarity="true"), true)
    assert conn.execute("select merged, flagged, moe from raw.leaderboard order by _source_row").fetchall() == expected


def test_the_dataset_parquet_path_is_taken_literally(conn, tmp_path):
    literal, sibling = tmp_path / "v1[a]", tmp_path / "v1a"
    literal.mkdir()
    sibling.mkdir()
    columns = final_csv_columns()
    v1_parquet(sibling / "leaderboard_v1.parquet", {k: v[:1] for k, v in columns.items()})
    path = v1_parquet(literal / "leaderboard_v1.parquet")
    assert load_snapshot_file(conn, LEADERBOARD_V1_DATASET, path).rows == 2


# Directory names a user's paths may hold; each has a sibling the name would match as a glob.
AWKWARD_DIRECTORIES = ("runs[1]", "runs[a-z]", "star*", "what?", "with space", "it's \"quoted\"", "new\nline")


@pytest.mark.parametrize("name", AWKWARD_DIRECTORIES)
def test_a_path_is_read_literally_never_as_a_pattern(conn, tmp_path, name):
    """DuckDB's readers expand `[`, `*`, `?` in a path: `runs[1]/commit_data.csv` would read
    `runs1/commit_data.csv`. Every loader passes the path literally, so the rows are this
    file's, as its lineage says, and a sibling's file is never read."""
    from orchestration.defs.hfcommunity.reader import load_hfcommunity_dump
    from orchestration.defs.leaderboard_v2.reader import load_weekly_snapshots, snapshot_date_of, sunday_week_start

    directory = tmp_path / name
    directory.mkdir()
    for sibling in ("runs1", "runsb", "star-x", "whatx"):
        (tmp_path / sibling).mkdir(exist_ok=True)
        write(tmp_path / sibling / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS.replace("org/", "sibling/"))
    path = write(directory / "commit_data.csv", COMMIT_HEADER + COMMIT_ROWS)
    load_snapshot_file(conn, COMMIT_DATA, path)
    assert conn.execute("select distinct split_part(name, '/', 1), _source_file from raw.commit_data").fetchall() == [
        ("org", str(path))
    ]
    # The weekly v2 reader and the HFCommunity CSV export, in the same directory.
    from tests.unit.test_leaderboard_v2_reader import REAL_FILES

    real = REAL_FILES[0]
    copy = directory / real.name
    copy.write_bytes(real.read_bytes())
    (tmp_path / "runs1" / real.name).write_bytes(REAL_FILES[1].read_bytes())  # a different week's rows
    week = sunday_week_start(snapshot_date_of(copy))
    assert load_weekly_snapshots(conn, [copy], week).rows > 0
    assert conn.execute("select distinct _source_file, snapshot_date from raw.leaderboard_v2").fetchall() == [
        (str(copy), snapshot_date_of(real))
    ]
    from orchestration.synthetic.hfcommunity import CSV_DIR_NAME, generate_hfcommunity

    generate_hfcommunity(directory / "hfc", seed=3, scale=0.02, forms=("csv",))
    result = load_hfcommunity_dump(conn, directory / "hfc" / CSV_DIR_NAME)
    assert result.rows["commits"] > 0
    assert {f for (f,) in conn.execute("select distinct _source_file from raw.hfc_commits").fetchall()} == {
        str(directory / "hfc" / CSV_DIR_NAME / "commits.csv")
    }
