"""`make bench`: the warehouse at 1×, 10×, 100× the paper snapshot and at Hub size, side by side
with a pandas peer and the DuckDB floor (the marts straight from the source files); results in docs/benchmarks.md.

    python -m benchmarks.hub_scale [--scales 1,10,100] [--hub 1] [--repeat 3] [--data-dir DIR]

For each input set (benchmarks/inputs.py), each repeat runs, one after the other and each in its
own process (so its peak RSS is its own: os.wait4's rusage, the largest of the process and the
children it waited for, e.g. dbt):
  1. pipeline      `build_warehouse` from the raw files to the published marts, figures and
                   report, on a fresh working database and DAGSTER_HOME (the product's CLI path;
                   its time split by benchmarks/pipeline_run.py);
  1b. rerun       `build_warehouse` again with no input changed: nothing is loaded, gated,
                   rebuilt or published (the published files are compared);
  1c. next month  `build_warehouse` again with a new month of HFCommunity (the generator's next
                   seed) and every other input unchanged: the dbt models it rebuilds, against
                   those downstream of raw.hfc_*;
  2. weekly        a backfill of every weekly v2 partition but the last (one run), then
                   3. one weekly partition: the last week, incrementally, through publish;
                   the full rebuild it is compared with is 1 + 2 + 3;
  4. floor         every mart by DuckDB straight from the source files, in memory: views over
                   the files, the same mart SQL, no persistence, no checks, no orchestration
                   (benchmarks/floor_duckdb.py);
  5. floor with the product's loaders   the breakdown: the raw tables loaded by the product's
                   loaders into a DuckDB file, then the same mart SQL;
  5b. floor for the peer's marts   the floor narrowed to the peer's six marts: only the models
                   they are built from, over only the files they read;
  6. peer          the author marts in pandas (benchmarks/peer_pandas.py).
The published marts, the floors' and the peer's are checked against the generators' known
truth in every repeat (benchmarks/truth.py); a mismatch fails the benchmark after the report
is written. Medians and spreads (min–max) over the repeats go to docs/benchmarks.md, with the
machine, a table per measurement, the targets met or missed with the measured reason, and a
plot of time against input size (docs/images/benchmark_scaling.png).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import duckdb

from benchmarks.inputs import (
    BENCH_DUCKDB_MEMORY_LIMIT,
    InputSet,
    PreparedInputs,
    hub_set,
    next_hfcommunity_month,
    prepare,
    scale_set,
)
from benchmarks.truth import verify_truth
from orchestration.settings import PROJECT_ROOT, WORKING_DATABASE_NAME, load_settings

DEFAULT_REPORT = PROJECT_ROOT / "docs" / "benchmarks.md"
DEFAULT_PLOT = PROJECT_ROOT / "docs" / "images" / "benchmark_scaling.png"


class ChildFailed(RuntimeError):
    pass


# A measured process tree holding more than this is killed (benchmarks/measured_child.py): the
# machine's other work is safe from the OOM killer, and the report says why the run failed.
DEFAULT_MAX_RSS_GIB = 16.0
MAX_RSS_BYTES = int(DEFAULT_MAX_RSS_GIB * (1 << 30))


def run_child(module: str, task: dict, work_dir: Path, name: str) -> tuple[dict, float, int]:
    """Run `python -m module TASK.json` in its own process; return (its result JSON, wall
    seconds, peak RSS in bytes)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    task_path, result_path, log_path = (work_dir / f"{name}.{kind}" for kind in ("task.json", "result.json", "log"))
    launched = time.time()
    task_path.write_text(json.dumps({**task, "result": str(result_path), "launched_at": launched}))
    rusage_path = work_dir / f"{name}.rusage.json"
    rusage_path.unlink(missing_ok=True)
    # Through a small launcher: a child's peak RSS would otherwise start at this process's size
    # (benchmarks/measured_child.py says why).
    command = [sys.executable, "-m", "benchmarks.measured_child", str(rusage_path), str(MAX_RSS_BYTES),
               sys.executable, "-m", module, str(task_path)]  # fmt: skip
    with log_path.open("w") as log:
        subprocess.run(command, cwd=PROJECT_ROOT, stdout=log, stderr=log, check=False)
    wall = time.time() - launched
    measured = json.loads(rusage_path.read_text()) if rusage_path.exists() else {"exit_code": None}
    if "killed_at_rss_bytes" in measured:
        raise ChildFailed(f"{name}: killed after {wall:.0f} s holding {measured['killed_at_rss_bytes'] / (1 << 30):.1f} GiB "
                          f"(more than the guard's {MAX_RSS_BYTES / (1 << 30):.0f} GiB); log {log_path}")  # fmt: skip
    if measured["exit_code"] != 0 or not result_path.exists():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise ChildFailed(f"{name}: exited with {measured['exit_code']} after {wall:.0f} s; log {log_path}:\n{tail}")
    return json.loads(result_path.read_text()), wall, int(measured["peak_rss_bytes"])


