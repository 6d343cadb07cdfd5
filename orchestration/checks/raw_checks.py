"""Blocking data-quality gates on the three raw sources: one GX suite per source.

The gate runs inside each raw asset, on the freshly loaded rows *before* they replace
raw.<name> (write-audit-publish at the source): a file that fails leaves the working database
as it was, the check `<name>_expectations` is reported failed with the file, rows and columns,
and nothing downstream runs. The suites are `expectations/raw_<name>.json`;
`orchestration.checks.gx_suite` is the only module that touches GX.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.checks.gx_suite import SuiteOutcome, load_suite_spec, validate_frame

RAW_SOURCES: tuple[str, ...] = ("leaderboard", "repo_details", "commit_data")


def raw_suite_name(name: str) -> str:
    if name not in RAW_SOURCES:
        raise ValueError(f"unknown raw source {name!r}; expected one of {RAW_SOURCES}")
    return f"raw_{name}"


def raw_check_spec(name: str) -> dg.AssetCheckSpec:
    """The blocking `<name>_expectations` check of asset raw/<name>."""
    suite_name = raw_suite_name(name)
    suite_description = load_suite_spec(suite_name).get("meta", {}).get("description", "")
    return dg.AssetCheckSpec(
        name=f"{name}_expectations",
        asset=dg.AssetKey(["raw", name]),
        blocking=True,
        description=(
            f"Blocking GX suite {suite_name} (expectations/{suite_name}.json), run on the loaded "
            f"rows before they replace raw.{name}. {suite_description}"
        ).strip(),
    )


def validate_raw_table(conn: duckdb.DuckDBPyConnection, name: str, table: str) -> SuiteOutcome:
    """Validate `table` (the loading table or raw.<name>) with the suite of source `name`."""
    frame = conn.execute(f"select * from {table}").df()
    return validate_frame(frame, raw_suite_name(name))
