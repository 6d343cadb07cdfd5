"""The publish step of write-audit-publish, as an asset: `published/warehouse`.

It depends on every mart, so it runs only when every blocking check upstream of it has passed
in this run (raw GX gates, dbt tests). It then refuses unless the working database as a whole
is audited (orchestration/wap/state.py), copies the marts into a new read-only version file,
verifies the copy, and swaps `WAREHOUSE_DUCKDB_PATH` to it atomically
(orchestration/wap/versions.py). Roll back with `make rollback`.

When the working database's marts are those of the version served, built from the same files,
it publishes nothing and says so (log and an observation, `nothing_changed`); nothing is
materialised, so the figures and report are not drawn again. A full refresh publishes anyway.

Before it publishes, the file it replaces is hashed and compared with the sha256 recorded for
its version. A file changed in place (root ignores mode 0444) is still replaced, since the new
version is good, and the check `replaced_file_unchanged` warns, naming it, in the run's
output and metadata.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.warehouse.dbt import warehouse_dbt_models, weekly_v2_dbt_models
from orchestration.defs.leaderboard_v2.assets import BLOCKING_CHECK_KEYS as RAW_V2_BLOCKING_CHECK_KEYS
from orchestration.checks.upstream_gates import raise_if_upstream_failed
from orchestration.resources import SourceFilesResource, WarehouseResource, WeeklySourceResource, WriterLockResource
from orchestration.settings import DUCKDB_WRITER_POOL
from orchestration.wap.coverage import blocked, changes_since_published
from orchestration.wap.inputs import full_refresh_requested
from orchestration.wap.state import CORE, WEEKLY, AuditState
from orchestration.wap.versions import (
    CHANGED_IN_PLACE,
    PUBLISHED_SCHEMAS,
    Integrity,
    PublicationInfo,
    PublishError,
    connect_read_only,
    current_version,
    list_versions,
    publish,
    unchanged_version,
)

PUBLISHED_WAREHOUSE_KEY = dg.AssetKey(["published", "warehouse"])
MART_KEYS: Sequence[dg.AssetKey] = sorted(
    (key for dbt_models in (warehouse_dbt_models, weekly_v2_dbt_models) for key in dbt_models.keys
     if key.path[0] in PUBLISHED_SCHEMAS),
    key=lambda k: k.path,
)

AUDITED_CHECK = "working_database_audited"
COVERAGE_CHECK = "volume_and_coverage_kept"
COPY_CHECK = "copy_matches_working"
READABLE_CHECK = "published_file_opens_read_only"
REPLACED_UNCHANGED_CHECK = "replaced_file_unchanged"


def gating_checks(instance: dg.DagsterInstance, run_ids: Sequence[str | None]) -> list[dict[str, Any]]:
    """Every asset check evaluated in the runs that audited the working database's areas."""
    checks = []
    records = [
        (run_id, record)
        for run_id in dict.fromkeys(r for r in run_ids if r is not None)
        for record in instance.get_records_for_run(
            run_id=run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
        ).records
    ]
    for run_id, record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        checks.append(
            {
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "passed": bool(evaluation.passed),
                "severity": evaluation.severity.value if evaluation.severity else None,
                "run_id": run_id,
            }
        )
    return sorted(checks, key=lambda c: (c["asset"], c["check"]))


class PublishConfig(dg.Config):
    accept_volume_change: bool = False
    """Publish even if a figure fell beyond its tolerance (this run only; `make run ACCEPT_CHANGE=1`)."""


def sources_held(
    state: AuditState, source_files: SourceFilesResource, weekly_source: WeeklySourceResource
) -> dict[str, str | None]:
    """Where the version's rows came from (PublicationInfo's source fields): the paper's files
    if its tables were ever built, the weekly v2 files if a week was; None for a part the
    working database does not hold (a warehouse built by `make backfill` alone has no paper's
    file, and its weekly rows came from the landing directory, not the generator)."""
    core, weekly = state.area(CORE) is not None, state.area(WEEKLY) is not None
    return {
        "source": source_files.source if core else None,
        "source_dir": str(source_files.snapshot_dir or source_files.generated_dir) if core else None,
        "weekly_source": weekly_source.source if weekly else None,
        "weekly_source_dir": str(weekly_source.watched_dir()) if weekly else None,
    }