def weekly_ranges(prepared: PreparedInputs) -> tuple[tuple[str, str], tuple[str, str]]:
    """(every week with a file but the last, the last week): the backfill, then the partition."""
    from orchestration.cli import backfill_weeks
    from orchestration.partitions import WEEKLY_PARTITIONS

    keys = WEEKLY_PARTITIONS.get_partition_keys()
    first, last = backfill_weeks(prepared.weekly_dir, None, None, keys)
    before_last = keys[keys.index(last) - 1]
    return (first, before_last), (last, last)


def measure_pipeline(prepared: PreparedInputs, run_dir: Path, truth: dict, manifest: Path) -> dict:
    from benchmarks.peer_pandas import PEER_MARTS
    from benchmarks.pipeline_run import marts_share

    shutil.rmtree(run_dir, ignore_errors=True)
    env = prepared.settings_env(run_dir)
    result, wall, rss = run_child("benchmarks.pipeline_run", {"job": "build_warehouse", "env": env}, run_dir, "pipeline")
    with duckdb.connect(env["WAREHOUSE_DUCKDB_PATH"], read_only=True) as conn:
        report = verify_truth(conn, truth)
    # What a published version holds (the marts and what users query) against the working database.
    sizes = {"published_bytes": Path(env["WAREHOUSE_DUCKDB_PATH"]).stat().st_size,
             "working_bytes": (Path(env["WAREHOUSE_WORK_DIR"]) / WORKING_DATABASE_NAME).stat().st_size}  # fmt: skip
    # The part of the run that built the peer's marts, from its event log and dbt's intervals.
    share = marts_share({**result, "steps": result["timings"]["steps"]}, json.loads(manifest.read_text()), PEER_MARTS)
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result["timings"], "imports_seconds": result["imports_seconds"],
            "before_run_seconds": result["before_run_seconds"], "after_run_seconds": result["after_run_seconds"],
            "exit_code": result["exit_code"], "truth": report.record(), "peer_marts_share": share, **sizes}  # fmt: skip


def measure_rerun(prepared: PreparedInputs, run_dir: Path) -> dict:
    """`build_warehouse` again on the warehouse the pipeline left, no input changed: what a run
    with nothing to do costs, and whether it published nothing (the published files the same)."""
    env = prepared.settings_env(run_dir)
    published = Path(env["WAREHOUSE_DUCKDB_PATH"]).parent

    def files() -> list[str]:
        return sorted(str(path.relative_to(published)) for path in published.rglob("*") if path.is_file())

    before = files()
    result, wall, rss = run_child("benchmarks.pipeline_run", {"job": "build_warehouse", "env": env}, run_dir, "rerun")
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result["timings"], "exit_code": result["exit_code"],
            "published_nothing": files() == before}  # fmt: skip


def measure_next_hfcommunity_month(prepared: PreparedInputs, run_dir: Path, manifest: Path) -> dict:
    """`build_warehouse` on the warehouse the pipeline left, with a new month of HFCommunity and
    every other input unchanged: which dbt models it rebuilt, against those downstream of
    raw.hfc_* (the manifest's lineage)."""
    from benchmarks.pipeline_run import models_downstream_of

    started = time.perf_counter()
    dump = next_hfcommunity_month(prepared)
    generation = time.perf_counter() - started
    env = {**prepared.settings_env(run_dir), "WAREHOUSE_HFCOMMUNITY_DUMP": str(dump)}
    result, wall, rss = run_child("benchmarks.pipeline_run", {"job": "build_warehouse", "env": env}, run_dir, "next_month")
    rebuilt = {node["unique_id"] for node in result["dbt_nodes"] if node["resource_type"] == "model"}
    downstream = models_downstream_of(json.loads(manifest.read_text()), lambda source: source.startswith("hfc_"))
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result["timings"], "exit_code": result["exit_code"],
            "generation_seconds": generation, "models_rebuilt": len(rebuilt), "models_downstream": len(downstream),
            "rebuilt_outside": sorted(rebuilt - downstream), "downstream_not_rebuilt": sorted(downstream - rebuilt)}  # fmt: skip


def measure_weekly(prepared: PreparedInputs, run_dir: Path, weeks: tuple[str, str], name: str) -> dict:
    """The weekly job over `weeks` on the warehouse the pipeline measurement left in run_dir."""
    env = prepared.settings_env(run_dir)
    task = {"job": "leaderboard_v2_weekly", "env": env, "weeks": list(weeks)}
    result, wall, rss = run_child("benchmarks.pipeline_run", task, run_dir, name)
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result["timings"], "exit_code": result["exit_code"], "weeks": list(weeks)}


