"""The faults the tests inject, as data: the seeded SIGKILL points of
tests/integration/test_publish.py, and the rows of docs/reliability.md (rendered by
tests/bad_inputs.py). Kept apart from the integration tests so the document renders without
importing Dagster.

A kill point is a phase of `cli materialize` (a step that starts, found in the run's output)
plus a delay after it, both drawn from a seeded generator: FAULT_SEED gives the same points on
every run, so a failure can be replayed; every phase gets two points.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FAULT_SEED = 20261127
# Two per phase: the CI budget (90 min) also holds the Spark suite.
KILL_POINT_COUNT = 6

# phase → (the step whose start opens it, in `cli materialize`'s output; the longest delay
# drawn after that start, in seconds; the occurrences of that start to choose from).
PHASES: dict[str, tuple[str, float, int]] = {
    "ingest": ("raw__", 1.5, 3),  # the three raw loads, each a step
    "dbt": ("warehouse_dbt_models", 25.0, 1),
    "publish": ("published__warehouse", 1.0, 1),
}


@dataclass(frozen=True)
class KillPoint:
    phase: str
    occurrence: int
    """Kill after the n-th start (1-based) of the phase's step."""
    delay: float
    """Seconds after that start."""

    @property
    def step_prefix(self) -> str:
        return PHASES[self.phase][0]

    def describe(self) -> str:
        ordinal = f"step {self.occurrence} of 3, " if PHASES[self.phase][2] > 1 else ""
        return f"{self.phase} ({ordinal}{self.delay:.2f} s after `{self.step_prefix}` starts)"


def kill_points(seed: int = FAULT_SEED, count: int = KILL_POINT_COUNT) -> list[KillPoint]:
    """`count` points, phases in turn (ingest, dbt, publish, ingest, …), each delay and step
    occurrence drawn from `seed`."""
    rng = random.Random(seed)
    points = []
    phases = list(PHASES)
    for index in range(count):
        phase = phases[index % len(phases)]
        _, longest, occurrences = PHASES[phase]
        points.append(KillPoint(phase, rng.randint(1, occurrences), round(rng.uniform(0.0, longest), 3)))
    return points


KILL_OUTCOME = (
    "published warehouse opens and equals the last good version; the next run starts on what was "
    "left, frees the killed run's writer slot (no clean-up), and the run after the last kill publishes"
)

FAULT_ROWS: list[tuple[str, str, str]] = [
    *[(f"SIGKILL of `cli materialize` and its dbt child (seed {FAULT_SEED}, point {n})", point.describe(), KILL_OUTCOME)
      for n, point in enumerate(kill_points(), start=1)],
    ("full disk: writes past the working database's size fail with EFBIG (RLIMIT_FSIZE in the run's process)",
     "a run that must grow the working database",
     "the run fails naming `File too large`; published warehouse unchanged and opens; the next run publishes"),
    ("two runs launched at once", "every writer step", "both succeed, one writer at a time (pool `duckdb_writer`)"),
    ("five SQL readers during a run", "the published file",
     "every read sees a complete version; a held session keeps its version"),
]
