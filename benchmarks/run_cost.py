"""What one `make run` costs on the offline default, before and after a change, side by side:
`python -m benchmarks.run_cost [--before REV] [--repeat N]` (`make bench-run`).

The product at REV (a git worktree of this repository) and this checkout each run `make run`'s
commands after the install — REV's own (`cli materialize`, then `cli backfill --if-any`),
this checkout's (`cli run`) — twice on one new warehouse: *fresh* (nothing built yet) and
*again* (the same data, a second time). Repeats alternate which variant goes first, so a busy
machine slows both alike. The generated files are made once, before the first measurement, and
shared (the generator is the same code in both; generation is not a run's fixed cost).

Each run's steps are read back from its DAGSTER_HOME's event log: *dbt* is the dbt steps'
time (dbt's start-up, parse, models and tests), *figures* the figure steps and the report,
*rest* the wall time outside both (interpreter and imports, Dagster's start-up, the raw loads
and their GX gates, the publish, bookkeeping).

Writes `benchmarks/run_cost.md`, which `make bench` includes in docs/benchmarks.md, and puts
the same section into docs/benchmarks.md now.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULT = Path(__file__).with_name("run_cost.md")
REPORT = PROJECT_ROOT / "docs" / "benchmarks.md"
SECTION_TITLE = "## `make run`: the fixed cost of a run, before and after"
# The last commit before the run's fixed costs were cut (issue 17).
DEFAULT_BEFORE = "d21c651"
TARGET_SECONDS = 60.0


@dataclass(frozen=True)
class Variant:
    name: str
    root: Path
    commands: tuple[tuple[str, ...], ...]
    """`make run`'s commands after the install, as `python -m orchestration.cli` arguments."""


@dataclass
class Measurement:
    wall: float
    dbt: float
    figures: float

    @property
    def rest(self) -> float:
        return self.wall - self.dbt - self.figures


@dataclass
class Samples:
    by_key: dict[tuple[str, str], list[Measurement]] = field(default_factory=dict)

    def add(self, variant: str, phase: str, measurement: Measurement) -> None:
        self.by_key.setdefault((variant, phase), []).append(measurement)

    def median(self, variant: str, phase: str, attribute: str) -> float:
        return statistics.median(getattr(m, attribute) for m in self.by_key[(variant, phase)])

    def spread(self, variant: str, phase: str, attribute: str) -> tuple[float, float]:
        values = [getattr(m, attribute) for m in self.by_key[(variant, phase)]]
        return min(values), max(values)