def measure_floor(
    prepared: PreparedInputs, manifest: Path, run_dir: Path, truth: dict, marts: Sequence[str] | None = None,
    name: str = "floor",
) -> dict:
    """The floor: every mart (or only `marts`, from only the files they read) from views over
    the source files, in memory; its marts are checked against the truth in its own process
    (they live only there). DuckDB has the pipeline's memory budget (it spills past it), which
    also keeps it under the memory guard. `name`: the measurement's, for its log and files."""
    scratch_dir = run_dir / f"{name}-spill"
    shutil.rmtree(scratch_dir, ignore_errors=True)
    task = {"manifest": str(manifest), "generated_dir": str(prepared.generated_dir), "hfcommunity_dump": str(prepared.hfcommunity_csv),
            "scratch_dir": str(scratch_dir), "memory_limit": BENCH_DUCKDB_MEMORY_LIMIT, "truth": truth,
            **({"marts": list(marts)} if marts is not None else {})}  # fmt: skip
    result, wall, rss = run_child("benchmarks.floor_duckdb", task, run_dir, name)
    shutil.rmtree(scratch_dir, ignore_errors=True)
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result}


def measure_floor_with_loaders(prepared: PreparedInputs, manifest: Path, run_dir: Path, truth: dict) -> dict:
    """The breakdown beside the floor: the product's loaders into a DuckDB file, then the same models."""
    database_dir = run_dir / "floor-with-loaders"
    shutil.rmtree(database_dir, ignore_errors=True)
    task = {"manifest": str(manifest), "database_dir": str(database_dir), "generated_dir": str(prepared.generated_dir),
            "hfcommunity_dump": str(prepared.hfcommunity_csv), "with_loaders": True}  # fmt: skip
    result, wall, rss = run_child("benchmarks.floor_duckdb", task, run_dir, "floor_with_loaders")
    with duckdb.connect(str(database_dir / "working.duckdb"), read_only=True) as conn:
        report = verify_truth(conn, truth)
    shutil.rmtree(database_dir, ignore_errors=True)
    return {"wall_seconds": wall, "peak_rss_bytes": rss, **result, "truth": report.record()}


def measure_peer(prepared: PreparedInputs, run_dir: Path, truth: dict) -> dict:
    out_dir = run_dir / "peer"
    shutil.rmtree(out_dir, ignore_errors=True)
    task = {"generated_dir": str(prepared.generated_dir), "hfcommunity_csv": str(prepared.hfcommunity_csv), "out_dir": str(out_dir)}
    result, wall, rss = run_child("benchmarks.peer_pandas", task, run_dir, "peer")
    with duckdb.connect() as conn:
        conn.execute("create schema marts")
        for path in sorted(out_dir.glob("*.parquet")):
            conn.execute(f"create table marts.{path.stem} as select * from read_parquet('{path}')")
        report = verify_truth(conn, truth)
    shutil.rmtree(out_dir, ignore_errors=True)
    return {"wall_seconds": wall, "peak_rss_bytes": rss, "compute_seconds": result["total_seconds"], "truth": report.record()}


def input_description(prepared: PreparedInputs) -> dict:
    """Row counts and bytes of a set's raw files (what the full build reads)."""
    from orchestration.defs.hfcommunity.reader import HFC_TABLES

    truth = prepared.truth()
    with duckdb.connect() as conn:
        leaderboard_rows, = conn.execute(
            "select count(*) from read_csv(?, delim=';', header=true, all_varchar=true)",
            [str(prepared.generated_dir / "leaderboard.csv")]).fetchone()  # fmt: skip
        counts = {
            table: conn.execute("select count(*) from read_csv(?, header=true, all_varchar=true, strict_mode=false)",
                                [str(prepared.hfcommunity_csv / f"{table}.csv")]).fetchone()[0]  # fmt: skip
            for table in ("author", "commits")
        }
    files = [prepared.generated_dir / name for name in ("leaderboard.csv", "repo_details.csv", "commit_data.csv")]
    files += [prepared.hfcommunity_csv / f"{table}.csv" for table in HFC_TABLES]
    return {
        "name": prepared.input_set.name,
        "paper_scale": prepared.input_set.paper_scale,
        "leaderboard_rows": int(leaderboard_rows),
        "leaderboard_models": truth["leaderboard_models"],
        "hfc_models": truth["hub_model_repos"],
        "hfc_authors": int(counts["author"]),
        "hfc_commits": int(counts["commits"]),
        "input_bytes": sum(path.stat().st_size for path in files),
        "generation_seconds": prepared.generation_seconds,
    }


