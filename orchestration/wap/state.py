"""The working database's audit state: may its current contents be published?

Runs write the working database step by step (raw loads, then dbt). Between those steps its
contents are a mix that no check has passed as a whole, so every writer marks its area of the
database `building` before it writes, and only a complete, successful `dbt build` of that area
(every model built, every test passed, on raw tables that passed their gates) marks it `audited`. The publish
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

# Independent parts of the working database, each written by its own raw assets and audited by
# its own dbt build: the paper's tables (`core`) and the weekly v2 history (`weekly`). A weekly
# run leaves the core tables as audited as they were, and the other way round.
CORE = "core"
WEEKLY = "weekly"
AREAS = (CORE, WEEKLY)


@dataclass(frozen=True)
class AreaState:
    status: str
    """`building` (written, not yet audited as a whole) or `audited`."""
    run_id: str | None
    """The run that last changed the state: for `audited`, the run whose checks passed."""
    step: str
    """What changed it: `raw/leaderboard`, `dbt build`, …"""
    updated_at: str
    built_from: dict | None = None
    """For the dbt build's incremental rebuild (wap/inputs.py, BuiltFrom as a dict): what the
    last audited build of the area read. Kept while raw loads mark the area building; cleared
    when a dbt build starts, so a build that did not finish is never taken as a starting point."""


@dataclass(frozen=True)
class AuditState:
    """The whole working database: publishable only when every area built so far is audited
    (an area never built has no tables to publish), and something has been built."""

    areas: dict[str, AreaState]

    @property
    def audited(self) -> bool:
        return bool(self.areas) and all(area.status == AUDITED for area in self.areas.values())

    @property
    def status(self) -> str:
        return AUDITED if self.audited else BUILDING

    @property
    def last_change(self) -> AreaState:
        """The area state that decides: the latest `building` one, else the latest update."""
        if not self.areas:
            return AreaState(status=BUILDING, run_id=None, step="(nothing built yet)", updated_at="")
        building = [a for a in self.areas.values() if a.status == BUILDING]
        return max(building or self.areas.values(), key=lambda a: a.updated_at)

    @property
    def run_id(self) -> str | None:
        return self.last_change.run_id

    @property
    def step(self) -> str:
        return self.last_change.step

    @property
    def updated_at(self) -> str:
        return self.last_change.updated_at

    def area(self, name: str) -> AreaState | None:
        return self.areas.get(name)


def state_path(work_dir: Path) -> Path:
    return work_dir / STATE_FILE_NAME


def read_state(work_dir: Path) -> AuditState:
    path = state_path(work_dir)
    if not path.exists():
        return AuditState(areas={})
    data = json.loads(path.read_text(encoding="utf-8"))
    return AuditState(areas={name: AreaState(**area) for name, area in data.get("areas", {}).items()})


# write_state's default for built_from: the area keeps what it had.
KEEP = "keep"


def write_state(work_dir: Path, status: str, *, run_id: str | None, step: str, area: str = CORE,
                built_from: dict | None | str = KEEP) -> AuditState:
    """Set one area's status (and what its last audited build read: `built_from`, by default
    kept); the other areas keep theirs. Writers are serialised by the writer pool, so
    read-modify-write of this small file does not race."""
    if status not in (BUILDING, AUDITED):
        raise ValueError(f"unknown audit status {status!r}")
    if area not in AREAS:
        raise ValueError(f"unknown audit area {area!r}; expected one of {AREAS}")
    areas = dict(read_state(work_dir).areas)
    if built_from == KEEP:
        built_from = areas[area].built_from if area in areas else None
    areas[area] = AreaState(status=status, run_id=run_id, step=step, updated_at=datetime.now(UTC).isoformat(),
                            built_from=built_from)
    work_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomically(state_path(work_dir), {"areas": {name: asdict(a) for name, a in areas.items()}})
    return AuditState(areas=areas)


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
