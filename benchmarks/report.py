"""docs/benchmarks.md and its plot, rendered from the results `benchmarks.hub_scale` measured.

Everything in the page is computed from the results (machine, tables, targets and their
verdicts), except `benchmarks/notes.md`, the hand-written analysis included verbatim.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.pipeline_run import CATEGORIES
from benchmarks.stats import Summary, format_bytes, format_seconds, summarize

NOTES = Path(__file__).with_name("notes.md")
# `make bench-run`'s section (benchmarks/run_cost.py), measured apart: the fixed cost of `make run`.
RUN_COST = Path(__file__).with_name("run_cost.md")
PACKAGES = ("duckdb", "dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "great-expectations", "pandas", "pyarrow", "numpy")

# The targets of issues 7 and 20, on a 2-core, 24 GiB machine. The floor ratio is issue 20's,
# against the floor straight from the files (issue 7's 1.5× was against the floor that ran the
# product's loaders first, kept now as a breakdown).
FULL_BUILD_SECONDS = 300.0
PEAK_RSS_BYTES = 6 << 30
FLOOR_RATIO = 4.0
RERUN_SECONDS = 30.0
WEEKLY_SHARE = 0.10


def machine_description() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = format_bytes(int(line.split()[1]) * 1024)
                break
    except OSError:
        pass
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()} ({platform.platform()})",
        "python": platform.python_version(),
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
    }


def measure(runs: Sequence[Mapping], key: str = "wall_seconds") -> Summary:
    return summarize([float(run[key]) for run in runs])


def category(runs: Sequence[Mapping], name: str) -> Summary:
    return summarize([float(run["categories"][name]) for run in runs])


def peak_rss(runs: Sequence[Mapping]) -> int:
    return max(int(run["peak_rss_bytes"]) for run in runs)


def full_rebuild(input_set: Mapping) -> Summary:
    """Pipeline + weekly backfill + the last weekly partition, repeat by repeat."""
    runs = input_set["runs"]
    return summarize([
        p["wall_seconds"] + b["wall_seconds"] + w["wall_seconds"]
        for p, b, w in zip(runs["pipeline"], runs["weekly_backfill"], runs["weekly_partition"], strict=True)
    ])  # fmt: skip


def reference_set(results: Mapping) -> Mapping:
    """The set the Hub-scale targets are judged on: the Hub-sized set, else the largest."""
    sets = results["sets"]
    hub = [s for s in sets if s["name"].startswith("hub")]
    return hub[-1] if hub else max(sets, key=lambda s: s["input_bytes"])


def largest_part(run_set: Mapping) -> str:
    """The pipeline's largest category at a set, as the measured reason for a missed target."""
    runs = run_set["runs"]["pipeline"]
    parts = {name: category(runs, name).median for name in CATEGORIES}
    total = sum(parts.values())
    name, seconds = max(parts.items(), key=lambda item: item[1])
    return f"largest part: {name} {format_seconds(seconds)} ({seconds / total:.0%} of the run)"


@dataclass(frozen=True)
class TargetRow:
    target: str
    measured: str
    met: bool | None
    """None: measured and reported, no threshold."""
    reason: str = ""

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "measured"
        return "met" if self.met else f"missed: {self.reason}"


HUB_TARGETS = (
    f"full build at {{}} ≤ {format_seconds(FULL_BUILD_SECONDS)}",
    f"peak RSS of the full build at {{}} ≤ {format_bytes(PEAK_RSS_BYTES)}",
    f"pipeline ≤ {FLOOR_RATIO:g}× the DuckDB floor at {{}}",
    "the pipeline's share for the peer's 6 marts no slower than the pandas peer at {}",
    f"one weekly partition ≤ {WEEKLY_SHARE:.0%} of a full rebuild at {{}}",
    f"a rerun with unchanged inputs at {{}} ≤ {format_seconds(RERUN_SECONDS)}, publishing nothing",
    "a new month of HFCommunity at {}, the leaderboard unchanged, rebuilds only what depends on HFCommunity",
)