def input_sets(scales: list[float], hub_fraction: float) -> list[InputSet]:
    sets = [scale_set(scale) for scale in scales]
    return sets + ([hub_set(hub_fraction)] if hub_fraction > 0 else [])


def run_benchmark(scales: list[float], hub_fraction: float, repeat: int, data_dir: Path, log=print) -> dict:
    from benchmarks.floor_duckdb import compile_models
    from benchmarks.peer_pandas import PEER_MARTS
    from benchmarks.report import machine_description
    from orchestration.cli import prepare_manifest

    settings = load_settings()
    prepare_manifest(settings)
    manifest = compile_models(data_dir / "compile-scratch")
    results = {"machine": machine_description(), "repeat": repeat, "data_dir": str(data_dir), "sets": []}
    for input_set in input_sets(scales, hub_fraction):
        log(f"[bench] {input_set.name}: generating inputs")
        prepared = prepare(input_set, data_dir)
        truth = prepared.truth()
        described = input_description(prepared)
        log(f"[bench] {input_set.name}: {described['leaderboard_rows']:,} leaderboard rows, {described['hfc_models']:,} models, "
            f"{described['hfc_commits']:,} commits ({prepared.generation_seconds:.1f} s)")  # fmt: skip
        backfill_weeks, last_week = weekly_ranges(prepared)
        runs: dict[str, list[dict]] = {"pipeline": [], "rerun": [], "next_month": [], "weekly_backfill": [],
                                       "weekly_partition": [], "floor": [], "floor_with_loaders": [], "floor_peer_marts": [],
                                       "peer": []}  # fmt: skip
        run_dir = data_dir / "runs" / input_set.name
        failed = None
        try:
            for index in range(repeat):
                runs["pipeline"].append(measure_pipeline(prepared, run_dir, truth, manifest))
                runs["rerun"].append(measure_rerun(prepared, run_dir))
                runs["next_month"].append(measure_next_hfcommunity_month(prepared, run_dir, manifest))
                runs["weekly_backfill"].append(measure_weekly(prepared, run_dir, backfill_weeks, "weekly_backfill"))
                runs["weekly_partition"].append(measure_weekly(prepared, run_dir, last_week, "weekly_partition"))
                runs["floor"].append(measure_floor(prepared, manifest, run_dir, truth))
                runs["floor_with_loaders"].append(measure_floor_with_loaders(prepared, manifest, run_dir, truth))
                runs["floor_peer_marts"].append(measure_floor(prepared, manifest, run_dir, truth, PEER_MARTS, "floor_peer_marts"))
                runs["peer"].append(measure_peer(prepared, run_dir, truth))
                log(f"[bench] {input_set.name} repeat {index + 1}/{repeat}: "
                    + ", ".join(f"{kind} {measures[-1]['wall_seconds']:.1f} s" for kind, measures in runs.items()))  # fmt: skip
        except ChildFailed as exc:
            # Recorded and reported; the other sets are still measured.
            failed = str(exc).splitlines()[0]
            log(f"[bench] {input_set.name} FAILED: {exc}")
        results["sets"].append({**described, "truth": truth, "runs": runs, **({"failed": failed} if failed else {})})
    return results


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import render_report, truth_failures, write_plot

    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hub_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100", help="paper-snapshot scale factors, comma-separated")
    parser.add_argument("--hub", type=float, default=1.0, help="fraction of the Hub-sized set (0 = leave it out)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=settings.bench_dir,
                        help=f"where inputs and runs are written (WAREHOUSE_BENCH_DIR, default {settings.bench_dir})")
    parser.add_argument("--max-rss-gib", type=float, default=DEFAULT_MAX_RSS_GIB,
                        help="kill a measured process tree holding more than this (protects the machine)")
    parser.add_argument("--from-results", type=Path, default=None,
                        help="measure nothing: render the report and plot from an earlier results.json")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT)
    args = parser.parse_args(argv)
    scales = [float(value) for value in args.scales.split(",") if value.strip()]
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.from_results is not None:
        results = json.loads(args.from_results.read_text())
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        global MAX_RSS_BYTES
        MAX_RSS_BYTES = int(args.max_rss_gib * (1 << 30))
        results = run_benchmark(scales, args.hub, args.repeat, args.data_dir.resolve())
        results["command"] = f"make bench SCALES={args.scales} HUB={args.hub:g} REPEAT={args.repeat}"
        (args.data_dir / "results.json").write_text(json.dumps(results, indent=2, default=asdict))
    write_plot(results, args.plot)
    args.report.write_text(render_report(results, plot_path=args.plot, report_path=args.report))
    print(f"[bench] report: {args.report}; plot: {args.plot}")
    failures = truth_failures(results) + [f"{s['name']}: {s['failed']}" for s in results["sets"] if "failed" in s]
    for failure in failures:
        print(f"[bench] FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
