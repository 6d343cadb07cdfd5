"""One writing run at a time, for the whole run.

The `duckdb_writer` pool (dagster.yaml) serialises steps, not runs. Steps of two runs could then
take turns: run A builds and audits its marts, run B's raw load marks the working database
`building`, and A's publish finds nothing it may publish (wap/state.py) and fails. So every run
that writes the working database also holds this lock, an exclusive `flock` on a file beside the
database, from before its first step until it ends (the `writer_lock` resource). A second run
waits for it before it claims any pool slot; steps of two runs never interleave.

Whatever launched the run (`make run`, the UI, a schedule, a backfill), runs use the in-process
executor and so initialise resources once, before their first step. The kernel drops the lock
when its process ends, killed or not: a killed run leaves nothing to clean up.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE_NAME = "writer.lock"
# A waiting run says again who holds the lock this often (the holder may change).
REPORT_EVERY_SECONDS = 60.0


def lock_path(work_dir: Path) -> Path:
    return work_dir / LOCK_FILE_NAME


def describe_holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it down (best effort: it may be mid-write)."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return (f"run {holder['run_id']} (process {holder['pid']} on {holder['host']}, "
                f"writing since {holder['since']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another run"


@contextmanager
def hold_writer_lock(work_dir: Path, run_id: str | None, *, log: Callable[[str], None],
                     poll_seconds: float = 0.5, report_every: float = REPORT_EVERY_SECONDS) -> Iterator[None]:
    """Wait for, then hold, the working database's writer lock; name the run it waits for."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(work_dir)
    # Never deleted: a waiter holding the file open must lock the same file as the next holder.
    with path.open("a+", encoding="utf-8") as handle:
        waited_since, reported = None, None
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            now = time.monotonic()
            waited_since = waited_since or now
            if reported is None or now - reported >= report_every:
                log(f"waiting for the working database {work_dir}: {describe_holder(path)} is writing it; "
                    "one run writes at a time, and this one starts when it ends")
                reported = now
            # Polled rather than blocking, to say again whom it waits for: a third run may take the lock first.
            time.sleep(poll_seconds)
        try:
            if waited_since is not None:
                log(f"the working database is free after {time.monotonic() - waited_since:.1f} s of waiting")
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                                     "since": datetime.now(UTC).isoformat(timespec="seconds")}))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