def evaluate_targets(results: Mapping) -> list[TargetRow]:
    ref = reference_set(results)
    name = ref["name"]
    if ref.get("failed"):
        rows = [TargetRow(target.format(name), "—", False, f"the run failed: {ref['failed']}") for target in HUB_TARGETS]
        return rows + _startup_rows(results)
    runs = ref["runs"]
    pipeline = measure(runs["pipeline"]).median
    floor = measure(runs["floor"]).median
    peer = measure(runs["peer"]).median
    weekly = measure(runs["weekly_partition"]).median
    rebuild = full_rebuild(ref).median
    rss = peak_rss(runs["pipeline"])
    why = largest_part(ref)
    full, memory, vs_floor, vs_peer, weekly_share, rerun_target, month_target = (target.format(name) for target in HUB_TARGETS)
    rows = [
        TargetRow(full, format_seconds(pipeline), pipeline <= FULL_BUILD_SECONDS, why),
        TargetRow(memory, format_bytes(rss), rss <= PEAK_RSS_BYTES, "see the notes below"),
        TargetRow(vs_floor, f"{pipeline / floor:.1f}× ({format_seconds(pipeline)} vs {format_seconds(floor)})",
                  pipeline <= FLOOR_RATIO * floor, why),
        _peer_row(vs_peer, runs, peer, pipeline),
        TargetRow(weekly_share, f"{weekly / rebuild:.1%} ({format_seconds(weekly)} of {format_seconds(rebuild)})",
                  weekly <= WEEKLY_SHARE * rebuild, "see the weekly table: the partition's own split"),
        _rerun_row(rerun_target, runs.get("rerun", [])),
        _next_month_row(month_target, runs.get("next_month", [])),
    ]  # fmt: skip
    return rows + _startup_rows(results)


def _peer_row(target: str, runs: Mapping, peer: float, pipeline: float) -> TargetRow:
    shares = [run["peer_marts_share"] for run in runs["pipeline"] if "peer_marts_share" in run]
    if not shares:
        return TargetRow(target, "— (not measured in these results)", None)
    share = summarize([s["total_seconds"] for s in shares]).median
    raw = summarize([s["raw_seconds"] for s in shares]).median
    dbt = summarize([s["dbt_seconds"] for s in shares]).median
    floors = runs.get("floor_peer_marts", [])
    same_work = (f"; DuckDB computes the same marts from the files, keeping and checking nothing, "
                 f"in {format_seconds(measure(floors).median)}" if floors else "")  # fmt: skip
    return TargetRow(
        target,
        f"{format_seconds(share)} against the peer's {format_seconds(peer)} ({share / peer:.2f}×): the {shares[0]['raw_tables']} raw "
        f"tables they read, loaded and gated, {format_seconds(raw)}, and dbt's wall time on their "
        f"{shares[0]['dbt_nodes']} models and tests, {format_seconds(dbt)}{same_work}; the whole run, all 23 marts with "
        f"figures and publish, {format_seconds(pipeline)}",
        share <= peer, "writing the raw tables they read to the warehouse and gating them (the peer keeps nothing and checks nothing)",
    )  # fmt: skip


def _rerun_row(target: str, reruns: Sequence[Mapping]) -> TargetRow:
    if not reruns:
        return TargetRow(target, "— (not measured in these results)", None)
    seconds = measure(reruns).median
    quiet = all(run["published_nothing"] for run in reruns)
    return TargetRow(target, f"{format_seconds(seconds)}, {'nothing published' if quiet else 'a version published'}",
                     seconds <= RERUN_SECONDS and quiet, largest_part({"runs": {"pipeline": reruns}}))  # fmt: skip


def _rebuilt_outside(months: Sequence[Mapping]) -> list[str]:
    """The models a new HFCommunity month rebuilt that are not downstream of raw.hfc_* (names)."""
    return sorted({uid.split(".")[-1] for run in months for uid in run["rebuilt_outside"]})


def _next_month_row(target: str, months: Sequence[Mapping]) -> TargetRow:
    if not months:
        return TargetRow(target, "— (not measured in these results)", None)
    month = months[0]
    outside = _rebuilt_outside(months)
    left = sorted({name for run in months for name in run["downstream_not_rebuilt"]})
    measured = (f"{month['models_rebuilt']} models rebuilt, {month['models_downstream']} downstream of raw.hfc_*; "
                f"{len(outside)} outside them; the run {measure(months).seconds()}")  # fmt: skip
    if left:
        measured += f"; downstream, not rebuilt: {', '.join(n.split('.')[-1] for n in left)}"
    return TargetRow(target, measured, not outside and all(run["exit_code"] == 0 for run in months),
                     f"rebuilt outside: {', '.join(outside)}" if outside else "the run failed")