def environment(root: Path, generated: Path, code: Path) -> dict[str, str]:
    """A warehouse under `root` on the shared generated files, running the code at `code`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_") and k != "DAGSTER_HOME"}
    return {
        **inherited,
        "PYTHONPATH": str(code),
        "WAREHOUSE_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "WAREHOUSE_WORK_DIR": str(root / "work"),
        "WAREHOUSE_GENERATED_DIR": str(generated),
        "WAREHOUSE_FIGURES_DIR": str(root / "figures"),
        "WAREHOUSE_REPORT_DIR": str(root / "report"),
        "WAREHOUSE_SPARK_DIR": str(root / "spark"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def run_commands(variant: Variant, env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    for command in variant.commands:
        done = subprocess.run([sys.executable, "-m", "orchestration.cli", *command], cwd=variant.root, env=dict(env),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{variant.name}: cli {' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - started


def step_seconds(dagster_home: Path, run_ids_before: set[str]) -> tuple[float, float, set[str]]:
    """(dbt steps, figure and report steps) in seconds over the runs not in `run_ids_before`,
    and every run id now."""
    import dagster as dg

    dbt = figures = 0.0
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run_ids = {run.run_id for run in instance.get_runs()}
        for run_id in run_ids - run_ids_before:
            starts: dict[str, float] = {}
            for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                            dg.DagsterEventType.STEP_FAILURE}):
                if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
                    starts[entry.step_key] = entry.timestamp
                    continue
                seconds = entry.timestamp - starts.get(entry.step_key, entry.timestamp)
                if "dbt" in entry.step_key:
                    dbt += seconds
                elif entry.step_key.startswith(("figures__", "report__")):
                    figures += seconds
    return dbt, figures, run_ids


def measure(variant: Variant, workspace: Path, generated: Path, repeat: int, samples: Samples) -> None:
    root = workspace / f"{variant.name}-{repeat}"
    env = environment(root, generated, variant.root)
    seen: set[str] = set()
    for phase in ("fresh", "again"):
        wall = run_commands(variant, env)
        dbt, figures, seen = step_seconds(root / "dagster_home", seen)
        samples.add(variant.name, phase, Measurement(wall, dbt, figures))
        print(f"{variant.name} {phase} #{repeat + 1}: {wall:.1f} s (dbt {dbt:.1f} s, figures {figures:.1f} s)", flush=True)
    shutil.rmtree(root, ignore_errors=True)


def worktree(rev: str, parent: Path) -> Path:
    path = parent / f"before-{rev}"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    return path


def render(samples: Samples, variants: Sequence[Variant], before_rev: str, repeat: int) -> str:
    def cell(variant: str, phase: str, attribute: str) -> str:
        low, high = samples.spread(variant, phase, attribute)
        median = samples.median(variant, phase, attribute)
        return f"{median:.1f} s" + (f" ({low:.1f}–{high:.1f})" if repeat > 1 else "")

    lines = [
        SECTION_TITLE,
        "",
        f"Generated by `make bench-run` (`python -m benchmarks.run_cost --before {before_rev} --repeat {repeat}`); "
        "do not edit by hand. `make run`'s commands after the install, on the offline default, on one new "
        f"warehouse twice (*fresh*, then *again* on the same data); *before* is the product at `{before_rev}` "
        "(`cli materialize` then `cli backfill --if-any`, two processes), *after* this checkout (`cli run`, one "
        f"process). Median of {repeat} repeat(s), min–max in brackets, the variants alternating in one run. "
        "*dbt* is the dbt steps (start-up, parse, models, tests), *figures* the figure steps and the report, "
        "*rest* everything else (start-up, raw loads and their gates, publish).",
        "",
        "| variant | run | wall | dbt | figures | rest |",
        "|---|---|---|---|---|---|",
    ]
    for variant in variants:
        for phase in ("fresh", "again"):
            lines.append(f"| {variant.name} | {phase} | " + " | ".join(
                cell(variant.name, phase, attribute) for attribute in ("wall", "dbt", "figures", "rest")) + " |")
    after_fresh = samples.median("after", "fresh", "wall")
    before_fresh = samples.median("before", "fresh", "wall")
    verdict = "met" if after_fresh <= TARGET_SECONDS else "missed"
    lines += [
        "",
        f"Target `make run` ≤ {TARGET_SECONDS:.0f} s after the install: **{verdict}** ({after_fresh:.1f} s fresh, "
        f"{before_fresh / after_fresh:.2f}× faster than before; again: "
        f"{samples.median('before', 'again', 'wall') / samples.median('after', 'again', 'wall'):.2f}×).",
        "",
    ]
    return "\n".join(lines)


def splice(report: str, section: str) -> str:
    """`report` with its run-cost section replaced by `section` (or put before the notes)."""
    if SECTION_TITLE in report:
        start = report.index(SECTION_TITLE)
        following = report.find("\n## ", start + len(SECTION_TITLE))
        end = following + 1 if following != -1 else len(report)
        return report[:start] + section.rstrip() + "\n\n" + report[end:]
    anchor = report.find("## Notes")
    if anchor == -1:
        return report.rstrip() + "\n\n" + section
    return report[:anchor] + section.rstrip() + "\n\n" + report[anchor:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the revision to compare with (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="run_cost-") as scratch:
        workspace = Path(scratch)
        before_root = worktree(args.before, workspace)
        try:
            variants = [
                Variant("before", before_root, (("materialize",), ("backfill", "--if-any"))),
                Variant("after", PROJECT_ROOT, (("run",),)),
            ]
            generated = workspace / "generated"
            for variant in variants:  # each variant's dbt manifest; the shared generated files
                run_commands(Variant(variant.name, variant.root, (("prepare",),)),
                             environment(workspace / "prepare", generated, variant.root))
            run_commands(variants[1], environment(workspace / "warm-up", generated, PROJECT_ROOT))
            shutil.rmtree(workspace / "warm-up")
            samples = Samples()
            for repeat in range(args.repeat):
                for variant in variants if repeat % 2 == 0 else reversed(variants):
                    measure(variant, workspace, generated, repeat, samples)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_root)], cwd=PROJECT_ROOT,
                           capture_output=True)
    section = render(samples, variants, args.before, args.repeat)
    RESULT.write_text(section, encoding="utf-8")
    REPORT.write_text(splice(REPORT.read_text(encoding="utf-8"), section), encoding="utf-8")
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
