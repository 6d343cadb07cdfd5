"""What the working database was last loaded and built from, so a run redoes only what changed.

HFCommunity publishes a dump a month and the leaderboard changes once a week, but a run starts
every time, so each step compares what it would read with what it last did:

- **Raw loads.** After a file passed its gate and replaced raw.<name> (never before: a file that
  failed is loaded and gated again by the next run), the raw asset records the file's sha256,
  where it was read from and the gate it passed (`LoadedInput`, in `loaded_inputs.json` beside
  the working database). A run that finds the same bytes at the same place for the same gate,
  with raw.<name> still holding them, skips the load and the gate (`is_unchanged`): the asset
  reports `unchanged` with the checksum. Another file, another path or setting (say
  WAREHOUSE_V1_SOURCE), another suite or quarantine threshold is a change.
- **dbt.** An audited build of an area records the loads it was built from and the dbt
  project's fingerprint (`BuiltFrom`, in the audit state, wap/state.py). The next build
  rebuilds only the models and seeds downstream of the raw tables whose load changed, nothing
  when none did, and everything when the project changed, a model is missing, or the last build
  of the area did not finish (`plan_rebuild`).
- **Publish.** Nothing new is published when the working database's marts equal the served
  version's (orchestration/wap/versions.py, `unchanged_version`).

A full refresh (`make run FULL_REFRESH=1`, the run tag FULL_REFRESH_TAG) ignores all three.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.wap.state import write_json_atomically

LOADED_INPUTS_FILE_NAME = "loaded_inputs.json"

# The run tag that forces every raw load, the whole dbt build and a new version (the CLI's
# --full-refresh, `make run FULL_REFRESH=1`; in the UI, add the tag when launching).
FULL_REFRESH_TAG = "openllm/full_refresh"


def full_refresh_requested(tags: Mapping[str, str]) -> bool:
    return str(tags.get(FULL_REFRESH_TAG, "")).lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class LoadedInput:
    """One raw table's last load that passed its gate."""

    checksum: str
    """sha256 of the file (for a dump: of the file the table's rows came from)."""
    source: str
    """Where it was read from: the path, or the dataset or API a landed file came from."""
    gate: str
    """gate_fingerprint() of the gate it passed."""
    run_id: str | None
    recorded_at: str
    rows: int
    extra_columns: tuple[str, ...] = field(default=())

    @property
    def load_id(self) -> str:
        """This load among all loads of the table: dbt's builds record what they read by it."""
        return f"{self.checksum}@{self.recorded_at}"

    @classmethod
    def now(cls, *, checksum: str, source: str, gate: str, run_id: str | None, rows: int,
            extra_columns: Iterable[str] = ()) -> LoadedInput:
        return cls(checksum, source, gate, run_id, datetime.now(UTC).isoformat(), rows, tuple(extra_columns))


def gate_fingerprint(*suite_paths: Path, **parameters: Any) -> str:
    """sha256 of the suites' JSON and the gate's parameters (layout, quarantine threshold):
    a file that passed one gate is gated again by another."""
    digest = hashlib.sha256()
    for path in suite_paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def loaded_inputs_path(work_dir: Path) -> Path:
    return work_dir / LOADED_INPUTS_FILE_NAME


def read_loaded_inputs(work_dir: Path) -> dict[str, LoadedInput]:
    """raw table (`raw.<name>`) → its last gated load; empty before the first."""
    path = loaded_inputs_path(work_dir)
    if not path.exists():
        return {}
    records = json.loads(path.read_text(encoding="utf-8"))
    return {table: LoadedInput(**{**record, "extra_columns": tuple(record.get("extra_columns", ()))})
            for table, record in records.items()}


def record_loaded_inputs(work_dir: Path, loads: Mapping[str, LoadedInput]) -> None:
    """Record loads that passed their gates (the other tables keep theirs). Writers are
    serialised by the writer pool, so this read-modify-write does not race."""
    records = {table: asdict(load) for table, load in read_loaded_inputs(work_dir).items()}
    records.update({table: asdict(load) for table, load in loads.items()})
    work_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomically(loaded_inputs_path(work_dir), records)


def forget_loaded_inputs(work_dir: Path, tables: Iterable[str]) -> None:
    """Drop the records of tables emptied without a load (a source no longer configured): the
    next dbt build sees them changed and rebuilds what reads them."""
    records = {table: asdict(load) for table, load in read_loaded_inputs(work_dir).items() if table not in set(tables)}
    if loaded_inputs_path(work_dir).exists():
        write_json_atomically(loaded_inputs_path(work_dir), records)


def is_unchanged(recorded: LoadedInput | None, *, checksum: str, source: str, gate: str) -> bool:
    """The same bytes from the same place for the same gate as the last load that passed."""
    return recorded is not None and (recorded.checksum, recorded.source, recorded.gate) == (checksum, source, gate)


# ---------------------------------------------------------------------------------------------
# dbt: what to rebuild
# ---------------------------------------------------------------------------------------------

# The dbt nodes a build writes (tests only read; they run with the models they test).
BUILT_RESOURCE_TYPES = ("model", "seed", "snapshot")


@dataclass(frozen=True)
class BuiltFrom:
    """What an audited dbt build of an area read: each raw table's load, and the project."""

    loads: dict[str, str]
    """`raw.<name>` → LoadedInput.load_id."""
    project: str
    """project_fingerprint() of the manifest it ran."""


@dataclass(frozen=True)
class RebuildPlan:
    rebuild: tuple[str, ...]
    """The names of the models and seeds to build (with their tests)."""
    keep: tuple[str, ...]
    """The names of the models and seeds left as the last audited build made them, parents
    before children (the order Dagster takes their results in)."""
    reason: str

    @property
    def everything(self) -> bool:
        return not self.keep

    @property
    def nothing(self) -> bool:
        return not self.rebuild


def project_fingerprint(manifest: Mapping[str, Any]) -> str:
    """sha256 of what a build's output depends on in the dbt project: every node's checksum
    (SQL, seed file) and config, every macro's SQL, every source's relation."""
    parts = {
        "nodes": {uid: [node.get("checksum"), node.get("config")] for uid, node in manifest["nodes"].items()},
        "macros": {uid: macro.get("macro_sql") for uid, macro in manifest.get("macros", {}).items()},
        "sources": {uid: [s.get("schema"), s.get("identifier")] for uid, s in manifest.get("sources", {}).items()},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def source_tables(manifest: Mapping[str, Any]) -> dict[str, str]:
    """`schema.identifier` of each dbt source → its unique id."""
    return {f"{s['schema']}.{s['identifier']}": uid for uid, s in manifest.get("sources", {}).items()}


def descendants(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """Every node downstream of `roots` (unique ids), through the manifest's child map."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        for child in manifest["child_map"].get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def topological_order(manifest: Mapping[str, Any], nodes: Iterable[str]) -> list[str]:
    """`nodes` (unique ids), each after every one of them it depends on; ties by id."""
    nodes = set(nodes)
    parents = {uid: set(manifest["parent_map"].get(uid, ())) & nodes for uid in nodes}
    order: list[str] = []
    while parents:
        ready = sorted(uid for uid, waiting in parents.items() if not waiting)
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(parents)}")
        order += ready
        for uid in ready:
            del parents[uid]
        for waiting in parents.values():
            waiting.difference_update(ready)
    return order


def plan_rebuild(
    manifest: Mapping[str, Any],
    area_nodes: Iterable[str],
    *,
    built_from: BuiltFrom | None,
    loads_now: Mapping[str, str],
    missing: Iterable[str] = (),
    full_refresh: bool = False,
) -> RebuildPlan:
    """Which of `area_nodes` (unique ids of the area's models and seeds) to build, given what
    the last audited build read (`built_from`; None when there is none, or a build of the area
    started since and did not finish), the loads the raw tables hold now (`loads_now`: raw
    table → load id) and the area's relations missing from the working database (`missing`)."""
    names = {uid: manifest["nodes"][uid]["name"] for uid in area_nodes
             if manifest["nodes"][uid]["resource_type"] in BUILT_RESOURCE_TYPES}

    order = topological_order(manifest, names)

    def plan(rebuild: set[str], reason: str) -> RebuildPlan:
        return RebuildPlan(tuple(names[u] for u in order if u in rebuild),
                           tuple(names[u] for u in order if u not in rebuild), reason)

    missing = sorted(missing)
    if full_refresh:
        return plan(set(names), "full refresh requested")
    if built_from is None:
        return plan(set(names), "no finished, audited build of this area to start from")
    if built_from.project != project_fingerprint(manifest):
        return plan(set(names), "the dbt project changed since the last audited build")
    if missing:
        return plan(set(names), f"missing from the working database: {', '.join(missing)}")
    sources = source_tables(manifest)
    changed = sorted(table for table in sources
                     if table in loads_now.keys() | built_from.loads.keys()
                     and loads_now.get(table) != built_from.loads.get(table))
    if not changed:
        return plan(set(), "no raw table was reloaded since the last audited build")
    downstream = descendants(manifest, (sources[table] for table in changed)) & names.keys()
    return plan(downstream, f"reloaded since the last audited build: {', '.join(changed)}")
