"""Partition keys from users, the landing sensor's bookkeeping, dbt window vars, audit areas."""

from __future__ import annotations

import json
from datetime import date

import pytest

from orchestration.defs.warehouse.dbt import build_dbt_args, dbt_window_env, partition_window_vars
from orchestration.automation import landed_files, landing_run_request, leaderboard_v2_landing_sensor, new_file_requests
from orchestration.cli import backfill_weeks
from orchestration.partitions import WEEKLY_PARTITIONS, PartitionKeyError, week_key
from orchestration.wap.state import AUDITED, BUILDING, CORE, WEEKLY, read_state, write_state


def test_week_key_accepts_sundays_from_the_first_week():
    assert week_key("2024-07-07") == "2024-07-07"
    assert week_key(" 2025-02-02 ") == "2025-02-02"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-07-08", "is not a Sunday: its week starts on 2024-07-07"),
        ("2024-06-30", "before the first weekly partition"),
        ("2024-13-01", "must be an ISO date"),
        ("'; drop table x; --", "must be an ISO date"),
        ("", "must be an ISO date"),
    ],
)
def test_week_key_rejects_anything_else(value, message):
    with pytest.raises(PartitionKeyError, match=message):
        week_key(value, name="FROM")


def test_backfill_defaults_to_the_weeks_with_files(tmp_path):
    for name in ("huggingface_v2_2024-07-13.csv.gz", "huggingface_v2_2024-09-07.csv.gz", "huggingface_v2_2024-09-20.csv"):
        (tmp_path / name).write_bytes(b"")
    # Strays are no snapshots: they neither block the backfill nor widen its range.
    for name in ("notes.txt", ".DS_Store", "huggingface_v2_2024-10-05.csv.gz.part", "huggingface_v2_2024-06-01.tsv"):
        (tmp_path / name).write_bytes(b"")
    complete = WEEKLY_PARTITIONS.get_partition_keys()
    assert backfill_weeks(tmp_path, None, None, complete) == ("2024-07-07", "2024-09-15")
    assert backfill_weeks(tmp_path, "2024-08-04", None, complete) == ("2024-08-04", "2024-09-15")
    with pytest.raises(PartitionKeyError, match="FROM 2024-09-15 is after TO 2024-09-01"):
        backfill_weeks(tmp_path, "2024-09-15", "2024-09-01", complete)
    with pytest.raises(PartitionKeyError, match="no snapshot file"):
        backfill_weeks(tmp_path / "empty", None, None, complete)
    with pytest.raises(PartitionKeyError, match="is not a completed week yet"):
        backfill_weeks(tmp_path, "2024-07-07", "2099-01-04", complete)


def test_sensor_bookkeeping_new_changed_waiting_and_skipped(tmp_path):
    (tmp_path / "huggingface_v2_2024-09-15.csv.gz").write_bytes(b"a")
    (tmp_path / "huggingface_v2_2024-09-20.csv.gz").write_bytes(b"b")
    (tmp_path / "huggingface_v2_2024-06-01.csv.gz").write_bytes(b"c")
    (tmp_path / "huggingface_v2_2024-02-30.csv.gz").write_bytes(b"d")
    (tmp_path / "notes.csv").write_bytes(b"e")
    (tmp_path / "huggingface_v2_2024-09-15.csv.gz\n").write_bytes(b"f")  # `$` would match it
    landed = landed_files(tmp_path)
    assert set(landed) == {f"huggingface_v2_{d}.csv.gz" for d in ("2024-09-15", "2024-09-20", "2024-06-01", "2024-02-30")}
    weeks, skipped, waiting = new_file_requests({}, landed, complete_weeks={"2024-09-15"})
    assert weeks == {"2024-09-15": ["huggingface_v2_2024-09-15.csv.gz", "huggingface_v2_2024-09-20.csv.gz"]}
    assert sorted(skipped) == ["huggingface_v2_2024-02-30.csv.gz", "huggingface_v2_2024-06-01.csv.gz"]
    assert waiting == []
    seen = {name: info["stamp"] for name, info in landed.items()}
    assert new_file_requests(seen, landed, complete_weeks={"2024-09-15"})[0] == {}
    # A rewritten file is a new version of it.
    (tmp_path / "huggingface_v2_2024-09-20.csv.gz").write_bytes(b"bb")
    weeks, _, _ = new_file_requests(seen, landed_files(tmp_path), complete_weeks={"2024-09-15"})
    assert weeks == {"2024-09-15": ["huggingface_v2_2024-09-20.csv.gz"]}
    # A week not yet complete waits.
    assert new_file_requests({}, landed, complete_weeks=set())[2] == [
        "huggingface_v2_2024-09-15.csv.gz", "huggingface_v2_2024-09-20.csv.gz"
    ]


