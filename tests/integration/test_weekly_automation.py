"""The weekly schedule, the landing sensor and `make backfill`: what they request, and that a
file dropped into the landing directory reaches the published history with no other action.

Each test builds its own small warehouse from two or three real weeks in a landing directory of
its own: the files arriving there, and the runs they start from nothing, are the subject. The
sensor's run request launched as the daemon would, on a published warehouse, is tested in
tests/integration/test_era_verdicts.py (the run that moves the v2 verdicts to the new week)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime

import dagster as dg
import duckdb
import pytest

from orchestration.automation import leaderboard_v2_weekly_schedule
from orchestration.definitions import build_definitions
from orchestration.partitions import PARTITION_RANGE_END, PARTITION_RANGE_START
from orchestration.settings import PROJECT_ROOT
from tests.conftest import make_settings
from tests.integration.harness import documented_sql_statements, evaluate_sensor, landing_dir_with


def requested(result) -> list[tuple[str, str]]:
    """The weeks each run request covers, (first, last)."""
    if isinstance(result, dg.SkipReason):
        return []
    return [(r.partition_key, r.partition_key) if r.partition_key else (r.partition_key_range.start, r.partition_key_range.end)
            for r in result.run_requests]


@pytest.mark.parametrize(
    ("tick", "week"),
    [
        (datetime(2024, 11, 10, 6, 0, tzinfo=UTC), "2024-11-03"),
        (datetime(2025, 2, 9, 6, 0, tzinfo=UTC), "2025-02-02"),
        (datetime(2024, 7, 14, 6, 0, tzinfo=UTC), "2024-07-07"),
    ],
)
def test_schedule_tick_requests_the_week_that_just_ended(tick, week, settings_factory):
    settings = settings_factory()
    assert leaderboard_v2_weekly_schedule.cron_schedule == "0 6 * * 0"
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        requests = list(leaderboard_v2_weekly_schedule.evaluate_tick(context).run_requests or [])
    assert [r.partition_key for r in requests] == [week]
    definitions = build_definitions(settings)
    assert definitions.resolve_schedule_def("leaderboard_v2_weekly_schedule").job_name == "leaderboard_v2_weekly"


def test_schedule_and_sensor_are_off_by_default(settings_factory):
    definitions = build_definitions(settings_factory())
    assert definitions.resolve_schedule_def("leaderboard_v2_weekly_schedule").default_status == dg.DefaultScheduleStatus.STOPPED
    assert definitions.resolve_sensor_def("leaderboard_v2_landing_sensor").default_status == dg.DefaultSensorStatus.STOPPED


def test_sensor_requests_the_week_of_each_new_file_exactly_once(real_weekly_dir, tmp_path, monkeypatch):
    landing = landing_dir_with(tmp_path, real_weekly_dir)
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))
    with dg.DagsterInstance.ephemeral() as instance:
        result, cursor = evaluate_sensor(settings, instance, None)
        assert isinstance(result, dg.SkipReason)

        landing_dir_with(tmp_path, real_weekly_dir, "2024-09-15", "2024-09-20", "2024-10-04")
        (landing / "README.txt").write_text("not a snapshot")
        result, cursor = evaluate_sensor(settings, instance, cursor)
        # Two files of one week and one of the next: one run for both weeks, every file named.
        assert requested(result) == [("2024-09-15", "2024-09-29")]
        assert result.run_requests[0].tags["leaderboard_v2/files"] == ",".join(
            f"huggingface_v2_{day}.csv.gz" for day in ("2024-09-15", "2024-09-20", "2024-10-04"))

        assert requested(evaluate_sensor(settings, instance, cursor)[0]) == [], "nothing new, nothing requested"

        landing_dir_with(tmp_path, real_weekly_dir, "2024-10-11")
        result, cursor = evaluate_sensor(settings, instance, cursor)
        assert requested(result) == [("2024-10-06", "2024-10-06")]
        assert requested(evaluate_sensor(settings, instance, cursor)[0]) == []

        # A file whose week has not ended yet waits for a later tick; one before the first
        # partition is never requested.
        this_week = datetime.now(UTC).date()
        (landing / f"huggingface_v2_{this_week.isoformat()}.csv.gz").write_bytes(b"")
        (landing / "huggingface_v2_2024-06-30.csv.gz").write_bytes(b"")
        result, next_cursor = evaluate_sensor(settings, instance, cursor)
        assert requested(result) == []
        assert f"huggingface_v2_{this_week.isoformat()}.csv.gz" not in json.loads(next_cursor)
        assert "huggingface_v2_2024-06-30.csv.gz" in json.loads(next_cursor)


def documented_queries(schema: str) -> list[str]:
    """The statements of the documented SQL examples that read a table of `schema`."""
    return [s for s in documented_sql_statements() if re.search(rf"\b(from|join)\s+{schema}\.", s)]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=900,
    )


def test_make_backfill_runs_one_run_over_the_range_through_publish(real_weekly_dir, tmp_path, monkeypatch):
    landing = landing_dir_with(tmp_path, real_weekly_dir, "2024-09-01", "2024-09-07", "2024-09-15")
    # Strays beside the snapshots: each warned about, by the command and in the run's log.
    strays = ("notes.txt", ".DS_Store", "huggingface_v2_2024-09-21.csv.gz.part")
    for name in strays:
        (landing / name).write_bytes(b"not a snapshot")
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))

    bad = cli("backfill", "--from", "2024-09-02")
    assert bad.returncode == 2 and "FROM 2024-09-02 is not a Sunday: its week starts on 2024-09-01" in bad.stderr
    assert not settings.duckdb_path.exists()

    done = cli("backfill")  # default: every week with a file in the landing directory
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "weeks         2024-09-01 .. 2024-09-15" in done.stdout
    assert f"source        landing ({landing})" in done.stdout, "every row came from the landing directory"
    assert "1 warnings" in done.stdout, "2024-09-08 has no snapshot: a warning, not a failure"
    for name in strays:
        assert f"backfill: warning: {landing / name}: ignored, not a snapshot file" in done.stderr
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        (run,) = instance.get_run_records()
        assert run.dagster_run.job_name == "leaderboard_v2_weekly"
        assert run.dagster_run.tags[PARTITION_RANGE_START] == "2024-09-01"
        assert run.dagster_run.tags[PARTITION_RANGE_END] == "2024-09-15"
        logged = [entry.user_message for entry in instance.all_logs(run.dagster_run.run_id)
                  if entry.level == logging.WARNING]
        for name in strays:
            assert any(f"{landing / name}: ignored, not a snapshot file" in message for message in logged), name
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        snapshots = conn.execute(
            "select list(distinct week_start::varchar order by week_start::varchar) from marts.weekly_leaderboard_v2 where has_snapshot"
        ).fetchone()[0]
        sources = conn.execute("select source, source_dir, weekly_source, weekly_source_dir from meta.publication").fetchone()
        # The documented queries on the published schemas besides the paper's marts answer here too.
        assert documented_queries("audit"), "the documented queries read audit.quarantine"
        for query in [*documented_queries("audit"), *documented_queries("meta")]:
            assert conn.execute(query).fetchall(), query
        assert conn.execute("select count(*) from audit.quarantine").fetchone() == (0,), "the weekly files quarantine nothing"
    assert snapshots == ["2024-09-01", "2024-09-15"]
    assert sources == (None, None, "landing", str(landing)), "no paper's file; the weeks came from the landing directory"


def test_backfill_with_only_a_current_week_file_is_an_error_but_make_run_goes_on(tmp_path, monkeypatch):
    """A v2 pull dated in the week not yet ended (the huggingface source's first pull) is loaded
    once that week ends: `make backfill` says so and fails, `make run`'s `--if-any` says so and
    exits 0, and neither starts a run."""
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / f"huggingface_v2_{date.today().isoformat()}.csv.gz").write_bytes(b"")
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))

    strict = cli("backfill")
    assert strict.returncode == 2 and "no snapshot file of a completed week" in strict.stderr
    lenient = cli("backfill", "--if-any")
    assert lenient.returncode == 0 and "no snapshot file of a completed week" in lenient.stderr
    assert not settings.duckdb_path.exists()
