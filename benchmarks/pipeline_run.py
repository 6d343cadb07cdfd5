"""One measured pipeline run, in its own process: `python -m benchmarks.pipeline_run TASK.json`.

The task names a job (`build_warehouse`, or `leaderboard_v2_weekly` over a range of weeks) and
the environment (the warehouse's settings) to run it with. The run goes through the product's
own CLI path (`orchestration.cli.run_job`: DAGSTER_HOME on disk, the job executed in process),
then its timings are read back from the instance's event log and dbt's run_results.json and
written as JSON to the task's `result` path. The parent measures wall time and peak RSS.

How a run's time is split (`split_timings`, unit-tested):
  * each step's duration is STEP_START → STEP_SUCCESS/STEP_FAILURE in the event log;
  * ingest   = the raw and HFCommunity steps, minus the GX validations they ran;
  * checks   = GX validations (the `validation_seconds` of every check evaluation, which covers
               reading the rows and running the suite) + every dbt test node (run_results.json);
  * dbt      = the dbt steps minus their test nodes (model and seed nodes, and dbt's own
               start-up: parsing, connecting; reported apart as `dbt_startup`);
  * publish  = the `published/warehouse` step; figures = the figure steps and the report;
  * orchestration overhead = the process's wall time minus every step: interpreter start-up,
    imports, Dagster definitions, the run's own bookkeeping (event log writes, run storage).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

PROCESS_STARTED = time.time()

CATEGORIES = ("ingest", "dbt", "checks", "figures", "publish", "orchestration")


@dataclass(frozen=True)
class StepTiming:
    step_key: str
    seconds: float


@dataclass(frozen=True)
class DbtNodeTiming:
    unique_id: str
    resource_type: str
    seconds: float
    started: float | None = None
    """When the node's compile started and its execution completed (epoch seconds), from
    run_results.json's `timing`: dbt runs nodes on several threads, so only these intervals,
    not the sum of the nodes' times, fit in the step's wall time."""
    completed: float | None = None


@dataclass
class RunTimings:
    """A run's time by category (seconds), with what it was derived from."""

    wall_seconds: float
    categories: dict[str, float]
    dbt_startup_seconds: float
    steps: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def step_category(step_key: str) -> str:
    """The category of a Dagster step of this project's jobs, by its op name."""
    if step_key.startswith(("raw", "hub_")):
        return "ingest"
    if "dbt" in step_key:
        return "dbt"
    if step_key.startswith("published"):
        return "publish"
    if step_key.startswith(("figures", "report")):
        return "figures"
    raise ValueError(f"step {step_key!r} belongs to no benchmark category")


def split_timings(
    wall_seconds: float,
    steps: Iterable[StepTiming],
    gx_seconds: float,
    dbt_nodes: Iterable[DbtNodeTiming],
) -> RunTimings:
    """Split a run's wall time into CATEGORIES (see the module docstring)."""
    steps = list(steps)
    totals = dict.fromkeys(CATEGORIES, 0.0)
    for step in steps:
        totals[step_category(step.step_key)] += step.seconds
    nodes = list(dbt_nodes)
    tests, built = dbt_wall_seconds(nodes)
    if gx_seconds > totals["ingest"] + 1e-6 or tests + built > totals["dbt"] + 1e-6:
        raise ValueError(
            f"inner timings exceed their steps: GX {gx_seconds:.3f}s in {totals['ingest']:.3f}s of ingest, "
            f"dbt nodes {tests + built:.3f}s in {totals['dbt']:.3f}s of dbt steps"
        )
    dbt_step_seconds = totals["dbt"]
    totals["ingest"] -= gx_seconds
    totals["dbt"] -= tests
    totals["checks"] = gx_seconds + tests
    stepped = sum(step.seconds for step in steps)
    if stepped > wall_seconds + 1e-6:
        raise ValueError(f"steps took {stepped:.3f}s, more than the run's wall time {wall_seconds:.3f}s")
    totals["orchestration"] = wall_seconds - stepped
    return RunTimings(
        wall_seconds=wall_seconds,
        categories=totals,
        dbt_startup_seconds=dbt_step_seconds - tests - built,
        steps={step.step_key: step.seconds for step in steps},
    )


