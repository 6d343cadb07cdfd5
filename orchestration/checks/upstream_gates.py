"""Blocking checks that gate across runs.

Dagster's blocking checks stop downstream assets in the run that evaluated them. A weekly
schedule, sensor or user may launch the downstream assets of a partitioned asset in a later
run, without it; those assets call `raise_if_upstream_failed` first, so a failed gate still
holds until a later evaluation of the same check passes.
"""

from collections.abc import Sequence

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus


def failed_upstream_checks(instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey]) -> list[str]:
    """One line per check whose latest evaluation, in any run, failed."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    failures = []
    for key, record in sorted(latest.items(), key=lambda item: item[0].to_user_string()):
        if record.status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        evaluation = record.event.dagster_event.event_specific_data if record.event and record.event.dagster_event else None
        detail = getattr(evaluation, "description", None) or "failed"
        failures.append(f"{key.to_user_string()} failed in run {record.run_id}: {detail}")
    return failures


def raise_if_upstream_failed(
    context: dg.AssetExecutionContext, check_keys: Sequence[dg.AssetCheckKey], *, what: str
) -> None:
    failures = failed_upstream_checks(context.instance, check_keys)
    if failures:
        raise dg.Failure(
            description=(
                f"{what} not run: a blocking check upstream failed in its last evaluation, and no "
                "later run has passed it. Fix the input and re-run the upstream partition.\n"
                + "\n".join(f"- {line}" for line in failures)
            ),
            metadata={"failed_upstream_checks": dg.MetadataValue.json(failures)},
        )
