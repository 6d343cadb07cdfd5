"""Blocking data-quality gates on the three raw tables: one GX suite per source.

A failed check stops the downstream assets of the same run (blocking=True). The suites are
`expectations/raw_<name>.json`; `orchestration.checks.gx_suite` is the only module that touches GX.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.checks.gx_suite import load_suite_spec, to_check_result, validate_frame

RAW_SOURCES: tuple[str, ...] = ("leaderboard", "repo_details", "commit_data")


def build_raw_source_check(name: str) -> dg.AssetChecksDefinition:
    """The `<name>_expectations` check on asset raw/<name>, validating suite raw_<name>."""
    if name not in RAW_SOURCES:
        raise ValueError(f"unknown raw source {name!r}; expected one of {RAW_SOURCES}")
    suite_name = f"raw_{name}"
    suite_description = load_suite_spec(suite_name).get("meta", {}).get("description", "")

    @dg.asset_check(
        asset=dg.AssetKey(["raw", name]),
        name=f"{name}_expectations",
        blocking=True,
        description=(
            f"Blocking GX suite {suite_name} (expectations/{suite_name}.json) on raw.{name}. "
            f"{suite_description}"
        ).strip(),
    )
    def _raw_source_check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as conn:
            frame = conn.execute(f"select * from raw.{name}").df()
        return to_check_result(validate_frame(frame, suite_name))

    return _raw_source_check


def build_raw_source_checks() -> list[dg.AssetChecksDefinition]:
    return [build_raw_source_check(name) for name in RAW_SOURCES]
