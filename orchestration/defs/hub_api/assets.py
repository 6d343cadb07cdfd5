"""The Hugging Face connector's own assets (WAREHOUSE_SOURCE=huggingface only).

- `raw/hub_models`: repo details and commit history of every model in raw.leaderboard (the v1
  dataset's models, with their shas), fetched incrementally through
  orchestration/defs/hub_api/connector.py and landed as the paper's repo_details.csv and
  commit_data.csv, which raw/repo_details and raw/commit_data then load and gate. Every model
  that failed or is missing goes to `raw.hub_fetch_failures`. The blocking check
  `hub_fetch_failure_share` fails when the share of models that kept failing passes
  WAREHOUSE_HF_MAX_FAILURE_SHARE; the landed files are then left as they were and nothing
  downstream runs.
- `raw/leaderboard_v2_pull`: the v2 dataset's parquet landed as it is, as
  `huggingface_v2_<date>.parquet` in the weekly landing directory, where `raw/leaderboard_v2`
  loads it as that week's snapshot.
"""

import time

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.paper_snapshot.assets import HUB_MODELS_KEY
from orchestration.resources import SourceFilesResource, WarehouseResource, WeeklySourceResource, WriterLockResource, short_connection
from orchestration.settings import DUCKDB_WRITER_POOL, HuggingFaceSettings
from orchestration.defs.hub_api.connector import (
    V2_DATASET,
    Progress,
    download_dataset,
    failure_rows,
    fetch_models,
    land_v2_leaderboard,
    leaderboard_models,
    redact_token,
    write_commit_data,
    write_repo_details,
    write_source_label,
)

FAILURE_SHARE_CHECK = "hub_fetch_failure_share"
FAILURES_TABLE = "raw.hub_fetch_failures"
# Failures listed in the asset's metadata (all of them are in the table).
METADATA_FAILURES = 50


