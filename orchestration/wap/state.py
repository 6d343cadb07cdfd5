"""The working database's audit state: may its current contents be published?

Runs write the working database step by step (raw loads, then dbt). Between those steps its
contents are a mix that no check has passed as a whole, so every writer marks the database
`building` before it writes, and only a complete, successful `dbt build` (every model built,
every test passed, on raw tables that passed their gates) marks it `audited`. The publish
asset refuses anything but `audited`.

The state is a small JSON file beside the working database, replaced atomically (write, fsync,
rename). A run killed between "building" and "audited" leaves "building": nothing half-built
can be published, and the next complete run audits again. Several runs may interleave their
steps (the writer pool serialises steps, not runs); whatever order they take, the state
describes the database as the last writer left it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE_NAME = "audit_state.json"
BUILDING = "building"
AUDITED = "audited"


@dataclass(frozen=True)
class AuditState:
    status: str
    """`building` (written, not yet audited as a whole) or `audited`."""
    run_id: str | None
    """The run that last changed the state: for `audited`, the run whose checks passed."""
    step: str
    """What changed it: `raw/leaderboard`, `dbt build`, …"""
    updated_at: str

    @property
    def audited(self) -> bool:
        return self.status == AUDITED


def state_path(work_dir: Path) -> Path:
    return work_dir / STATE_FILE_NAME


def read_state(work_dir: Path) -> AuditState:
    path = state_path(work_dir)
    if not path.exists():
        return AuditState(status=BUILDING, run_id=None, step="(nothing built yet)", updated_at="")
    data = json.loads(path.read_text(encoding="utf-8"))
    return AuditState(**data)


def write_state(work_dir: Path, status: str, *, run_id: str | None, step: str) -> AuditState:
    if status not in (BUILDING, AUDITED):
        raise ValueError(f"unknown audit status {status!r}")
    state = AuditState(status=status, run_id=run_id, step=step, updated_at=datetime.now(UTC).isoformat())
    work_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomically(state_path(work_dir), asdict(state))
    return state


def write_json_atomically(path: Path, data: object) -> None:
    """Write, fsync, rename: a reader (or a crash) sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


def fsync_path(path: Path) -> None:
    """fsync a file (its bytes) or a directory (a rename in it) to make it durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
