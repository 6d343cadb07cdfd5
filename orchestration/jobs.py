"""Jobs: the whole warehouse, raw files to figures, in one run."""

import dagster as dg

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    # The weekly partitioned v2 leaderboard has its own job, schedule and backfills.
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(["raw", "leaderboard_v2"]),
    description="Load the raw files, run the gates, build and test every dbt model in the working database, publish the audited marts, draw every figure.",
)
