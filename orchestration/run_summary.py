"""What a finished run tells its user: every failed step named with its asset, and for a load
error the file, row, column and reason, in the run's closing summary, as failed checks are.

The reason is the step's own failure description (a `dg.Failure` raised by a loader names the
file, row and column), never its traceback; an unexpected exception gives its first line."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class StepFailure:
    step: str
    assets: tuple[str, ...]
    reason: str
    location: dict[str, str]
    """file / row / column / check, where the failure's metadata names them."""

    def line(self) -> str:
        what = ", ".join(self.assets[:3]) + (f" and {len(self.assets) - 3} more" if len(self.assets) > 3 else "")
        # A loader's reason names its file, row and column; anything it leaves out is added.
        missing = [f"{name} {value}" for name, value in self.location.items()
                   if value not in self.reason and value != "unknown"]
        return f"{what or self.step} (step {self.step}): {self.reason}" + (f" [{', '.join(missing)}]" if missing else "")


LOCATION_KEYS = ("file", "row", "column", "check")


def _assets_of_step(result: dg.ExecuteInProcessResult, event: dg.DagsterEvent) -> tuple[str, ...]:
    layer = result.job_def.asset_layer
    assets_def = layer.get_assets_def_for_node(event.node_handle) if event.node_handle else None
    if assets_def is None:
        return ()
    return tuple(sorted(key.to_user_string() for key in assets_def.keys & layer.selected_asset_keys))


def step_failures(result: dg.ExecuteInProcessResult) -> list[StepFailure]:
    failures = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        data = event.event_specific_data
        user = getattr(data, "user_failure_data", None)
        if user is not None and user.description:
            reason = user.description
            location = {k: str(user.metadata[k].value) for k in LOCATION_KEYS if k in user.metadata}
        else:
            error = data.error
            # The root cause's first line: Dagster wraps user code errors.
            while error is not None and error.cause is not None and "dagster" in (error.cls_name or "").lower():
                error = error.cause
            message = (error.message if error is not None else "unknown error").strip()
            reason = message.splitlines()[0] if message else "unknown error"
            location = {}
        failures.append(StepFailure(event.step_key or "?", _assets_of_step(result, event), reason, location))
    return failures
