"""Jobs: the paper's warehouse in one run, and the weekly v2 leaderboard by partition."""

import dagster as dg

from orchestration.defs.warehouse.dbt import weekly_v2_dbt_models
from orchestration.defs.figures.assets import WEEKLY_FIGURE_KEYS
from orchestration.defs.leaderboard_v2.assets import KEY as RAW_LEADERBOARD_V2
from orchestration.defs.warehouse.publish import PUBLISHED_WAREHOUSE_KEY
from orchestration.defs.figures.report import REPORT_KEY
from orchestration.cli import WEEKLY_JOB
from orchestration.partitions import WEEKLY_PARTITIONS

WEEKLY_ASSETS = dg.AssetSelection.assets(RAW_LEADERBOARD_V2) | dg.AssetSelection.assets(*weekly_v2_dbt_models.keys)
# The figures of the weekly marts are drawn after the weekly job publishes them.
WEEKLY_FIGURES = dg.AssetSelection.assets(*WEEKLY_FIGURE_KEYS)

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    # The weekly partitioned v2 leaderboard has its own job, schedule and backfills.
    selection=dg.AssetSelection.all() - WEEKLY_ASSETS - WEEKLY_FIGURES,
    description="Load the raw files, run the gates, build and test every dbt model in the working database, publish the audited marts, draw every figure.",
)

leaderboard_v2_weekly_job = dg.define_asset_job(
    WEEKLY_JOB,
    # Write (raw load, incremental dbt build), audit (gates, dbt tests), publish: one run for a
    # week, or for any range of weeks (the single-run backfill policy of its assets); then the
    # v2 figures, and the findings report again, whose era verdicts read the latest v2 week.
    selection=WEEKLY_ASSETS | dg.AssetSelection.assets(PUBLISHED_WAREHOUSE_KEY, REPORT_KEY) | WEEKLY_FIGURES,
    partitions_def=WEEKLY_PARTITIONS,
    description="Load the weekly v2 leaderboard snapshots of a week or a range of weeks, extend the history, publish, draw the v2 figures, write the findings report again.",
)
