"""Volume and coverage against the last published version (orchestration/wap/coverage.py): the
rule on figures, and the figures measured on real DuckDB files shaped as the working database
and a published version. Through the job: tests/integration/test_gates.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.wap.coverage import FIGURES, RAW_ROWS, blocked, changes_since_published, compare

REPO_DETAILS_SHARE = "share of models with repo details"


def labels(changes) -> list[str]:
    return [change.label for change in blocked(changes)]


def test_a_count_may_fall_by_half_and_a_share_by_ten_points_not_more():
    marts_before = {"models on the leaderboard": 1000.0, REPO_DETAILS_SHARE: 0.80}
    within = compare({"raw.leaderboard": 1000}, {"raw.leaderboard": 500},
                     marts_before, {"models on the leaderboard": 500.0, REPO_DETAILS_SHARE: 0.70})
    assert labels(within) == []
    beyond = compare({"raw.leaderboard": 1000}, {"raw.leaderboard": 499},
                     marts_before, {"models on the leaderboard": 1000.0, REPO_DETAILS_SHARE: 0.69})
    assert labels(beyond) == ["rows of raw.leaderboard", REPO_DETAILS_SHARE]
    (rows, share) = blocked(beyond)
    assert rows.describe() == ("rows of raw.leaderboard: 1,000 in the published version, 499 now "
                               "(blocked when it falls by more than 50%)")
    assert share.describe() == (f"{REPO_DETAILS_SHARE}: 80.0% in the published version, 69.0% now "
                                "(blocked when it falls by more than 10 points)")


def test_growth_never_blocks_and_a_week_is_never_lost():
    grown = compare({"raw.leaderboard_v2": 10}, {"raw.leaderboard_v2": 10_000},
                    {"weeks with a v2 snapshot": 3.0}, {"weeks with a v2 snapshot": 30.0})
    assert labels(grown) == []
    assert labels(compare(None, {}, None, {"weeks with a v2 snapshot": 0.0})) == [], "a paper-only first build"
    lost = compare({}, {}, {"weeks with a v2 snapshot": 30.0}, {"weeks with a v2 snapshot": 29.0})
    assert labels(lost) == ["weeks with a v2 snapshot"]


def test_a_source_gone_from_the_working_database_is_a_fall_to_zero():
    (gone,) = blocked(compare({"raw.commit_data": 5000, "raw.leaderboard": 10}, {"raw.leaderboard": 10}, {}, {}))
    assert (gone.label, gone.before, gone.after) == ("rows of raw.commit_data", 5000, 0)


def test_the_first_publish_is_held_to_floors():
    floors = {figure.name: figure.floor for figure in FIGURES}
    assert labels(compare(None, {"raw.leaderboard": 1}, None, {name: floor for name, floor in floors.items()})) == []
    assert labels(compare(None, {"raw.leaderboard": 0}, None, {REPO_DETAILS_SHARE: 0.49})) == [
        "rows of raw.leaderboard", REPO_DETAILS_SHARE]
    assert RAW_ROWS.floor == 1


def write_working(path: Path, *, models: int, with_details: int, with_commits: int) -> None:
    """The working database's shape: raw tables with lineage, the marts the figures read."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema raw; create schema marts")
        conn.execute("create table raw.repo_details as select 'r.csv' as _source_file, 'abc' as _source_checksum "
                     f"from range({with_details})")
        conn.execute(f"""create table marts.dim_models as select 'm' || i as model_id,
            case when i < {with_details} then timestamp '2024-01-01' end as created_at,
            false as created_at_censored,
            case when i < {with_details} then date '2023-12-31' end as week_start from range({models}) t(i)""")
        conn.execute(f"create table marts.authors_per_repo as select 'm' || i as model_id, 1 as authors from range({with_commits}) t(i)")


def publish_like(working: Path, published: Path) -> None:
    """A published version's shape: the marts, and the raw rows in meta.source_files."""
    with duckdb.connect(str(published)) as conn:
        conn.execute(f"attach '{working}' as w (read_only)")
        conn.execute("create schema marts; create schema meta")
        for table in ("dim_models", "authors_per_repo"):
            conn.execute(f"create table marts.{table} as select * from w.marts.{table}")
        conn.execute("create table meta.source_files as select 'raw.repo_details' as table_name, 'r.csv' as source_file, "
                     "'abc' as checksum_sha256, count(*) as row_count from w.raw.repo_details")


def test_figures_are_measured_on_the_working_file_and_the_published_version(tmp_path):
    before, after, published = tmp_path / "before.duckdb", tmp_path / "after.duckdb", tmp_path / "published.duckdb"
    write_working(before, models=100, with_details=90, with_commits=80)
    publish_like(before, published)
    write_working(after, models=100, with_details=9, with_commits=80)

    changes = {change.label: (change.before, change.after) for change in changes_since_published(after, published)}

    assert changes["rows of raw.repo_details"] == (90, 9)
    assert changes[REPO_DETAILS_SHARE] == (0.9, 0.09)
    assert changes["share of models with commit data"] == (0.8, 0.8)
    assert changes["models on the leaderboard"] == (100, 100)
    assert "weeks with a v2 snapshot" not in changes, "a figure whose mart is absent is not measured"
    assert labels(changes_since_published(after, published)) == [
        "rows of raw.repo_details", REPO_DETAILS_SHARE, "share of models with a creation week"]
    assert labels(changes_since_published(before, published)) == []
    # Nothing published yet: the floors (half the models with details) judge the file alone.
    assert labels(changes_since_published(after, None)) == [REPO_DETAILS_SHARE, "share of models with a creation week"]


@pytest.mark.parametrize("flags, expected", [
    ({}, None),
    ({"full_refresh": True}, {"ops": {"weekly_v2_dbt_models": {"config": {"full_refresh": True}}}}),
    ({"accept_volume_change": True}, {"ops": {"published__warehouse": {"config": {"accept_volume_change": True}}}}),
])
def test_a_fall_is_accepted_only_by_the_run_that_asks(flags, expected):
    from orchestration.cli import run_config_for

    assert run_config_for(**flags) == expected