def _write_failures(conn, rows: list[tuple]) -> None:
    conn.execute("create schema if not exists raw")
    conn.execute("begin transaction")
    try:
        conn.execute(
            f"create or replace table {FAILURES_TABLE} (model_id varchar, endpoint varchar, kind varchar, "
            "status integer, error varchar, attempts integer, fetched_at timestamptz)"
        )
        if rows:
            conn.executemany(f"insert into {FAILURES_TABLE} values (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


@dg.asset(
    key=HUB_MODELS_KEY,
    deps=[dg.AssetKey(["raw", "leaderboard"])],
    group_name="raw",
    kinds={"huggingface", "duckdb"},
    pool=DUCKDB_WRITER_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            FAILURE_SHARE_CHECK, asset=HUB_MODELS_KEY, blocking=True,
            description="The share of leaderboard models whose Hub fetch kept failing (after retries) is at "
                        "most WAREHOUSE_HF_MAX_FAILURE_SHARE; missing repos (404) are recorded, not counted.",
        )
    ],
    description=(
        "Repo details and commit history of every raw.leaderboard model from the Hub API (only models new or "
        "with a changed sha are fetched again), landed as repo_details.csv and commit_data.csv; failures in "
        f"`{FAILURES_TABLE}`."
    ),
)
def hub_models(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    writer_lock: WriterLockResource,  # held for the run: one writing run at a time
    source_files: SourceFilesResource,
    warehouse: WarehouseResource,
    huggingface: dg.ResourceParam[HuggingFaceSettings],
):
    with short_connection(duckdb) as conn:
        models = leaderboard_models(
            conn.execute("select model_name_for_query, model_sha from raw.leaderboard").fetchall()
        )
    # Everything below that reaches the run's logs, metadata or files names the endpoint this way
    # (HF_ENDPOINT could hold the token, e.g. as a URL's password); the failures come redacted.
    endpoint = redact_token(huggingface.endpoint, huggingface.token)
    context.log.info(f"Hub fetch: {len(models)} leaderboard models from {endpoint}")

    def report(progress: Progress) -> None:
        context.log.info(f"Hub fetch: {progress.describe()}")

    started = time.monotonic()
    outcome = fetch_models(huggingface, models, report=report)
    share = outcome.failure_share
    passed = share <= huggingface.max_failure_share
    failures = outcome.failures
    missing = [f for f in failures if f.kind == "missing"]
    with short_connection(duckdb) as conn:
        warehouse.mark_building(context.run_id, step="raw/hub_models")
        _write_failures(conn, failure_rows(outcome))
    summary = (
        f"{len(outcome.failed_models)} of {len(outcome.records)} models kept failing ({share:.1%}, at most "
        f"{huggingface.max_failure_share:.1%} allowed); {len(missing)} missing repo(s) recorded"
    )
    metadata = {
        "models": len(outcome.records),
        "fetched": outcome.fetched,
        "from_cache": outcome.cached,
        "requests": outcome.requests,
        "retries": outcome.retries,
        "failed_models": len(outcome.failed_models),
        "missing": len(missing),
        "failure_share": share,
        "seconds": round(time.monotonic() - started, 1),
        "failures": dg.MetadataValue.json([
            {"model_id": f.model_id, "endpoint": f.endpoint, "kind": f.kind, "status": f.status,
             "error": f.error, "attempts": f.attempts}
            for f in failures[:METADATA_FAILURES]
        ]),
        "failures_table": FAILURES_TABLE,
        "endpoint": endpoint,
    }
    check = dg.AssetCheckResult(
        check_name=FAILURE_SHARE_CHECK, passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        description=summary, metadata={"failure_share": share, "failed_models": len(outcome.failed_models),
                                       "max_failure_share": huggingface.max_failure_share},
    )
    if not passed:
        yield check
        raise dg.Failure(
            description=f"Hub fetch failed the blocking check {FAILURE_SHARE_CHECK}: {summary}. The landed files "
                        f"keep their previous rows; the failures are in {FAILURES_TABLE}; nothing downstream runs.",
            metadata=metadata,
        )
    directory = source_files.resolve_dir()
    api = f"{endpoint}/api/models"
    repo_path, commit_path = directory / "repo_details.csv", directory / "commit_data.csv"
    repo_rows = write_repo_details(outcome.records, repo_path)
    commit_rows = write_commit_data(outcome.records, commit_path)
    write_source_label(repo_path, f"{api}/<model id>")
    write_source_label(commit_path, f"{api}/<model id>/commits/main")
    yield dg.MaterializeResult(
        metadata={**metadata, "repo_details_rows": repo_rows, "commit_data_rows": commit_rows,
                  "landed": dg.MetadataValue.path(str(directory))},
        check_results=[check],
    )


@dg.asset(
    key=["raw", "leaderboard_v2_pull"],
    group_name="raw",
    kinds={"huggingface", "parquet"},
    description=(
        f"The v2 leaderboard dataset `{V2_DATASET}` landed as it is (its parquet) as "
        "huggingface_v2_<dataset commit date>.parquet in "
        "the weekly landing directory; raw/leaderboard_v2 loads it as that week's snapshot (make run's "
        "backfill, or the landing sensor)."
    ),
)
def leaderboard_v2_pull(
    context: dg.AssetExecutionContext,
    weekly_source: WeeklySourceResource,
    huggingface: dg.ResourceParam[HuggingFaceSettings],
):
    pull = download_dataset(huggingface, V2_DATASET)
    path, rows = land_v2_leaderboard(pull, weekly_source.resolve_dir())
    context.log.info(f"{V2_DATASET} at {pull.sha}: {rows} rows landed as {path}")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "file": dg.MetadataValue.path(str(path)), "dataset_sha": pull.sha,
                  "source": pull.source_label}
    )


hub_assets: list[dg.AssetsDefinition] = [hub_models, leaderboard_v2_pull]