def dbt_wall_seconds(nodes: list[DbtNodeTiming]) -> tuple[float, float]:
    """(tests, built): the wall time in which dbt ran a test node and no other node, and the wall
    time in which it ran a model or seed node (tests running beside one count as built).
    Nodes without intervals (older results) count their own times, as if run one at a time."""
    def is_test(node: DbtNodeTiming) -> bool:
        return node.resource_type in ("test", "unit_test")

    timed = [n for n in nodes if n.started is not None and n.completed is not None]
    untimed = [n for n in nodes if n.started is None or n.completed is None]
    tests = sum(n.seconds for n in untimed if is_test(n))
    built = sum(n.seconds for n in untimed if not is_test(n))
    points = sorted({point for n in timed for point in (n.started, n.completed)})
    for start, end in zip(points, points[1:]):
        running = [n for n in timed if n.started <= start and n.completed >= end]
        if any(not is_test(n) for n in running):
            built += end - start
        elif running:
            tests += end - start
    return tests, built


def models_downstream_of(manifest: Mapping, source_wanted) -> set[str]:
    """The dbt models (unique ids) that read, directly or through other nodes, a source whose
    table name `source_wanted` accepts."""
    nodes = manifest["nodes"]
    readers: dict[str, list[str]] = {}
    for uid, node in nodes.items():
        for parent in node["depends_on"].get("nodes", []):
            readers.setdefault(parent, []).append(uid)
    todo = [uid for uid, source in manifest["sources"].items() if source_wanted(source["name"])]
    found: set[str] = set()
    while todo:
        for reader in readers.get(todo.pop(), []):
            if reader not in found and nodes[reader]["resource_type"] in ("model", "seed", "snapshot"):
                found.add(reader)
                todo.append(reader)
    return {uid for uid in found if nodes[uid]["resource_type"] == "model"}


def upstream_of(manifest: Mapping, marts: Iterable[str]) -> tuple[set[str], set[str]]:
    """(unique ids of the models and seeds `marts` are built from, the marts included; the
    names of the source tables they read)."""
    nodes, names = manifest["nodes"], set(marts)
    needed: set[str] = set()
    sources: set[str] = set()
    todo = [uid for uid, node in nodes.items() if node["resource_type"] == "model" and node["name"] in names]
    while todo:
        uid = todo.pop()
        if uid in needed:
            continue
        needed.add(uid)
        for parent in nodes[uid]["depends_on"].get("nodes", []):
            if parent.startswith("source."):
                sources.add(manifest["sources"][parent]["name"])
            elif parent in nodes:
                todo.append(parent)
    return needed, sources


def marts_share(run: Mapping, manifest: Mapping, marts: Iterable[str]) -> dict[str, float]:
    """The part of a pipeline run (a benchmarks.pipeline_run result) that built `marts`: every
    raw table they read, loaded and gated (the asset's own `load` and `gate` seconds where one
    step loads several tables, else its step), and the wall time dbt ran a model, seed or test
    they are built from (intervals, as dbt_wall_seconds). The fixed start-up of Dagster and dbt
    is not in it."""
    nodes = manifest["nodes"]
    needed, sources = upstream_of(manifest, marts)
    tests = {uid for uid, node in nodes.items() if node["resource_type"] in ("test", "unit_test")
             and set(node["depends_on"].get("nodes", [])) & needed}  # fmt: skip
    timed = [DbtNodeTiming(**node) for node in run["dbt_nodes"] if node["unique_id"] in needed | tests]
    dbt_tests, dbt_built = dbt_wall_seconds(timed)
    raw = 0.0
    for table in sorted(sources):
        parts = run["asset_seconds"].get(f"raw/{table}", {})
        raw += parts["load"] + parts.get("gate", 0.0) if "load" in parts else run["steps"][f"raw__{table}"]
    return {"raw_seconds": raw, "dbt_seconds": dbt_tests + dbt_built, "total_seconds": raw + dbt_tests + dbt_built,
            "raw_tables": len(sources), "dbt_nodes": len(timed)}  # fmt: skip


def step_timings(instance, run_id: str) -> list[StepTiming]:
    """Each step's duration from the run's event log (start to success or failure)."""
    from dagster import DagsterEventType

    started: dict[str, float] = {}
    timings = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            timings.append(StepTiming(event.step_key, record.timestamp - started[event.step_key]))
    return timings


def run_bounds(instance, run_id: str) -> tuple[float, float]:
    """(RUN_START, RUN_SUCCESS or RUN_FAILURE) timestamps of a run."""
    from dagster import DagsterEventType

    start = end = None
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.RUN_START:
            start = record.timestamp
        elif event.event_type in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            end = record.timestamp
    if start is None or end is None:
        raise ValueError(f"run {run_id} has no start or end event")
    return start, end