def test_new_files_of_several_weeks_are_one_run_for_the_range(tmp_path):
    """The first tick over a full landing directory (no cursor) requests one run for the range
    (one load, one history build, one publish), not one per week; one week, its partition."""
    import dagster as dg

    from orchestration.resources import WeeklySourceResource

    days = ("2024-07-13", "2024-09-15", "2024-09-20", "2024-10-04")
    for day in days:
        (tmp_path / f"huggingface_v2_{day}.csv.gz").write_bytes(day.encode())
    names = [f"huggingface_v2_{day}.csv.gz" for day in days]
    landed = landed_files(tmp_path)
    weeks, _, _ = new_file_requests({}, landed, complete_weeks=set(WEEKLY_PARTITIONS.get_partition_keys()))
    assert sorted(weeks) == ["2024-07-07", "2024-09-15", "2024-09-29"]
    request = landing_run_request(weeks, landed)
    assert (request.partition_key, request.partition_key_range) == (None, dg.PartitionKeyRange("2024-07-07", "2024-09-29"))
    assert request.tags["leaderboard_v2/files"] == ",".join(names)
    one_week = landing_run_request({"2024-09-15": names[1:3]}, landed)
    assert (one_week.partition_key, one_week.partition_key_range) == ("2024-09-15", None)
    assert landing_run_request({}, landed) is None

    # Through the sensor as Dagster evaluates it, with no cursor: one request, every file handled.
    weekly_source = WeeklySourceResource(landing_dir=str(tmp_path), generated_dir=str(tmp_path / "generated"))
    with dg.build_sensor_context(cursor=None, resources={"weekly_source": weekly_source}) as context:
        tick = leaderboard_v2_landing_sensor.evaluate_tick(context)
    assert [r.partition_key_range for r in tick.run_requests] == [dg.PartitionKeyRange("2024-07-07", "2024-09-29")]
    assert sorted(json.loads(tick.cursor)) == names
    with dg.build_sensor_context(cursor=tick.cursor, resources={"weekly_source": weekly_source}) as context:
        assert leaderboard_v2_landing_sensor.evaluate_tick(context).run_requests == []


def test_partition_window_becomes_dbt_vars_in_the_environment():
    dbt_vars = partition_window_vars(date(2024, 7, 7), date(2024, 7, 21))
    assert dbt_vars == {"window_start": "2024-07-07", "window_end": "2024-07-21"}
    assert dbt_window_env(dbt_vars) == {"WAREHOUSE_WINDOW_START": "2024-07-07", "WAREHOUSE_WINDOW_END": "2024-07-21"}
    assert build_dbt_args("build", vars=dbt_vars, full_refresh=True) == [
        "build", "--exclude-resource-type", "unit_test",
        "--vars", '{"window_end": "2024-07-21", "window_start": "2024-07-07"}', "--full-refresh"
    ]
    with pytest.raises(ValueError, match="empty partition window"):
        partition_window_vars(date(2024, 7, 7), date(2024, 7, 7))


def test_audit_areas_are_independent(tmp_path):
    assert not read_state(tmp_path).audited, "nothing built yet"
    write_state(tmp_path, AUDITED, run_id="core-run", step="dbt build (core)", area=CORE)
    write_state(tmp_path, BUILDING, run_id="weekly-run", step="raw/leaderboard_v2", area=WEEKLY)
    state = read_state(tmp_path)
    assert not state.audited and state.step == "raw/leaderboard_v2" and state.run_id == "weekly-run"
    write_state(tmp_path, AUDITED, run_id="weekly-run", step="dbt build (weekly)", area=WEEKLY)
    state = read_state(tmp_path)
    assert state.audited and state.area(CORE).run_id == "core-run"
    with pytest.raises(ValueError, match="unknown audit area 'other'"):
        write_state(tmp_path, AUDITED, run_id="x", step="x", area="other")


def test_a_version_names_the_sources_of_the_parts_it_holds(tmp_path):
    """meta.publication's sources follow the audit areas built: `make backfill` alone from a
    landing directory holds no paper's file and says where its weeks came from."""
    from orchestration.defs.warehouse.publish import sources_held
    from orchestration.resources import SourceFilesResource, WeeklySourceResource

    paper = SourceFilesResource(generated_dir="/gen")
    landed = WeeklySourceResource(landing_dir="/in/v2", generated_dir="/gen/leaderboard_v2")
    generated = WeeklySourceResource(generated_dir="/gen/leaderboard_v2")
    write_state(tmp_path, AUDITED, run_id="weekly-run", step="dbt build (weekly)", area=WEEKLY)
    assert sources_held(read_state(tmp_path), paper, landed) == {
        "source": None, "source_dir": None, "weekly_source": "landing", "weekly_source_dir": "/in/v2"}
    write_state(tmp_path, AUDITED, run_id="core-run", step="dbt build (core)", area=CORE)
    assert sources_held(read_state(tmp_path), paper, generated) == {
        "source": "generated", "source_dir": "/gen", "weekly_source": "generated", "weekly_source_dir": "/gen/leaderboard_v2"}
    assert sources_held(read_state(tmp_path / "nothing"), paper, landed) == dict.fromkeys(
        ("source", "source_dir", "weekly_source", "weekly_source_dir"))
