"""Jobs: the whole warehouse, raw files to figures, in one run."""

import dagster as dg

build_warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Load the raw files, run the gates, build and test every dbt model in the working database, publish the audited marts, draw every figure.",
)