def asset_seconds(instance, run_id: str) -> dict[str, dict[str, float]]:
    """Per raw asset (its key, `raw/hfc_commits`), what the event log says it took: `load` (the
    materialization's `load_seconds`, given where one step loads several tables) and `gate`
    (its checks' `validation_seconds`, summed; their total is the run's GX time)."""
    from dagster import DagsterEventType

    seconds: dict[str, dict[str, float]] = {}
    for kind, key, event_type in (("load", "load_seconds", DagsterEventType.ASSET_MATERIALIZATION),
                                  ("gate", "validation_seconds", DagsterEventType.ASSET_CHECK_EVALUATION)):  # fmt: skip
        for record in instance.all_logs(run_id, of_type=event_type):
            data = record.dagster_event.event_specific_data
            metadata = (data.materialization.metadata if kind == "load" else data.metadata) or {}
            if key in metadata:
                asset = data.materialization.asset_key if kind == "load" else data.asset_key
                parts = seconds.setdefault(asset.to_user_string(), {})
                parts[kind] = parts.get(kind, 0.0) + float(metadata[key].value)
    return seconds


def dbt_node_timings(target_dir: Path, run_id: str) -> list[DbtNodeTiming]:
    """The nodes of every dbt invocation of the run (dagster-dbt writes each invocation's
    artifacts to target/<op>-<run id prefix>-<uuid>/)."""
    nodes = []
    for run_results in sorted(target_dir.glob(f"*-{run_id[:7]}-*/run_results.json")):
        for result in json.loads(run_results.read_text())["results"]:
            unique_id = result["unique_id"]
            moments = [datetime.fromisoformat(t[key]).timestamp() for t in result.get("timing", [])
                       for key in ("started_at", "completed_at") if t.get(key)]  # fmt: skip
            nodes.append(DbtNodeTiming(unique_id, unique_id.split(".", 1)[0], float(result["execution_time"]),
                                       min(moments, default=None), max(moments, default=None)))  # fmt: skip
    return nodes


def main(task_path: str) -> int:
    task = json.loads(Path(task_path).read_text())
    os.environ.update(task["env"])
    # What the run prints (the CLI's summary, dbt's log lines) is not the benchmark's output.
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        import dagster as dg

        from orchestration.cli import run_job
        from orchestration.partitions import partition_range_tags
        from orchestration.settings import load_settings

        settings = load_settings()
        imported = time.time()
        tags = partition_range_tags(*task["weeks"]) if task.get("weeks") else None
        exit_code = run_job(settings, task["job"], tags=tags)
        with dg.DagsterInstance.get() as instance:
            run = instance.get_runs(limit=1)[0]
            steps = step_timings(instance, run.run_id)
            per_asset = asset_seconds(instance, run.run_id)
            gx_seconds = sum(parts.get("gate", 0.0) for parts in per_asset.values())
            run_start, run_end = run_bounds(instance, run.run_id)
    # Each working database keeps its own dbt target directory (settings.dbt_target_dir).
    nodes = dbt_node_timings(settings.dbt_target_dir, run.run_id)
    # dagster-dbt's per-invocation artifacts (a manifest copy each): read, and not worth keeping.
    for invocation_dir in settings.dbt_target_dir.glob(f"*-{run.run_id[:7]}-*"):
        shutil.rmtree(invocation_dir, ignore_errors=True)
    finished = time.time()
    # From the parent's launch when it says (interpreter start-up included), else this module's import.
    launched = task.get("launched_at", PROCESS_STARTED)
    timings = split_timings(finished - launched, steps, gx_seconds, nodes)
    result = {
        "exit_code": exit_code,
        "run_id": run.run_id,
        "imports_seconds": imported - launched,
        # The orchestration overhead's parts: before the run starts (interpreter, imports, Dagster
        # definitions, instance), inside it between steps, after it ends (summary, exit).
        "before_run_seconds": run_start - launched,
        "after_run_seconds": finished - run_end,
        "timings": timings.to_dict(),
        "asset_seconds": per_asset,
        "dbt_nodes": [asdict(node) for node in nodes],
        "log_tail": log.getvalue()[-4000:],
    }
    Path(task["result"]).write_text(json.dumps(result, indent=2))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
