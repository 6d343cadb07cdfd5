"""Runs whose process was killed (SIGKILL, out of memory, power loss) stay STARTED in DAGSTER_HOME
for ever, and keep their slot of the one-writer pool: every later run would wait for it. Each
run `python -m orchestration.cli` starts is tagged with its process id and host; before the next
one starts, a run so tagged whose process is gone is marked failed and its slots are freed, so a
killed run needs no manual clean-up. Runs launched from the UI are left to Dagster's own run
monitoring (they carry no such tag)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

PROCESS_TAG = "warehouse/pid"
HOST_TAG = "warehouse/host"
# A process of ours: its command line names the CLI module (guards against a reused pid).
CLI_MODULE = "orchestration.cli"


def process_tags() -> dict[str, str]:
    """The tags that let a later run know whether this one's process still exists."""
    return {PROCESS_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():  # no /proc: trust the pid
        return True
    try:
        return CLI_MODULE in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed, and free the pool slots of, every run of this host whose process is gone;
    return their run ids."""
    unfinished = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED])
    )
    released = []
    for run in unfinished:
        pid, host = run.tags.get(PROCESS_TAG), run.tags.get(HOST_TAG)
        if pid is None or host != socket.gethostname() or not pid.isdigit() or process_alive(int(pid)):
            continue
        instance.report_run_failed(run, f"its process {pid} is gone (killed); marked failed by the next run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released