@dg.asset(
    key=PUBLISHED_WAREHOUSE_KEY,
    group_name="published",
    kinds={"duckdb"},
    deps=MART_KEYS,
    pool=DUCKDB_WRITER_POOL,
    # Nothing is materialised when nothing changed; the figures and the report then stay as drawn.
    output_required=False,
    check_specs=[
        dg.AssetCheckSpec(
            AUDITED_CHECK, asset=PUBLISHED_WAREHOUSE_KEY, blocking=True,
            description="The working database was last left by a complete, successful dbt build "
                        "(every model built, every test passed, on raw data that passed its gates).",
        ),
        dg.AssetCheckSpec(
            COVERAGE_CHECK, asset=PUBLISHED_WAREHOUSE_KEY, blocking=True,
            description="No source's rows and no coverage share of the leaderboard's models fell beyond its "
                        "tolerance since the published version (the first publish: absolute floors); "
                        "docs/reliability.md lists them. Accept a fall for one run with accept_volume_change.",
        ),
        dg.AssetCheckSpec(
            COPY_CHECK, asset=PUBLISHED_WAREHOUSE_KEY, blocking=True,
            description="Every published table has the working table's row count and content hash; "
                        "checked before the swap, so a bad copy is never published.",
        ),
        dg.AssetCheckSpec(
            READABLE_CHECK, asset=PUBLISHED_WAREHOUSE_KEY, blocking=True,
            description="WAREHOUSE_DUCKDB_PATH opens read-only and is the version just published.",
        ),
        dg.AssetCheckSpec(
            REPLACED_UNCHANGED_CHECK, asset=PUBLISHED_WAREHOUSE_KEY, blocking=False,
            description="The file this publish replaced still had the bytes (sha256) recorded when its "
                        "version was published. A warning, not a gate: a file changed in place is replaced "
                        "by the good new version; the check names it.",
        ),
    ],
    description=(
        "The DuckDB file users query (WAREHOUSE_DUCKDB_PATH): the audited marts plus `meta` "
        "(publication, table_row_counts, source_files, gating_checks), swapped in atomically as a "
        "new read-only version. Earlier versions are kept for `make rollback`."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, config: PublishConfig, warehouse: WarehouseResource,
    source_files: SourceFilesResource, weekly_source: WeeklySourceResource, writer_lock: WriterLockResource,
):
    # Launched without raw/leaderboard_v2 (a separate run), its failed gate still holds.
    raise_if_upstream_failed(context, RAW_V2_BLOCKING_CHECK_KEYS, what="Publishing was")
    state = warehouse.audit_state()
    if not state.audited:
        yield dg.AssetCheckResult(
            check_name=AUDITED_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR,
            description=f"working database not audited: last changed by {state.step} "
                        f"(run {state.run_id}) at {state.updated_at or 'never'}",
            metadata={"status": state.status, "step": state.step, "run_id": str(state.run_id)},
        )
        raise dg.Failure(
            description=(
                f"Nothing published: the working database is '{state.status}' (last changed by "
                f"{state.step}, run {state.run_id}). Re-run what left it building: the build_warehouse job, or the weekly backfill."
            )
        )
    audited = dg.AssetCheckResult(
        check_name=AUDITED_CHECK, passed=True,
        metadata={"audited_by_run": str(state.run_id), "audited_at": state.updated_at, "step": state.step,
                  "areas": dg.MetadataValue.json({name: a.status for name, a in state.areas.items()})},
    )
    target = warehouse.publish_target()
    audited_by = [area.run_id for area in state.areas.values()]
    checks = gating_checks(context.instance, audited_by)
    sources = sources_held(state, source_files, weekly_source)
    info = PublicationInfo(
        run_id=context.run_id,
        audited_by_run=",".join(dict.fromkeys(r for r in audited_by if r)),
        gating_checks=checks,
        **sources,
    )
    same = None if full_refresh_requested(context.run.tags) else (
        unchanged_version(target, Path(warehouse.working_duckdb_path), info))
    if same is not None:
        nothing = (f"nothing changed: the working database holds the marts of {same.version_id}, built from "
                   "the same files, and that version stays published; no new version, figures and report kept")
        context.log.info(nothing)
        yield dg.AssetObservation(asset_key=PUBLISHED_WAREHOUSE_KEY, metadata={
            "nothing_changed": True, "version_id": same.version_id, "reason": nothing,
            "published_path": dg.MetadataValue.path(str(target.published_path)),
        })
        yield from _checks_of_served_version(warehouse, same, audited)
        return
    coverage = _coverage_check(warehouse, target, accepted=config.accept_volume_change)
    if not coverage.passed and coverage.severity == dg.AssetCheckSeverity.ERROR:
        yield audited
        yield coverage
        raise dg.Failure(
            description=f"Nothing published: {coverage.description}",
            metadata={"check": COVERAGE_CHECK},
        )
    try:
        version, audits = publish(target, Path(warehouse.working_duckdb_path), info)
    except PublishError as exc:
        yield audited
        yield coverage
        yield dg.AssetCheckResult(
            check_name=COPY_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(exc)
        )
        raise dg.Failure(description=f"Nothing published: {exc}") from exc
    copy_check = dg.AssetCheckResult(
        check_name=COPY_CHECK, passed=True,
        metadata={"tables_verified": len(audits), "rows_verified": sum(a.published_rows for a in audits)},
    )
    readable = _readable_check(warehouse, version.version_id, {a.table: a.published_rows for a in audits})
    replaced = _replaced_check(context, version.info["replaced"])
    row_counts = {a.table: a.published_rows for a in audits}
    yield dg.MaterializeResult(
        metadata={
            "version_id": version.version_id,
            "published_at": version.info["published_at"],
            "published_path": dg.MetadataValue.path(str(target.published_path)),
            "version_path": dg.MetadataValue.path(str(version.path)),
            **{name: dg.MetadataValue.path(value) if name.endswith("_dir") else value
               for name, value in sources.items() if value is not None},
            "source_files": dg.MetadataValue.json(version.info["source_files"]),
            "audited_by_run": info.audited_by_run,
            "row_counts": dg.MetadataValue.json(row_counts),
            "dagster/row_count": dg.MetadataValue.int(sum(row_counts.values())),
            "gating_checks": dg.MetadataValue.json(checks),
            "gating_checks_passed": dg.MetadataValue.int(sum(c["passed"] for c in checks)),
            "versions_kept": dg.MetadataValue.json([v.version_id for v in list_versions(target)]),
            "bytes": dg.MetadataValue.int(version.info["bytes"]),
            "sha256": version.info["sha256"],
            "replaced": dg.MetadataValue.json(version.info["replaced"]),
        },
        check_results=[audited, coverage, copy_check, readable, replaced],
    )


def _checks_of_served_version(warehouse: WarehouseResource, served, audited: dg.AssetCheckResult):
    """The publish checks when nothing is published: what unchanged_version found, and the
    served file opened as a user would."""
    same = {"nothing_changed": True, "served_version_id": served.version_id}
    yield audited
    yield dg.AssetCheckResult(check_name=COVERAGE_CHECK, passed=True, metadata=same,
                              description=f"the working database's marts are those of {served.version_id}")
    yield dg.AssetCheckResult(check_name=COPY_CHECK, passed=True, metadata=same, description=(
        f"every published table of the working database has the rows and content hash recorded for {served.version_id}"))
    yield _readable_check(warehouse, served.version_id, served.info["row_counts"])
    yield dg.AssetCheckResult(check_name=REPLACED_UNCHANGED_CHECK, passed=True, metadata=same,
                              description=f"nothing replaced; the served file has the sha256 recorded for {served.version_id}")


def _coverage_check(warehouse: WarehouseResource, target, *, accepted: bool) -> dg.AssetCheckResult:
    """Every figure against the published version (orchestration/wap/coverage.py); a fall beyond
    its tolerance fails the check (a warning only when accepted for this run)."""
    current = current_version(target)
    # The version's own file, as the project's other readers: the served copy may have been
    # changed in place (it is verified, and replaced, by `publish`), or be held by a user.
    published = current.path if current else None
    changes = changes_since_published(Path(warehouse.working_duckdb_path), published)
    falls = blocked(changes)
    metadata = {
        "compared_with": dg.MetadataValue.text(str(published) if published else "nothing published yet: floors"),
        "figures": dg.MetadataValue.json({c.label: {"published": c.before, "now": c.after} for c in changes}),
    }
    if not falls:
        return dg.AssetCheckResult(check_name=COVERAGE_CHECK, passed=True, metadata=metadata)
    named = "; ".join(change.describe() for change in falls)
    if accepted:
        return dg.AssetCheckResult(
            check_name=COVERAGE_CHECK, passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
            description=f"accepted for this run (accept_volume_change): {named}",
        )
    return dg.AssetCheckResult(
        check_name=COVERAGE_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata,
        description=f"{named}. If this is intended, accept it for one run: make run ACCEPT_CHANGE=1 "
                    "(or accept_volume_change: true in the published/warehouse config)",
    )


def _replaced_check(context: dg.AssetExecutionContext, replaced: dict[str, Any] | None) -> dg.AssetCheckResult:
    """What `publish` found the file it replaced to be (None: nothing was served before)."""
    if replaced is None:
        return dg.AssetCheckResult(check_name=REPLACED_UNCHANGED_CHECK, passed=True,
                                   metadata={"status": "nothing was served before"})
    integrity = Integrity.from_record(replaced)
    changed = integrity.status == CHANGED_IN_PLACE
    description = None
    if changed:
        description = f"{integrity.describe()}; replaced by this version, and recorded in history.jsonl"
        context.log.warning(description)
    return dg.AssetCheckResult(
        check_name=REPLACED_UNCHANGED_CHECK, passed=not changed, severity=dg.AssetCheckSeverity.WARN,
        description=description, metadata={key: value for key, value in replaced.items() if value is not None},
    )


def _readable_check(warehouse: WarehouseResource, version_id: str, row_counts: dict[str, int]) -> dg.AssetCheckResult:
    """Open the public path as a user would (read-only) and read back what was published."""
    path = warehouse.publish_target().published_path
    try:
        with connect_read_only(path) as conn:
            (published_id,) = conn.execute("select version_id from meta.publication").fetchone()
            counts = dict(conn.execute("select table_name, row_count from meta.table_row_counts").fetchall())
    except Exception as exc:  # noqa: BLE001 - any failure to open is the check's finding
        return dg.AssetCheckResult(
            check_name=READABLE_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR,
            description=f"{path} did not open read-only: {exc}",
        )
    # Another run may have published right after this one; then this is a later version.
    passed = counts == row_counts if published_id == version_id else published_id > version_id
    return dg.AssetCheckResult(
        check_name=READABLE_CHECK, passed=passed, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"opened_version_id": published_id, "expected_version_id": version_id},
    )
