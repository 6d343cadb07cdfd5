"""The weekly leaderboard v2 snapshots (issue 4, in progress): `raw/leaderboard_v2`, one
Dagster partition per Sunday week from the week of 2024-07-07.

A partition loads every file dated in its week, each as its own snapshot with its own date,
into the working database (orchestration/defs/leaderboard_v2/reader.py). A backfill of any range
runs as one run (single-run backfill policy). Gates:
- `leaderboard_v2_header_known` (blocking): every file's header is a known version of
  dbt_project/seeds/leaderboard_v2_columns.csv; an unknown one names the unexpected and
  missing columns, and the week is not loaded.
- `leaderboard_v2_snapshot_present` (warning): a week without a file is reported as a missing
  snapshot, never loaded as an empty leaderboard.
A file in the landing directory not named like a snapshot (notes, `.DS_Store`, a partial
download) is logged as a warning and listed in `ignored_files`; it blocks nothing.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.checks.quarantine import ensure_quarantine_table
from orchestration.loading import SourceFileError
from orchestration.resources import EngineResource, WarehouseResource, WeeklySourceResource, WriterLockResource, short_connection
from orchestration.partitions import WEEKLY_PARTITIONS, weeks_in
from orchestration.settings import DUCKDB_WRITER_POOL
from orchestration.defs.leaderboard_v2.reader import (
    UnknownHeaderError,
    list_landing_dir,
    load_weekly_snapshots,
    snapshot_files_for_week,
    stray_warning,
)
from orchestration.wap.state import WEEKLY

KEY = dg.AssetKey(["raw", "leaderboard_v2"])
HEADER_CHECK = "leaderboard_v2_header_known"
PRESENT_CHECK = "leaderboard_v2_snapshot_present"
# The gates that also hold downstream assets launched in a later run (checks/upstream_gates.py).
BLOCKING_CHECK_KEYS = (dg.AssetCheckKey(KEY, HEADER_CHECK),)


@dg.asset(
    key=KEY,
    group_name="raw",
    kinds={"duckdb", "csv"},
    pool=DUCKDB_WRITER_POOL,
    partitions_def=WEEKLY_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(HEADER_CHECK, asset=KEY, blocking=True,
                          description="Every file's header is a known v2 layout."),
        dg.AssetCheckSpec(PRESENT_CHECK, asset=KEY, blocking=False,
                          description="Every week of the run has at least one snapshot file (warning)."),
    ],
    description="Weekly v2 leaderboard snapshots: every file dated in a Sunday week, each its own snapshot.",
)
def raw_leaderboard_v2(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    writer_lock: WriterLockResource,  # held for the run: one writing run at a time
    weekly_source: WeeklySourceResource,
    warehouse: WarehouseResource,
    engine: EngineResource,
):
    window = context.partition_time_window
    weeks = weeks_in(window.start.date(), window.end.date())
    source_dir = weekly_source.resolve_dir()
    strays = list_landing_dir(source_dir).strays
    for path in strays:
        context.log.warning(stray_warning(path))
    missing, loaded = [], {}
    try:
        with short_connection(duckdb) as conn:
            # The weekly files quarantine nothing, but a warehouse built by `make backfill` alone
            # must still answer queries on audit.quarantine (empty), as `make run`'s does.
            ensure_quarantine_table(conn)
            for week in weeks:
                files = snapshot_files_for_week(source_dir, week)
                if not files:
                    missing.append(week.isoformat())
                    continue
                result = load_weekly_snapshots(
                    conn, files, week,
                    before_swap=lambda: warehouse.mark_building(context.run_id, step="raw/leaderboard_v2", area=WEEKLY),
                )
                loaded[week.isoformat()] = {"files": [f.name for f in result.files], "rows": result.rows,
                                            "reloaded": result.reloaded}
    except UnknownHeaderError as exc:
        yield dg.AssetCheckResult(
            check_name=HEADER_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR,
            description=str(exc),
            metadata={"file": str(exc.path), "unexpected": list(exc.unexpected), "missing": list(exc.missing),
                      "closest_version": str(exc.closest_version)},
        )
        raise dg.Failure(description=str(exc)) from exc
    except SourceFileError as exc:
        raise dg.Failure(description=str(exc), metadata={"file": str(exc.path), "row": str(exc.row),
                                                         "column": str(exc.column)}) from exc
    landed = {}
    if engine.is_spark and loaded:
        # Every week loaded so far, as one Parquet table (the history reads them all).
        with short_connection(duckdb) as conn:
            (landing,) = engine.land(conn, ["leaderboard_v2"])
        landed = landing.metadata()
    yield dg.MaterializeResult(
        metadata={
            **landed,
            "weeks": len(weeks),
            "weeks_loaded": dg.MetadataValue.json(loaded),
            "missing_snapshots": dg.MetadataValue.json(missing),
            "ignored_files": dg.MetadataValue.json([path.name for path in strays]),
            "dagster/row_count": sum(w["rows"] for w in loaded.values()),
        },
        check_results=[
            dg.AssetCheckResult(check_name=HEADER_CHECK, passed=True,
                                metadata={"files": sum(len(w["files"]) for w in loaded.values())}),
            dg.AssetCheckResult(
                check_name=PRESENT_CHECK, passed=not missing, severity=dg.AssetCheckSeverity.WARN,
                description=(f"no snapshot file for week(s) {', '.join(missing)}" if missing else None),
                metadata={"missing_weeks": dg.MetadataValue.json(missing)},
            ),
        ],
    )