def _startup_rows(results: Mapping) -> list[TargetRow]:
    rows = []
    paper = next((s for s in results["sets"] if s["name"] == "1x" and not s.get("failed")), None)
    if paper is not None:
        runs = paper["runs"]["pipeline"]
        overhead = category(runs, "orchestration").median
        startup = measure(runs, "dbt_startup_seconds").median
        parts = ""
        if all("before_run_seconds" in run for run in runs):
            before = measure(runs, "before_run_seconds").median
            after = measure(runs, "after_run_seconds").median
            parts = (f": {format_seconds(before)} before the run starts (interpreter, imports, definitions, instance), "
                     f"{format_seconds(overhead - before - after)} between steps, {format_seconds(after)} after it")
        rows.append(TargetRow(
            "start-up overhead of Dagster and dbt on the paper snapshot (1x): measured, reduced where avoidable",
            f"Dagster {format_seconds(overhead)}{parts}; dbt {format_seconds(startup)} (dbt's start-up and parsing, "
            f"and Dagster's handling of its events); of {format_seconds(measure(runs).median)} in all",
            None,
        ))  # fmt: skip
    return rows


def truth_failures(results: Mapping) -> list[str]:
    failures = []
    for input_set in results["sets"]:
        for kind, runs in input_set["runs"].items():
            for index, run in enumerate(runs):
                truth = run.get("truth")
                if truth is not None and not truth["passed"]:
                    failures.append(f"{input_set['name']} {kind} repeat {index + 1}: {truth['summary']}")
    return failures


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(results: Mapping, *, plot_path: Path, report_path: Path) -> str:
    machine = results["machine"]
    every_set = results["sets"]
    # A set whose run failed (killed at the memory guard, a failed check) is in the inputs, the
    # targets and the failures section, not in the tables of measurements.
    sets = [s for s in every_set if not s.get("failed")]
    failed = [s for s in every_set if s.get("failed")]
    out = [
        "# Benchmarks: the warehouse from the paper's size to the whole Hub",
        "",
        f"Generated by `{results.get('command', 'make bench')}` (`python -m benchmarks.hub_scale`); "
        "do not edit by hand: the analysis "
        "is `benchmarks/notes.md`, included at the end. Every time is the median of "
        f"{results['repeat']} repeat(s) with the spread (min–max) in brackets; every repeat runs each "
        "measurement in its own process, one after the other, on the same inputs. Peak RSS is the "
        "largest resident set of that process and the children it waited for (dbt).",
        "",
        "## Machine",
        "",
        _table(["", ""], [["CPU", machine["cpu"]], ["cores", machine["cores"]], ["memory", machine["memory"]],
                          ["OS", machine["os"]], ["Python", machine["python"]], ["packages", machine["versions"]]]),
        "",
        "## Inputs",
        "",
        "Generated by the project's own generators (`benchmarks/inputs.py`), in the sources' formats "
        "(the paper's CSV files, the weekly v2 `.csv.gz` pulls, HFCommunity's per-table CSV export).",
        "",
        _table(["set", "paper scale", "leaderboard rows", "HFCommunity models", "authors", "commits", "raw CSV", "generation"], [
            [s["name"], f"{s['paper_scale']:g}", f"{s['leaderboard_rows']:,}", f"{s['hfc_models']:,}", f"{s['hfc_authors']:,}",
             f"{s['hfc_commits']:,}", format_bytes(s["input_bytes"]), format_seconds(s["generation_seconds"])]
            for s in every_set
        ]),
        "",
        "## Targets",
        "",
        _table(["target", "measured", "verdict"], [[row.target, row.measured, row.verdict] for row in evaluate_targets(results)]),
        "",
        "## Full pipeline: raw files to published marts, figures and report",
        "",
        "How the time is split (from the run's Dagster event log and dbt's run_results.json, "
        "`benchmarks/pipeline_run.py`): each step's time runs from its STEP_START to its "
        "STEP_SUCCESS event; *ingest* is the raw steps without their GX validations; *checks* is "
        "the GX validations (each check's `validation_seconds`: reading the rows and running the "
        "suite) plus dbt's test nodes; *dbt* is the dbt step without its tests (models, seeds, "
        "and dbt's own start-up, shown apart as *dbt start-up*); *figures* is the figure steps and "
        "the report; *publish* is `published/warehouse`; *orchestration* is the process's wall "
        "time outside every step (interpreter, imports, definitions, run bookkeeping). The last "
        "column is the size of the published version (what users query: the marts and their "
        "companions, each version a file of its own, `WAREHOUSE_KEEP_VERSIONS` of them kept) "
        "beside the working database the build wrote (raw, staging and intermediate tables).",
        "",
        _table(["set", "wall", "peak RSS", *CATEGORIES, "dbt start-up", "published version / working database"], [
            [s["name"], measure(s["runs"]["pipeline"]).seconds(), format_bytes(peak_rss(s["runs"]["pipeline"])),
             *(format_seconds(category(s["runs"]["pipeline"], name).median) for name in CATEGORIES),
             format_seconds(measure(s["runs"]["pipeline"], "dbt_startup_seconds").median), _sizes_cell(s["runs"]["pipeline"])]
            for s in sets
        ]),
        "",
        "## Side by side: the pipeline, the DuckDB floor and the pandas peer",
        "",
        "The **floor** is every mart computed by DuckDB straight from the source files, in memory: "
        "each raw table a view over its file through the product's own reading SELECT (so DuckDB "
        "reads only the columns the models use), the same mart SQL (dbt's compiled SQL), nothing "
        "persisted, no checks, no orchestration (`benchmarks/floor_duckdb.py`). Its split: hashing "
        "the files (the lineage checksum the era models join on), the views and the cards' parse "
        "(each distinct card once), then the models, which read the files. **Floor with the "
        "product's loaders** is the breakdown beside it: the raw tables first loaded by the "
        "product's loaders into a DuckDB file (without their gates), then the same models; its "
        "distance from the floor is what loading costs before any check. The **peer** computes the "
        "six author marts (Figures 1–3 for the paper and for the whole Hub, whose input is the "
        "largest) with pandas from the raw files (`benchmarks/peer_pandas.py`); it equals the "
        "warehouse's marts row for row on a small input, as both floors do "
        "(tests/unit/test_benchmarks.py). The **floor for the peer's marts** is the floor narrowed "
        "to those six: only the models they are built from, over only the files they read; "
        "*peer / that floor* compares pandas and DuckDB on the same work.",
        "",
        _table(["set", "pipeline", "floor", "floor: hash files / views and cards / models", "peer (6 marts)",
                "floor for the peer's marts", "pipeline / floor", "peer / floor for its marts",
                "floor with the product's loaders: load + models", "peak RSS pipeline / floor / peer"], [
            [s["name"], measure(s["runs"]["pipeline"]).seconds(), measure(s["runs"]["floor"]).seconds(),
             " / ".join(format_seconds(measure(s["runs"]["floor"], key).median)
                        for key in ("checksum_seconds", "views_and_cards_seconds", "models_seconds")),
             measure(s["runs"]["peer"]).seconds(), _seconds_cell(s["runs"].get("floor_peer_marts", [])),
             f"{measure(s['runs']['pipeline']).median / measure(s['runs']['floor']).median:.1f}×",
             _ratio_cell(s["runs"]["peer"], s["runs"].get("floor_peer_marts", [])),
             _with_loaders_cell(s["runs"].get("floor_with_loaders", [])),
             " / ".join(format_bytes(peak_rss(s["runs"][kind])) for kind in ("pipeline", "floor", "peer"))]
            for s in sets
        ]),
        "",
        f"![Time against input size]({os.path.relpath(plot_path, report_path.parent)})",
        "",
        "## Runs after the build: nothing changed, then a new month of HFCommunity",
        "",
        "After the full build, `build_warehouse` runs again with no input changed (nothing is "
        "loaded, gated, rebuilt or published; the published files are compared before and after), "
        "then with a new month of HFCommunity (the generator's next seed, the same shape) and the "
        "leaderboard files unchanged: dbt rebuilds the models downstream of the reloaded raw.hfc_* "
        "tables (the manifest's lineage) and nothing else.",
        "",
        _table(["set", "rerun, nothing changed", "published", "new HFCommunity month", "its split (ingest / dbt / checks / publish)",
                "models rebuilt / downstream of raw.hfc_*", "rebuilt outside them"], [
            [s["name"], measure(s["runs"]["rerun"]).seconds(),
             "nothing" if all(r["published_nothing"] for r in s["runs"]["rerun"]) else "a new version",
             measure(s["runs"]["next_month"]).seconds(),
             " / ".join(format_seconds(category(s["runs"]["next_month"], name).median) for name in ("ingest", "dbt", "checks", "publish")),
             f"{s['runs']['next_month'][0]['models_rebuilt']} / {s['runs']['next_month'][0]['models_downstream']}",
             ", ".join(_rebuilt_outside(s["runs"]["next_month"])) or "none"]
            for s in sets if s["runs"].get("rerun") and s["runs"].get("next_month")
        ]),
        "",
        "## One weekly partition against a full rebuild",
        "",
        "After the full build, one run backfills every weekly v2 partition but the last; then the "
        "last week runs alone, incrementally (raw load of its files, `dbt build` of the weekly "
        "models with the week's window, publish). The full rebuild is the three runs together.",
        "",
        _table(["set", "one partition", "its split (ingest / dbt / checks / publish / orchestration)", "backfill of the other weeks",
                "full rebuild", "partition / rebuild"], [
            [s["name"], measure(s["runs"]["weekly_partition"]).seconds(),
             " / ".join(format_seconds(category(s["runs"]["weekly_partition"], name).median)
                        for name in ("ingest", "dbt", "checks", "publish", "orchestration")),
             measure(s["runs"]["weekly_backfill"]).seconds(), full_rebuild(s).seconds(),
             f"{measure(s['runs']['weekly_partition']).median / full_rebuild(s).median:.1%}"]
            for s in sets
        ]),
        "",
        "## Marts against the generators' known truth",
        "",
        "In every repeat, the published warehouse, the floor's marts (in its own process), the "
        "database of the floor with the product's loaders, the floor for the peer's marts and the "
        "peer's marts are "
        "checked against values the generators counted from the rows they wrote "
        "(`_truth.json`; `benchmarks/truth.py`): dim_models' rows, the human commit authors, "
        "their (repo, author) pairs and the repos with one, paper and Hub-wide.",
        "",
        _table(["set", "pipeline", "floor", "floor with the product's loaders", "floor for the peer's marts", "peer"], [
            [s["name"], *(_truth_cell(s["runs"].get(kind, []))
                          for kind in ("pipeline", "floor", "floor_with_loaders", "floor_peer_marts", "peer"))]
            for s in sets
        ]),
        "",
    ]
    if failed:
        out += ["## Runs that failed", "",
                _table(["set", "what happened"], [[s["name"], s["failed"]] for s in failed]), ""]  # fmt: skip
    if RUN_COST.exists():
        out += [RUN_COST.read_text().rstrip(), ""]
    if NOTES.exists():
        out += [NOTES.read_text().rstrip(), ""]
    return "\n".join(out)


