"""The code location: builds Definitions from the domains of orchestration/defs/ (sources first,
the way the data flows), nothing else."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.paper_snapshot.assets import build_raw_assets
from orchestration.defs.leaderboard_v2.assets import raw_leaderboard_v2
from orchestration.defs.hub_api.assets import hub_assets
from orchestration.defs.hfcommunity.assets import raw_hfcommunity
from orchestration.defs.warehouse.dbt import warehouse_dbt_models, weekly_v2_dbt_models
from orchestration.defs.warehouse.publish import published_warehouse
from orchestration.defs.figures.assets import figure_assets
from orchestration.defs.figures.report import findings_report
from orchestration.automation import landing_sensor, leaderboard_v2_weekly_schedule
from orchestration.jobs import build_warehouse_job, leaderboard_v2_weekly_job
from orchestration.resources import build_resources
from orchestration.settings import Settings, load_settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    return dg.Definitions(
        assets=[
            *build_raw_assets(settings.source), *(hub_assets if settings.source == "huggingface" else []),
            raw_hfcommunity, raw_leaderboard_v2, warehouse_dbt_models, weekly_v2_dbt_models, published_warehouse,
            *figure_assets, findings_report,
        ],
        jobs=[build_warehouse_job, leaderboard_v2_weekly_job],
        schedules=[leaderboard_v2_weekly_schedule],
        sensors=[landing_sensor(settings.landing_sensor_seconds)],
        resources=build_resources(settings),
        # One process per run: DuckDB allows a single writing process, and the steps of a run
        # share it instead of locking each other out.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
