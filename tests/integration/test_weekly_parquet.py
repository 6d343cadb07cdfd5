"""The weekly v2 leaderboard from the dataset's own parquet (`open-llm-leaderboard/contents`,
`huggingface_v2_<date>.parquet`, what the Hugging Face connector lands): the same generated pulls
read from their scraped CSV (the session's generated_build) and from the dataset's parquet give the
same staging rows and the same weekly marts, through the real weekly job.

Three files of two weeks, each written in one of the dataset's three documented layouts
(leaderboard_parquet.py, never through the loader): 2024-11-22 as parquet_2024_11 (`Not_Merged`,
`Maintainer's Highlight`, flags inverted), 2024-12-01 as parquet_2024_12a (`Official Providers`),
2024-12-07 as parquet_2024_12b (`Merged`, flags true). Their CSVs are page scrapes (three header
versions, flags inverted), whose type text is the parquet's; an API-era CSV spells the type as the
backend's label (`chatmodels`), which staging's declared_type keeps (tests/unit/
test_leaderboard_v2_reader.py covers those weeks)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.synthetic.weekly import file_name, write_weekly_v2_parquet
from tests.integration.harness import check_evaluations, published_weekly_marts, run_failures, run_weekly

LAYOUTS = {"2024-11-22": "parquet_2024_11", "2024-12-01": "parquet_2024_12a", "2024-12-07": "parquet_2024_12b"}
FIRST_WEEK, LAST_WEEK = "2024-11-17", "2024-12-01"  # 2024-11-24 has no file, as in the CSV pulls


@pytest.fixture(scope="module")
def parquet_weeks(generated_build, tmp_path_factory):
    """A copy of the session's generated build whose landing directory holds the three pulls as
    the dataset's parquet; the weekly job run over their weeks (one run): (settings, run)."""
    root = tmp_path_factory.mktemp("weekly_parquet")
    csv_dir = generated_build.settings.weekly_source_dir
    landing = root / "landing"
    for day, layout in LAYOUTS.items():
        write_weekly_v2_parquet(csv_dir / file_name(day), landing, layout)
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = generated_build.copy(root / "copy", monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))
        result = run_weekly(settings, None, FIRST_WEEK, LAST_WEEK)
    return settings, result


def _rows(database, query: str, parameters=()) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(query, list(parameters)).fetchall()


def test_the_parquet_weeks_are_loaded_in_their_layouts(parquet_weeks):
    settings, result = parquet_weeks
    assert result.success, run_failures(result)
    assert check_evaluations(result)["raw/leaderboard_v2:leaderboard_v2_header_known"].passed
    held = _rows(settings.working_duckdb_path,
                 "select snapshot_date::varchar, header_version, _source_file, count(*) from raw.leaderboard_v2 "
                 "where snapshot_week between ? and ? group by all order by 1", (FIRST_WEEK, LAST_WEEK))
    assert [(day, version) for day, version, _, _ in held] == list(LAYOUTS.items())
    assert all(source.endswith(".parquet") for _, _, source, _ in held)


def test_csv_and_parquet_give_the_same_staging_rows(parquet_weeks, generated_build):
    """Every typed value of every evaluation, flags included: the CSVs' inverted flags and the
    parquet's inverted (before 2024-12-10) and true (after) flags agree after the seed's inversion."""
    settings, _ = parquet_weeks
    query = ("select * exclude (header_version, _source_file) from staging.stg_leaderboard_v2 "
             "where snapshot_week between ? and ? order by snapshot_date, _source_row")
    ours = _rows(settings.working_duckdb_path, query, (FIRST_WEEK, LAST_WEEK))
    theirs = _rows(generated_build.settings.working_duckdb_path, query, (FIRST_WEEK, LAST_WEEK))
    assert len(ours) == len(theirs) > 1000
    assert ours == theirs
    flags = _rows(settings.working_duckdb_path,
                  "select header_version, count(*) filter (where is_merged), count(*) filter (where is_moe), "
                  "count(*) filter (where is_official_provider), count(*) filter (where not is_available_on_hub) "
                  "from staging.stg_leaderboard_v2 where snapshot_week between ? and ? group by all order by 1",
                  (FIRST_WEEK, LAST_WEEK))
    assert all(min(counts) > 0 for _, *counts in flags), flags  # every flag is exercised in every layout


def test_csv_and_parquet_give_the_same_weekly_marts(parquet_weeks, generated_build):
    settings, _ = parquet_weeks
    ours, theirs = published_weekly_marts(settings), published_weekly_marts(generated_build.settings)
    assert ours["weekly_leaderboard_v2"] == theirs["weekly_leaderboard_v2"]
    # leaderboard_v2_history names the file each version was read from: compare without it
    history = ("select * exclude (_source_file) from marts.leaderboard_v2_history order by all")
    assert _rows(settings.duckdb_path, history) == _rows(generated_build.settings.duckdb_path, history)
    sources = _rows(settings.duckdb_path, "select count(*) from marts.leaderboard_v2_history where _source_file like '%.parquet'")
    assert sources[0][0] > 0  # versions last seen in a parquet week