def _with_loaders_cell(runs: Sequence[Mapping]) -> str:
    """The breakdown's time and split (results from before it was measured have none)."""
    if not runs:
        return "—"
    return (f"{measure(runs).seconds()}: {format_seconds(measure(runs, 'ingest_seconds').median)} + "
            f"{format_seconds(measure(runs, 'models_seconds').median)}; peak RSS {format_bytes(peak_rss(runs))}")


def _sizes_cell(runs: Sequence[Mapping]) -> str:
    """The files the build left, the largest over the repeats ("—" before they were measured)."""
    if not runs or "published_bytes" not in runs[0]:
        return "—"
    return " / ".join(format_bytes(max(run[key] for run in runs)) for key in ("published_bytes", "working_bytes"))


def _seconds_cell(runs: Sequence[Mapping]) -> str:
    """A measurement's median and spread; "—" in results from before it was measured."""
    return measure(runs).seconds() if runs else "—"


def _ratio_cell(numerator: Sequence[Mapping], denominator: Sequence[Mapping]) -> str:
    return f"{measure(numerator).median / measure(denominator).median:.1f}×" if numerator and denominator else "—"


def _truth_cell(runs: Sequence[Mapping]) -> str:
    if not runs:
        return "—"
    failed = [run["truth"]["summary"] for run in runs if not run["truth"]["passed"]]
    if failed:
        return "FAILED: " + "; ".join(failed)
    checked = runs[0]["truth"]["checked"]
    return f"{checked} values equal, {len(runs)} repeat(s)"


