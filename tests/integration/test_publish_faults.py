"""Write-audit-publish under faults: runs killed by SIGKILL at a seeded point of each stage lose
nothing and need no clean-up, and two runs at once both succeed, one whole run after the other.

Runs are real: `python -m orchestration.cli materialize` in its own process (as `make run`),
on a copy of the session's generated build and on other generated data, so each run has changes
to write (tests/integration/publish_runs.py). The full disk, the readers and rollback are in
tests/integration/test_publish.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.wap.state import read_state
from orchestration.wap.versions import PublishTarget, history
from tests.conftest import make_settings
from tests.fault_points import KillPoint, kill_points
from tests.integration.builds import Build
from tests.integration.harness import PublishedState, published_version_id
from tests.integration.publish_runs import (
    SCALE,
    WRITING_STARTED,
    assert_published_opens_complete,
    other_data,
    start_run,
    use_other_data,
    writer_steps,
)


@pytest.fixture(scope="module")
def first_version(generated_build) -> Build:
    """One run published: the version users hold when the next run starts."""
    return generated_build


# ------------------------------------------------------------------------------------------
# Crashes, then two runs at once
# ------------------------------------------------------------------------------------------


def wait_until(condition, process: subprocess.Popen, lines: list[str], what: str) -> None:
    """Poll `condition` while the run goes on (at most 10 minutes)."""
    deadline = time.monotonic() + 600
    while not condition():
        assert process.poll() is None, f"the run ended before {what}:\n{''.join(lines[-20:])}"
        assert time.monotonic() < deadline, f"no {what} in 10 minutes"
        time.sleep(0.002)


def kill_at(point: KillPoint, process: subprocess.Popen, lines: list[str], versions_dir: Path) -> None:
    """SIGKILL the run and its dbt child (as a supervisor would) `point.delay` seconds after the
    `point.occurrence`-th occurrence of its stage's trigger: a line of the run's output with the
    stage's markers, or (publish) a new version's temporary file in `versions_dir`."""
    before = set(versions_dir.glob(".v*.duckdb.tmp"))

    def occurrences() -> int:
        if not point.markers:
            return int(bool(set(versions_dir.glob(".v*.duckdb.tmp")) - before))
        return sum(all(marker in line for marker in point.markers) for line in list(lines))

    wait_until(lambda: occurrences() >= point.occurrence, process, lines, point.describe())
    time.sleep(point.delay)
    assert process.poll() is None, f"the run ended before {point.describe()}"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_sigkill_at_seeded_points_keeps_the_last_good_version_and_two_runs_at_once_recover_one_writer_at_a_time(
    first_version, tmp_path, monkeypatch
):
    """Three runs, each killed at a seeded point of its stage (ingest, dbt, publish;
    tests/fault_points.py), each starting on what the previous kill left. After every kill the
    published warehouse opens complete and is the last good version (the one before, or the one
    the killed run had already swapped in). Then two runs at once on the DAGSTER_HOME the kills
    left, the second launched while the first writes: neither needs manual clean-up, both succeed
    and publish, one whole run after the other.
    (Two runs preparing a new DAGSTER_HOME at once: tests/unit/test_cli.py.)"""
    datasets = (3, 6)  # alternate the generated data, so every run has changes to write
    settings = use_other_data(first_version, tmp_path, monkeypatch, seed=datasets[0])
    for seed in datasets:
        generate_snapshot(tmp_path / f"generated-{seed}", seed=seed, scale=float(SCALE))
    last_good = PublishedState.of(settings)
    target = PublishTarget.from_settings(settings)

    for index, point in enumerate(kill_points()):
        settings = make_settings(tmp_path, monkeypatch, **{**first_version.inputs, **other_data(datasets[index % 2], tmp_path)})
        leftovers = set(settings.versions_dir.glob(".v*.duckdb.tmp"))  # an earlier kill's, until a publish
        process, lines = start_run()
        kill_at(point, process, lines, settings.versions_dir)

        assert_published_opens_complete(settings)
        now = PublishedState.of(settings)
        if now != last_good:  # killed after its swap: its version is complete and the newest
            assert now.version_id > last_good.version_id, f"{point.describe()}: the published version went back"
            assert history(target)[-1]["version_id"] == now.version_id
            last_good = now
        if set(settings.versions_dir.glob(".v*.duckdb.tmp")) - leftovers:
            assert read_state(settings.work_dir).audited, f"{point.describe()}: killed mid-publish, the audited build stays publishable"

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        killed = {r.run_id for r in instance.get_runs()}
    assert len(killed) == len(kill_points())
    publishes_before = [e for e in history(target) if e["event"] == "publish"]

    # Full refreshes: the second would otherwise find the first's files loaded and its marts
    # published, and rightly do nothing (wap/inputs.py); both must write, one at a time.
    # The second is launched once the first writes, so the first is steps ahead when the second
    # starts: taking turns step by step, the second's raw loads came between the first's dbt build
    # and its publish, and the first had nothing audited to publish (CI, 2026-12-07). Whole runs
    # now take turns (wap/writer_lock.py).
    first = start_run("--full-refresh")
    wait_until(lambda: any(WRITING_STARTED in line for line in list(first[1])), *first, "its first writing step")
    runs = [first, start_run("--full-refresh")]
    codes = [process.wait(timeout=1200) for process, _ in runs]

    outputs = ["".join(lines) for _, lines in runs]
    assert codes == [0, 0], "the next runs need no manual clean-up:\n" + outputs[0][-2000:] + outputs[1][-2000:]
    assert any("was killed: marked failed and its writer slot freed" in output for output in outputs)
    # Whole runs, not steps, take turns (wap/writer_lock.py): one waited for the other's lock.
    assert sum("waiting for the working database" in output for output in outputs) == 1, outputs
    publishes = [e for e in history(target) if e["event"] == "publish"]
    assert len(publishes) == len(publishes_before) + 2, "one version per run"
    assert published_version_id(settings) > last_good.version_id
    assert_published_opens_complete(settings)
    assert not list(settings.versions_dir.glob(".*.tmp"))

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        runs_now = instance.get_runs()
        assert {r.run_id for r in runs_now if r.status == dg.DagsterRunStatus.FAILURE} == killed, "the killed runs, marked failed"
        run_ids = [r.run_id for r in runs_now if r.run_id not in killed]
        assert len(run_ids) == 2
        writers = writer_steps(settings)
        intervals = []
        for run_id in run_ids:
            starts: dict[str, float] = {}
            for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START,
                                                            dg.DagsterEventType.STEP_SUCCESS}):
                step = entry.step_key
                if step not in writers:
                    continue
                if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
                    starts[step] = entry.timestamp
                else:
                    intervals.append((run_id, step, starts[step], entry.timestamp))
    # The v1 leaderboard, the final v1 table beside it, repo details, commit data and the
    # HFCommunity dump; dbt; publish.
    assert len(intervals) == 2 * 7, "five raw loads, dbt and publish in each run"
    for run_a, step_a, start_a, end_a in intervals:
        for run_b, step_b, start_b, end_b in intervals:
            if run_a < run_b:
                assert end_a <= start_b or end_b <= start_a, f"{step_a} and {step_b} wrote at the same time"
    spans = {}
    for run_id, _, start, end in intervals:
        first_start, last_end = spans.get(run_id, (start, end))
        spans[run_id] = (min(first_start, start), max(last_end, end))
    (_, earlier_end), (later_start, _) = sorted(spans.values())
    assert earlier_end <= later_start, "whole runs take turns: no step of one between two steps of the other"
