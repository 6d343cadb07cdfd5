"""What keeps the weekly v2 history current without anyone launching a run.

- `leaderboard_v2_weekly_schedule`: every Sunday at 06:00 UTC, the week that just ended.
- `leaderboard_v2_landing_sensor`: a new (or changed) snapshot file in the landing directory
  requests its week, once per file version; new files of several weeks (the first tick over a
  full landing directory) request one run for the range, as `make backfill` does.
Both are off by default (one switch each in the UI: Automation) and run the
`leaderboard_v2_weekly` job, so every run goes through write-audit-publish.
"""

import json
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.jobs import leaderboard_v2_weekly_job
from orchestration.partitions import FIRST_WEEK, WEEKLY_PARTITIONS, partition_range_tags
from orchestration.resources import WeeklySourceResource
from orchestration.defs.leaderboard_v2.reader import FILE_NAME, list_landing_dir, sunday_week_start

leaderboard_v2_weekly_schedule = dg.build_schedule_from_partitioned_job(
    leaderboard_v2_weekly_job,
    name="leaderboard_v2_weekly_schedule",
    # Six hours into Sunday, so a pull dated the Saturday before has landed.
    hour_of_day=6,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every Sunday 06:00 UTC: load, audit and publish the week that just ended.",
)


def landed_files(landing_dir: Path) -> dict[str, dict[str, object]]:
    """Snapshot files in the landing directory: name → its week and a version stamp (size and
    modification time; a rewritten file is a new version). Strays are not snapshots: the run
    that loads the directory warns about them, not every tick."""
    found = {}
    for path in list_landing_dir(landing_dir).snapshots:
        match = FILE_NAME.fullmatch(path.name)
        try:
            week = sunday_week_start(date.fromisoformat(match.group(1)))
        except ValueError:
            week = None  # not a calendar date: the loader reports it when its week runs
        stat = path.stat()
        found[path.name] = {"week": week.isoformat() if week else None, "stamp": f"{stat.st_size}:{stat.st_mtime_ns}"}
    return found


def new_file_requests(
    seen: dict[str, str], landed: dict[str, dict[str, object]], complete_weeks: set[str]
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Weeks to request (week → its new files), files that can never be requested (dated before
    the first partition, or not a date), and files whose week has not ended yet (requested by a
    later tick, when their week is a partition)."""
    weeks: dict[str, list[str]] = {}
    skipped, waiting = [], []
    for name, info in landed.items():
        if seen.get(name) == info["stamp"]:
            continue
        week = info["week"]
        if week is None or date.fromisoformat(week) < FIRST_WEEK:
            skipped.append(name)
        elif week not in complete_weeks:
            waiting.append(name)
        else:
            weeks.setdefault(week, []).append(name)
    return weeks, skipped, waiting


def landing_run_request(weeks: dict[str, list[str]], landed: dict[str, dict[str, object]]) -> dg.RunRequest | None:
    """The one run for the weeks with new files (new_file_requests): the week's partition, or,
    for several weeks, the range from the first to the last as one run (a single-run backfill,
    tagged as `make backfill` tags it): one load, one history build, one publish, not one per
    week. Weeks in the range without a new file are loaded again, unchanged files without a write."""
    if not weeks:
        return None
    names = sorted(name for week_names in weeks.values() for name in week_names)
    first, last = min(weeks), max(weeks)
    run_key = f"{first if first == last else f'{first}..{last}'}:" + ",".join(
        f"{name}@{landed[name]['stamp']}" for name in names
    )
    tags = {"leaderboard_v2/files": ",".join(names)}
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first, tags=tags)
    return dg.RunRequest(run_key=run_key, tags={**tags, **partition_range_tags(first, last)})


def landing_sensor(minimum_interval_seconds: int = 60) -> dg.SensorDefinition:
    """The landing sensor, looking at most every `minimum_interval_seconds`
    (WAREHOUSE_LANDING_SENSOR_SECONDS; build_definitions)."""

    @dg.sensor(
        name="leaderboard_v2_landing_sensor",
        job=leaderboard_v2_weekly_job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="A new snapshot file in the landing directory requests its week's partition, once; "
                    "new files of several weeks request one run for the range.",
    )
    def leaderboard_v2_landing_sensor(context: dg.SensorEvaluationContext, weekly_source: WeeklySourceResource):
        return evaluate_landing(context, weekly_source)

    return leaderboard_v2_landing_sensor


def evaluate_landing(context: dg.SensorEvaluationContext, weekly_source: WeeklySourceResource):
    """One tick: a run request for the weeks with new files, the cursor moved past them."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    landed = landed_files(weekly_source.watched_dir())
    complete_weeks = set(WEEKLY_PARTITIONS.get_partition_keys())
    weeks, skipped, waiting = new_file_requests(seen, landed, complete_weeks)
    for name in skipped:
        context.log.warning(f"{name}: dated before the first weekly partition ({FIRST_WEEK}) or not a date; not requested")
    for name in waiting:
        context.log.info(f"{name}: its week has not ended yet; requested once it has")
    request = landing_run_request(weeks, landed)
    # Waiting files stay out of the cursor, so a later tick sees them as new.
    handled = {name: info["stamp"] for name, info in landed.items() if name not in waiting}
    context.update_cursor(json.dumps(handled, sort_keys=True))
    if request is None:
        return dg.SkipReason(f"no new snapshot file in {weekly_source.watched_dir()}")
    return dg.SensorResult(run_requests=[request])


leaderboard_v2_landing_sensor = landing_sensor()