def write_plot(results: Mapping, path: Path) -> None:
    """Median time against raw input size, log-log, one line per system."""
    import altair as alt
    import pandas as pd
    import vl_convert

    rows = [
        {"input (MiB)": s["input_bytes"] / (1 << 20), "set": s["name"], "system": label,
         "seconds": measure(s["runs"][kind]).median}
        for s in results["sets"] if not s.get("failed")
        for kind, label in (("pipeline", "pipeline (all marts, gates, figures, publish)"),
                            ("floor", "DuckDB floor (all marts, from the files)"),
                            ("floor_with_loaders", "DuckDB floor with the product's loaders"),
                            ("floor_peer_marts", "DuckDB floor (the peer's 6 author marts)"),
                            ("peer", "pandas peer (6 author marts)"),
                            ("weekly_partition", "one weekly partition"))
        if s["runs"].get(kind)  # results from before the breakdown was measured have none
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(
        x=alt.X("input (MiB):Q", scale=alt.Scale(type="log"), title="raw input (MiB, log)"),
        y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="median wall time (s, log)"),
        color=alt.Color("system:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
    )
    chart = (base.mark_line(point=True) + base.mark_text(dy=-8, fontSize=9).encode(text="set:N")).properties(
        title="Time against input size", width=520, height=320
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vl_convert.vegalite_to_png(chart.to_json(), scale=2))
