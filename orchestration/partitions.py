"""The weekly partitions of the v2 leaderboard: Sunday weeks from the week of 2024-07-07.

Sunday weeks are Dagster's default weekly partitions and the paper's weeks (METHOD.md). A
partition key is the week's Sunday as an ISO date; keys from the command line are validated
here before they reach Dagster or dbt.
"""

from datetime import date, datetime, timedelta

import dagster as dg

FIRST_WEEK = date(2024, 7, 7)
WEEKLY_PARTITIONS = dg.WeeklyPartitionsDefinition(start_date=FIRST_WEEK.isoformat())

# The tags of a single-run backfill: what the UI's "Launch backfill" puts on its one run.
PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of one run over the weeks first..last (both included), as the UI's single-run
    backfill, `make backfill` and the landing sensor launch it."""
    return {PARTITION_RANGE_START: first, PARTITION_RANGE_END: last}


class PartitionKeyError(ValueError):
    """A week given by a user (make backfill FROM/TO) that is not a weekly partition key."""


class NothingToBackfill(PartitionKeyError):
    """No week to backfill by default: the landing directory has no file of a completed week
    (e.g. the only v2 pull is of the current week, loaded once the week ends)."""


def week_key(value: str, *, name: str = "week") -> str:
    """A valid partition key: an ISO date that is a Sunday on or after FIRST_WEEK."""
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise PartitionKeyError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None
    if day.weekday() != 6:
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        raise PartitionKeyError(f"{name} {value} is not a Sunday: its week starts on {sunday.isoformat()}")
    if day < FIRST_WEEK:
        raise PartitionKeyError(f"{name} {value} is before the first weekly partition, {FIRST_WEEK.isoformat()}")
    return day.isoformat()


def weeks_in(start: date, end: date) -> list[date]:
    """The Sunday week starts in [start, end)."""
    weeks, week = [], start
    while week < end:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks
