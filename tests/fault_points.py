"""The faults the tests inject, as data: the seeded SIGKILL points of
tests/integration/test_publish.py, the published files changed in place of
tests/unit/test_published_versions.py, and the rows of docs/reliability.md (rendered by
tests/bad_inputs.py). Kept apart from the integration tests so the document renders without
importing Dagster.

A kill point is one moment inside a stage of `cli materialize` — ingest, dbt, publish, one point
each — found by what the run does rather than by the clock (the n-th raw load starting, the n-th
model dbt materialises, the new version's temporary file appearing), plus a short delay. The n
and the delay are drawn from a seeded generator: FAULT_SEED gives the same points on every
run, so a failure can be replayed, and a faster or slower machine kills at the same step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FAULT_SEED = 20261127


@dataclass(frozen=True)
class Stage:
    trigger: str
    """What the test waits for, in words (docs/reliability.md)."""
    output_markers: tuple[str, ...]
    """A line of the run's output holding all of these is one occurrence of the trigger; no
    markers: the trigger is the new version's temporary file appearing."""
    occurrences: int
    """The n-th occurrence is drawn from 1..occurrences."""
    longest_delay: float
    """Seconds after the occurrence, drawn from 0..longest_delay: short enough that the stage
    is still running (a raw load, one dbt model, a version copy each take longer)."""


STAGES: dict[str, Stage] = {
    "ingest": Stage("`raw__` load {n} of 3 starts", ("raw__", "STEP_START"), 3, 0.5),
    "dbt": Stage("dbt materialises its model number {n}", ("warehouse_dbt_models", "ASSET_MATERIALIZATION"), 30, 0.2),
    "publish": Stage("the new version's temporary file appears", (), 1, 0.05),
}


@dataclass(frozen=True)
class KillPoint:
    stage: str
    occurrence: int
    """Kill after the n-th occurrence (1-based) of the stage's trigger."""
    delay: float
    """Seconds after it."""

    @property
    def markers(self) -> tuple[str, ...]:
        return STAGES[self.stage].output_markers

    def describe(self) -> str:
        return f"{self.stage}: {self.delay:.3f} s after {STAGES[self.stage].trigger.format(n=self.occurrence)}"


def kill_points(seed: int = FAULT_SEED) -> list[KillPoint]:
    """One point per stage (ingest, dbt, publish), the occurrence and the delay drawn from `seed`."""
    rng = random.Random(seed)
    return [KillPoint(name, rng.randint(1, stage.occurrences), round(rng.uniform(0.0, stage.longest_delay), 3))
            for name, stage in STAGES.items()]


KILL_OUTCOME = (
    "published warehouse opens and equals the last good version; the next run starts on what was "
    "left, frees the killed run's writer slot (no clean-up), and the two runs at once after the last "
    "kill both publish"
)

TAMPERINGS = {
    "duckdb-write": "a row written through a writable `duckdb.connect`",
    "uncheckpointed-write": "a write left uncheckpointed (a `.wal` beside the file, replayed by every reader)",
    "appended-bytes": "bytes appended",
}
"""tests/unit/test_published_versions.py applies each to the served file and to a kept version."""
TAMPER_OUTCOMES = (
    ("the served file (`WAREHOUSE_DUCKDB_PATH`)",
     "`make versions` marks it CHANGED IN PLACE against the sha256 recorded at publish and exits 1; the "
     "kept versions are unaffected (no two files share an inode); the next publish replaces it (and its "
     "`.wal`), records it in `history.jsonl` and the new version's sidecar, and warns (check "
     "`replaced_file_unchanged`)"),
    ("a kept version file",
     "`make versions` marks it CHANGED IN PLACE and exits 1; the served file is unaffected; rollback "
     "never serves it: refused by name, passed over for the newest intact earlier version, or refused "
     "when none is"),
)

FAULT_ROWS: list[tuple[str, str, str]] = [
    *[(f"SIGKILL of `cli materialize` and its dbt child (seed {FAULT_SEED}, point {n})", point.describe(), KILL_OUTCOME)
      for n, point in enumerate(kill_points(), start=1)],
    ("full disk: writes past the working database's size fail with EFBIG (RLIMIT_FSIZE in the run's process)",
     "a run that must grow the working database",
     "the run fails naming `File too large`; published warehouse unchanged and opens; the next run publishes"),
    ("two runs at once, the second launched once the first writes (after the kills, on the DAGSTER_HOME they left)",
     "every writer step",
     "both succeed and both publish, one whole run after the other (the `writer_lock` resource; the pool "
     "`duckdb_writer` per step)"),
    ("five SQL readers during a run", "the published file",
     "every read sees a complete version; a held session keeps its version"),
    *[(f"a published file changed in place (mode 0444 does not stop root): {'; '.join(TAMPERINGS.values())}",
       where, outcome) for where, outcome in TAMPER_OUTCOMES],
    ("a snapshot or landing directory whose name holds `[1]`, `[a-z]`, `*`, `?`, a space, quotes or a newline, "
     "beside siblings the pattern would match",
     "every file reader (paper snapshot, weekly v2 CSV and parquet, HFCommunity CSV export)",
     "read literally: the named file and its checksum, never a sibling (tests/unit/test_snapshot_reader.py)"),
    ("a landing file name ending in a newline, or a stray file (`notes.txt`, `.part`, `.DS_Store`)",
     "the weekly loader, `make backfill` and the landing sensor",
     "not a snapshot: ignored with a warning naming it; every other week loads (tests/unit/test_weekly_partitions.py)"),
    ("`HF_TOKEN` set and `HF_ENDPOINT` plain `http://` to a host that is not the loopback",
     "the Hub connector, before its first request",
     "refused naming both settings; no request made (tests/unit/test_huggingface.py)"),
    ("a weekly file that fails its gate, dropped while the landing sensor runs under the daemon (`make ui`)",
     "the daemon's sensor runs",
     "its run fails and publishes nothing; the next good file's run publishes its week (tests/browser/test_browser.py)"),
    ("a load error in any step", "the run's closing summary (`make run`, `make backfill`)",
     "names the failed step's asset, file, row, column and reason, never a traceback (tests/integration/test_gates.py)"),
]
