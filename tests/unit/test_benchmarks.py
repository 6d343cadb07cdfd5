"""The benchmark harness's pieces (benchmarks/): the time split, the stats, the report, the truth
verification, the floor (straight from the files) against the floor with the product's loaders,
the pandas peer against the DuckDB marts, and the Hub-sized generator, all at tiny sizes (the
benchmark itself is `make bench`, never part of `make test`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmarks import floor_duckdb
from benchmarks.floor_duckdb import build_order, built_floor, compile_models, hfcommunity_csv_export, run_floor_with_loaders
from benchmarks.inputs import PreparedInputs, hub_set, prepare, scale_set
from benchmarks.peer_pandas import PEER_MARTS, peer_marts
from benchmarks.pipeline_run import (
    CATEGORIES,
    DbtNodeTiming,
    StepTiming,
    dbt_node_timings,
    marts_share,
    models_downstream_of,
    split_timings,
    step_category,
    upstream_of,
)
from benchmarks.report import evaluate_targets, render_report, truth_failures
from benchmarks.stats import summarize
from benchmarks.truth import TRUTH_CHECKS, TruthMismatch, require_truth, verify_truth
from orchestration.defs.hfcommunity.reader import HFC_TABLES, raw_table_name
from orchestration.synthetic.hfcommunity import (
    CSV_DIR_NAME,
    SQL_DUMP_NAME,
    TRUTH_NAME,
    HubShape,
    generate_hfcommunity,
    hub_shape,
)

# ---------------------------------------------------------------------------------------------
# The time split


def steps(**seconds: float) -> list[StepTiming]:
    return [StepTiming(key, value) for key, value in seconds.items()]


def test_split_attributes_every_second_of_the_run_once():
    timings = split_timings(
        100.0,
        steps(raw__leaderboard=4.0, raw_hfcommunity=16.0, warehouse_dbt_models=40.0, published__warehouse=5.0,
              figures__repos_per_author=3.0, report__findings=2.0),
        gx_seconds=6.0,
        dbt_nodes=[DbtNodeTiming("model.p.a", "model", 20.0), DbtNodeTiming("test.p.t", "test", 8.0),
                   DbtNodeTiming("unit_test.p.u", "unit_test", 1.0), DbtNodeTiming("seed.p.s", "seed", 1.0)],
    )  # fmt: skip
    assert timings.categories == pytest.approx(
        {"ingest": 14.0, "dbt": 31.0, "checks": 15.0, "figures": 5.0, "publish": 5.0, "orchestration": 30.0}
    )
    assert sum(timings.categories.values()) == pytest.approx(100.0)
    assert timings.dbt_startup_seconds == pytest.approx(10.0)
    assert set(timings.categories) == set(CATEGORIES)


def test_split_refuses_inner_timings_longer_than_their_steps():
    with pytest.raises(ValueError, match="exceed"):
        split_timings(10.0, steps(raw__leaderboard=1.0), gx_seconds=2.0, dbt_nodes=[])
    with pytest.raises(ValueError, match="exceed"):
        split_timings(10.0, steps(weekly_v2_dbt_models=1.0), gx_seconds=0.0,
                      dbt_nodes=[DbtNodeTiming("model.p.a", "model", 2.0)])  # fmt: skip
    with pytest.raises(ValueError, match="wall time"):
        split_timings(1.0, steps(raw__leaderboard=2.0), gx_seconds=0.0, dbt_nodes=[])


@pytest.mark.parametrize(
    ("step_key", "expected"),
    [("raw__commit_data", "ingest"), ("raw_hfcommunity", "ingest"), ("raw__leaderboard_v2", "ingest"),
     ("hub_models", "ingest"), ("warehouse_dbt_models", "dbt"), ("weekly_v2_dbt_models", "dbt"),
     ("published__warehouse", "publish"), ("figures__authors_over_time", "figures"), ("report__findings", "figures")],
)  # fmt: skip
def test_every_step_of_the_jobs_has_a_category(step_key, expected):
    assert step_category(step_key) == expected


def test_the_job_steps_are_all_categorised(tmp_path, monkeypatch):
    """Every op of both jobs (as Dagster names their steps) falls in a category."""
    from orchestration.definitions import build_definitions
    from tests.conftest import make_settings

    defs = build_definitions(make_settings(tmp_path, monkeypatch))
    for job_name in ("build_warehouse", "leaderboard_v2_weekly"):
        for node in defs.resolve_job_def(job_name).graph.node_dict:
            step_category(node)


def test_an_unknown_step_is_an_error():
    with pytest.raises(ValueError, match="no benchmark category"):
        step_category("mystery_op")


def test_dbt_node_timings_read_the_runs_invocations_only(tmp_path):
    for name, results in (
        ("warehouse_dbt_models-abcdef1-1234567", [("model.p.a", 1.5), ("test.p.t", 0.5)]),
        ("warehouse_dbt_models-zzzzzzz-7654321", [("model.p.other_run", 9.0)]),
    ):
        (tmp_path / name).mkdir()
        payload = {"results": [{"unique_id": uid, "execution_time": t} for uid, t in results]}
        (tmp_path / name / "run_results.json").write_text(json.dumps(payload))
    nodes = dbt_node_timings(tmp_path, "abcdef1-9999-run")
    assert nodes == [DbtNodeTiming("model.p.a", "model", 1.5), DbtNodeTiming("test.p.t", "test", 0.5)]


def test_dbt_threads_running_side_by_side_count_once_in_the_split():
    """dbt runs nodes on several threads: the step's wall time holds their intervals, not the sum
    of their times. A test beside a model counts as dbt; only a test running alone is checks."""
    nodes = [DbtNodeTiming("model.p.a", "model", 4.0, 100.0, 104.0),
             DbtNodeTiming("test.p.t1", "test", 3.0, 102.0, 105.0),   # 102-104 beside the model
             DbtNodeTiming("test.p.t2", "test", 2.0, 104.0, 106.0),   # overlaps t1: 104-106 alone
             DbtNodeTiming("seed.p.s", "seed", 1.0, 107.0, 108.0)]  # fmt: skip
    timings = split_timings(20.0, steps(warehouse_dbt_models=9.0), gx_seconds=0.0, dbt_nodes=nodes)
    assert timings.categories["checks"] == pytest.approx(2.0)
    assert timings.categories["dbt"] == pytest.approx(7.0)
    assert timings.dbt_startup_seconds == pytest.approx(2.0)  # 9 s of step, 7 s with a node running


def test_dbt_node_timings_take_each_nodes_interval_from_its_timing(tmp_path):
    invocation = tmp_path / "warehouse_dbt_models-abcdef1-1234567"
    invocation.mkdir()
    timing = [{"name": "compile", "started_at": "2026-12-07T17:17:23.500000Z", "completed_at": "2026-12-07T17:17:23.600000Z"},
              {"name": "execute", "started_at": "2026-12-07T17:17:23.600000Z", "completed_at": "2026-12-07T17:17:25.000000Z"}]  # fmt: skip
    payload = {"results": [{"unique_id": "model.p.a", "execution_time": 1.5, "timing": timing}]}
    (invocation / "run_results.json").write_text(json.dumps(payload))
    (node,) = dbt_node_timings(tmp_path, "abcdef1-9999-run")
    assert node.completed - node.started == pytest.approx(1.5)
    assert node.started == pytest.approx(datetime(2026, 12, 7, 17, 17, 23, 500000, tzinfo=UTC).timestamp())


def test_the_share_of_some_marts_is_what_they_read_and_are_built_from():
    """marts_share: the raw tables upstream of the marts (an HFCommunity table by its own load and
    gate seconds, a paper file by its step), and dbt's wall time on the nodes they are built
    from and the tests on those; not the other marts' nodes or tables."""
    def model(name, *parents):
        return {"resource_type": "model", "name": name, "depends_on": {"nodes": list(parents)}}
    manifest = {
        "sources": {"source.p.raw.hfc_commits": {"name": "hfc_commits"}, "source.p.raw.commit_data": {"name": "commit_data"},
                    "source.p.raw.leaderboard": {"name": "leaderboard"}},
        "nodes": {
            "model.p.stg_c": model("stg_c", "source.p.raw.hfc_commits"),
            "model.p.stg_d": model("stg_d", "source.p.raw.commit_data"),
            "model.p.hub_authors": model("hub_authors", "model.p.stg_c"),
            "model.p.authors": model("authors", "model.p.stg_d"),
            "model.p.other": model("other", "source.p.raw.leaderboard"),
            "test.p.unique_stg_c": {"resource_type": "test", "name": "u", "depends_on": {"nodes": ["model.p.stg_c"]}},
            "test.p.not_null_other": {"resource_type": "test", "name": "n", "depends_on": {"nodes": ["model.p.other"]}},
        },
    }  # fmt: skip
    node = lambda uid, kind, start, end: asdict(DbtNodeTiming(uid, kind, end - start, start, end))  # noqa: E731
    run = {
        "asset_seconds": {"raw/hfc_commits": {"load": 10.0, "gate": 4.0}},
        "steps": {"raw__commit_data": 2.0, "raw__leaderboard": 50.0, "raw_hfcommunity": 99.0},
        "dbt_nodes": [node("model.p.stg_c", "model", 0, 1), node("model.p.stg_d", "model", 0, 1),
                      node("model.p.hub_authors", "model", 1, 4), node("test.p.unique_stg_c", "test", 2, 6),
                      node("model.p.authors", "model", 1, 2), node("model.p.other", "model", 10, 30),
                      node("test.p.not_null_other", "test", 30, 40)],
    }  # fmt: skip
    share = marts_share(run, manifest, ["hub_authors", "authors"])
    assert share == {"raw_seconds": 16.0, "dbt_seconds": 6.0, "total_seconds": 22.0, "raw_tables": 2, "dbt_nodes": 5}


# ---------------------------------------------------------------------------------------------
# Stats and the report


def test_summary_is_the_median_and_the_range():
    summary = summarize([3.0, 1.0, 2.0, 10.0])
    assert (summary.median, summary.low, summary.high, summary.n) == (2.5, 1.0, 10.0, 4)
    assert summary.spread == pytest.approx(3.6)
    assert summary.seconds() == "2.50 s (1.00–10.0, n=4)"
    assert summarize([7.0]).seconds() == "7.00 s"
    with pytest.raises(ValueError):
        summarize([])


def fake_run(wall: float, *, truth_passed: bool = True, **extra) -> dict:
    categories = {name: wall / len(CATEGORIES) for name in CATEGORIES}
    categories["checks"] += wall / 10
    categories["ingest"] -= wall / 10
    return {"wall_seconds": wall, "peak_rss_bytes": 1 << 30, "categories": categories, "dbt_startup_seconds": 1.0,
            "ingest_seconds": wall / 2, "models_seconds": wall / 2, "checksum_seconds": wall / 10,
            "views_and_cards_seconds": wall / 10, "sources_seconds": wall / 5,
            "truth": {"passed": truth_passed, "summary": "dim_models: dim_models_rows expected 5, found 4" if not truth_passed
                      else "8 values equal the generators' truth", "checked": 8, "skipped": []}, **extra}  # fmt: skip


def fake_results(*, pipeline: float, floor: float, peer: float, weekly: float, truth_passed: bool = True,
                 share: float = 0.1, rerun: float = 0.1, rerun_published: bool = False,
                 rebuilt_outside: tuple[str, ...] = ()) -> dict:
    def runs(scale: float) -> dict:
        def shared(wall: float) -> dict:
            return {"peer_marts_share": {"raw_seconds": wall / 2, "dbt_seconds": wall / 2, "total_seconds": wall,
                                         "raw_tables": 3, "dbt_nodes": 40},
                    "published_bytes": 49_557_504, "working_bytes": 2_410_950_656}  # fmt: skip
        return {
            "pipeline": [fake_run(pipeline * scale, truth_passed=truth_passed, **shared(share * scale)),
                         fake_run(pipeline * scale * 1.1, **shared(share * scale))],
            "rerun": [fake_run(rerun * scale, published_nothing=not rerun_published)] * 2,
            "next_month": [fake_run(pipeline * scale / 2, exit_code=0, models_rebuilt=12, models_downstream=12,
                                    rebuilt_outside=rebuilt_outside, downstream_not_rebuilt=[])] * 2,
            "weekly_backfill": [fake_run(pipeline * scale), fake_run(pipeline * scale)],
            "weekly_partition": [fake_run(weekly * scale), fake_run(weekly * scale)],
            "floor": [fake_run(floor * scale), fake_run(floor * scale)],
            "floor_with_loaders": [fake_run(floor * scale * 3), fake_run(floor * scale * 3)],
            "floor_peer_marts": [fake_run(floor * scale * 0.4), fake_run(floor * scale * 0.4)],
            "peer": [fake_run(peer * scale), fake_run(peer * scale)],
        }

    sets = [
        {"name": name, "paper_scale": scale, "leaderboard_rows": int(6661 * scale), "leaderboard_models": 6281,
         "hfc_models": int(2000 * scale), "hfc_authors": 1196, "hfc_commits": 12986, "input_bytes": int(5e6 * scale),
         "generation_seconds": 1.0, "truth": {}, "runs": runs(scale)}
        for name, scale in (("1x", 1.0), ("hub", 100.0))
    ]  # fmt: skip
    machine = {"cpu": "Test CPU", "cores": "2", "memory": "23.47 GiB", "os": "Linux", "python": "3.11", "versions": "duckdb 1"}
    return {"machine": machine, "repeat": 2, "data_dir": "/tmp/x", "sets": sets}


def test_targets_are_judged_on_the_hub_set():
    rows = evaluate_targets(fake_results(pipeline=2.0, floor=1.5, peer=20.0, weekly=0.1, share=0.5, rerun=0.2))
    verdicts = {row.target.split(" at ")[0]: row for row in rows}
    assert verdicts["full build"].met  # 200 s at the hub set (the median of 200 and 220 s: 210 s)
    assert verdicts["full build"].measured == "210 s"
    assert verdicts["pipeline ≤ 4× the DuckDB floor"].met  # 210 / 150
    peer = verdicts["the pipeline's share for the peer's 6 marts no slower than the pandas peer"]
    assert peer.met and peer.measured.startswith("50.0 s against the peer's 2000 s")
    assert "dbt's wall time on their 40 models and tests, 25.0 s; DuckDB computes the same marts from the files" in peer.measured
    assert "in 60.0 s;" in peer.measured  # the floor for the peer's marts: 0.4 × 150 s
    rerun = verdicts["a rerun with unchanged inputs"]
    assert rerun.met and rerun.measured == "20.0 s, nothing published"
    assert rows[-1].met is None and "Dagster" in rows[-1].measured


def test_a_new_hfcommunity_month_that_rebuilds_a_leaderboard_model_misses_its_target():
    def month_row(results):
        (row,) = [row for row in evaluate_targets(results) if row.target.startswith("a new month")]
        return row
    assert month_row(fake_results(pipeline=2.0, floor=1.5, peer=20.0, weekly=0.1)).met
    missed = month_row(fake_results(pipeline=2.0, floor=1.5, peer=20.0, weekly=0.1,
                                    rebuilt_outside=("model.p.int_leaderboard_models",)))  # fmt: skip
    assert missed.met is False and missed.verdict == "missed: rebuilt outside: int_leaderboard_models"


def test_models_downstream_of_a_source_follow_every_path():
    def node(kind, *parents):
        return {"resource_type": kind, "depends_on": {"nodes": list(parents)}}
    manifest = {
        "sources": {"source.p.raw.hfc_commits": {"name": "hfc_commits"}, "source.p.raw.leaderboard": {"name": "leaderboard"}},
        "nodes": {"model.p.stg": node("model", "source.p.raw.hfc_commits"), "model.p.lb": node("model", "source.p.raw.leaderboard"),
                  "model.p.both": node("model", "model.p.lb", "model.p.stg"), "test.p.t": node("test", "model.p.stg"),
                  "model.p.mart": node("model", "model.p.both")},
    }  # fmt: skip
    assert models_downstream_of(manifest, lambda name: name.startswith("hfc_")) == {"model.p.stg", "model.p.both", "model.p.mart"}


def test_a_rerun_that_publishes_or_takes_long_misses_its_target():
    for results in (fake_results(pipeline=2.0, floor=1.5, peer=20.0, weekly=0.1, rerun=0.2, rerun_published=True),
                    fake_results(pipeline=2.0, floor=1.5, peer=20.0, weekly=0.1, rerun=0.5)):
        (rerun,) = [row for row in evaluate_targets(results) if row.target.startswith("a rerun")]
        assert rerun.met is False


def test_a_missed_target_names_the_measured_reason():
    rows = evaluate_targets(fake_results(pipeline=4.0, floor=1.0, peer=4.0, weekly=2.0, share=5.0))
    missed = [row for row in rows if row.met is False]
    assert {row.target.split(" at ")[0] for row in missed} == {
        "full build", "pipeline ≤ 4× the DuckDB floor", "the pipeline's share for the peer's 6 marts no slower than the pandas peer",
        "one weekly partition ≤ 10% of a full rebuild",
    }  # fmt: skip
    assert all(row.verdict.startswith("missed: ") for row in missed)
    assert "largest part: checks" in missed[0].verdict


def test_report_has_the_machine_every_table_and_the_plot(tmp_path):
    results = fake_results(pipeline=2.0, floor=1.0, peer=10.0, weekly=0.1)
    text = render_report(results, plot_path=tmp_path / "images" / "plot.png", report_path=tmp_path / "benchmarks.md")
    for heading in ("## Machine", "## Inputs", "## Targets", "## Full pipeline", "## Side by side",
                    "## Runs after the build", "## One weekly partition",
                    "## Marts against the generators' known truth"):  # fmt: skip
        assert heading in text
    assert "| CPU | Test CPU |" in text
    assert "![Time against input size](images/plot.png)" in text
    assert "| hub | 210 s (200–220, n=2) |" in text
    assert "8 values equal, 2 repeat(s)" in text
    assert "| published version / working database |" in text and "| 47 MiB / 2.25 GiB |" in text


def test_the_side_by_side_puts_the_floor_and_its_breakdown_with_the_products_loaders_in_one_table(tmp_path):
    results = fake_results(pipeline=2.0, floor=1.0, peer=10.0, weekly=0.1)
    text = render_report(results, plot_path=tmp_path / "p.png", report_path=tmp_path / "r.md")
    section = text[text.index("## Side by side"):text.index("## One weekly partition")]
    assert "straight from the source files" in section and "Floor with the product's loaders" in section
    hub = next(line for line in section.splitlines() if line.startswith("| hub |"))
    # pipeline 210 s, floor 100 s (hash 10 / views and cards 10 / models 50), peer 1,000 s; the breakdown 300 s
    # The floor for the peer's marts 40 s: the peer (1,000 s) is 25 times it.
    assert "| 1000 s (1000–1000, n=2) | 40.0 s (40.0–40.0, n=2) | 2.1× | 25.0× | 300 s (300–300, n=2): 150 s + 150 s; peak RSS 1.00 GiB |" in hub
    assert "| 100 s (100–100, n=2) | 10.0 s / 10.0 s / 50.0 s |" in hub
    truth_section = text[text.index("## Marts against"):]
    assert "| set | pipeline | floor | floor with the product's loaders | floor for the peer's marts | peer |" in truth_section
    # Results from before the breakdown and the narrowed floor were measured still render, both shown as absent.
    for input_set in results["sets"]:
        del input_set["runs"]["floor_with_loaders"]
        del input_set["runs"]["floor_peer_marts"]
    older = render_report(results, plot_path=tmp_path / "p.png", report_path=tmp_path / "r.md")
    assert "| 1000 s (1000–1000, n=2) | — | 2.1× | — | — |" in older


def test_a_truth_failure_is_reported_and_listed():
    results = fake_results(pipeline=2.0, floor=1.0, peer=10.0, weekly=0.1, truth_passed=False)
    assert truth_failures(results) == [
        "1x pipeline repeat 1: dim_models: dim_models_rows expected 5, found 4",
        "hub pipeline repeat 1: dim_models: dim_models_rows expected 5, found 4",
    ]
    assert "FAILED: dim_models: dim_models_rows expected 5" in render_report(results, plot_path=Path("/p.png"), report_path=Path("/r.md"))


# ---------------------------------------------------------------------------------------------
# Tiny generated inputs: the floor (dbt's compiled SQL in DuckDB), the peer and the truth


@dataclass(frozen=True)
class TinyFloors:
    prepared: PreparedInputs
    manifest: Path
    floor: duckdb.DuckDBPyConnection
    """The floor's in-memory database: its marts live only in this connection."""
    timings: dict
    with_loaders_db: Path
    """The floor with the product's loaders: its working.duckdb."""
    spill_dir: Path
    """Where the floor's DuckDB may spill (nothing, at this size)."""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny input set (the paper snapshot at 0.05, the Hub at 1/4000), both floors built on it:
    the floor from the files (its connection open for this module's tests) and the floor with the
    product's loaders."""
    data_dir = tmp_path_factory.mktemp("bench")
    prepared = prepare(scale_set(0.05), data_dir)
    manifest = compile_models(data_dir / "compile-scratch")
    run_floor_with_loaders(manifest, data_dir / "floor-with-loaders", prepared.generated_dir, prepared.hfcommunity_csv)
    spill_dir = data_dir / "floor-spill"
    with built_floor(manifest, prepared.generated_dir, prepared.hfcommunity_csv, spill_dir) as (floor, timings):
        yield TinyFloors(prepared, manifest, floor, timings, data_dir / "floor-with-loaders" / "working.duckdb", spill_dir)


@contextmanager
def floor_connection(tiny: TinyFloors, which: str) -> Iterator[duckdb.DuckDBPyConnection]:
    if which == "floor":
        yield tiny.floor
    else:
        with duckdb.connect(str(tiny.with_loaders_db), read_only=True) as conn:
            yield conn


BOTH_FLOORS = pytest.mark.parametrize("which", ["floor", "floor_with_loaders"])


@BOTH_FLOORS
def test_the_floor_builds_every_mart_of_the_full_build_from_compiled_sql(tiny, which):
    order = [node["name"] for node in build_order(json.loads(tiny.manifest.read_text()))]
    assert "leaderboard_v2_history" not in order  # the weekly job's models
    assert order.index("stg_hfc_commits") < order.index("int_hfc_commit_authors") < order.index("hub_repos_per_author")
    with floor_connection(tiny, which) as conn:
        marts = {n for (n,) in conn.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        assert {"dim_models", "hub_authors_per_repo", "discussion_activity_per_family"} <= marts
        assert conn.execute("select count(*) from marts.dim_models").fetchone()[0] > 0


@BOTH_FLOORS
def test_the_floor_passes_the_truth_and_a_wrong_truth_fails(tiny, which):
    truth = tiny.prepared.truth()
    with floor_connection(tiny, which) as conn:
        report = require_truth(conn, truth, what="floor")
        assert len(report.checks) == len(TRUTH_CHECKS) and not report.skipped
        wrong = {**truth, "hub_author_repo_pairs": truth["hub_author_repo_pairs"] + 1}
        with pytest.raises(TruthMismatch, match=r"floor: hub_repos_per_author: hub_author_repo_pairs expected"):
            require_truth(conn, wrong, what="floor")
        assert not verify_truth(conn, {**truth, "dim_models_rows": 0}).passed


RAW_TABLES = {"leaderboard", "leaderboard_v1_final", "repo_details", "commit_data", *(raw_table_name(t) for t in HFC_TABLES)}


def test_the_floor_reads_the_source_files_through_views_and_persists_nothing(tiny):
    floor = tiny.floor
    raw = dict(floor.execute("select table_name, table_type from information_schema.tables where table_schema = 'raw'").fetchall())
    assert raw == dict.fromkeys(RAW_TABLES, "VIEW")
    (path,) = floor.execute("select path from duckdb_databases() where database_name = 'working'").fetchone()
    assert path is None  # in memory
    assert not [path for path in tiny.spill_dir.rglob("*") if path.is_file()]
    (commits_sql,) = floor.execute("select sql from duckdb_views() where schema_name = 'raw' and view_name = 'hfc_commits'").fetchone()
    assert "read_csv(" in commits_sql and str(tiny.prepared.hfcommunity_csv / "commits.csv") in commits_sql
    # DuckDB reads only the columns a query uses, through the view.
    plan = "\n".join(row[1] for row in floor.execute("explain select count(distinct author_name) from raw.hfc_commits").fetchall())
    scan = plan[plan.index("READ_CSV"):]
    assert "author_name" in scan and "message" not in scan and "committer_name" not in scan
    assert tiny.timings["models_seconds"] > 0 and tiny.timings["checksum_seconds"] > 0


def test_the_floor_equals_the_floor_with_the_products_loaders_row_for_row(tiny):
    """Every mart, and every raw table but its load time: the views read the files as the loaders do."""
    floor = tiny.floor
    floor.execute(f"attach '{tiny.with_loaders_db}' as with_loaders (read_only)")
    try:
        def names(catalog: str, schema: str) -> set[str]:
            return {n for (n,) in floor.execute("select table_name from information_schema.tables where table_catalog = ? "
                                                "and table_schema = ?", [catalog, schema]).fetchall()}  # fmt: skip

        marts = names("working", "marts")
        assert marts == names("with_loaders", "marts") and len(marts) >= 20
        compared = [(f"marts.{name}", "*") for name in sorted(marts)]
        compared += [(f"raw.{name}", "* exclude (_loaded_at)") for name in sorted(RAW_TABLES)]
        for relation, columns in compared:
            ours = f"select {columns} from working.{relation}"
            theirs = f"select {columns} from with_loaders.{relation}"
            (rows,) = floor.execute(f"select count(*) from working.{relation}").fetchone()
            assert rows == floor.execute(f"select count(*) from with_loaders.{relation}").fetchone()[0], relation
            assert rows > 0, relation
            (differ,) = floor.execute(f"select count(*) from (({ours} except all {theirs}) union all ({theirs} except all {ours}))").fetchone()
            assert differ == 0, relation
    finally:
        floor.execute("detach with_loaders")


def test_the_floors_measured_run_checks_its_marts_in_its_own_process(tiny, tmp_path):
    prepared = tiny.prepared
    task = {"manifest": str(tiny.manifest), "generated_dir": str(prepared.generated_dir),
            "hfcommunity_dump": str(prepared.hfcommunity_csv), "scratch_dir": str(tmp_path / "spill"),
            "truth": {**prepared.truth(), "dim_models_rows": 0}, "result": str(tmp_path / "result.json")}  # fmt: skip
    (tmp_path / "task.json").write_text(json.dumps(task))
    assert floor_duckdb.main(str(tmp_path / "task.json")) == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert not result["truth"]["passed"] and "dim_models: dim_models_rows expected 0" in result["truth"]["summary"]
    assert result["truth"]["checked"] == len(TRUTH_CHECKS)
    assert result["total_seconds"] >= result["sources_seconds"] + result["models_seconds"] - 1e-6


def test_the_floor_for_the_peers_marts_builds_only_what_they_need_and_equals_the_full_floor(tiny, tmp_path):
    """Narrowed to the peer's marts, the floor builds only the models and seeds they are built
    from, over views of only the files they read, and its marts equal the full floor's."""
    manifest = json.loads(tiny.manifest.read_text())
    needed, sources = upstream_of(manifest, PEER_MARTS)
    assert sources == {"commit_data", "hfc_commits", "hfc_repository"}
    order = [node["name"] for node in build_order(manifest, PEER_MARTS)]
    assert set(PEER_MARTS) <= set(order) and len(order) == len(needed) < len(build_order(manifest))
    assert "dim_models" not in order and "int_hfc_model_families" not in order
    prepared = tiny.prepared
    floor = built_floor(tiny.manifest, prepared.generated_dir, prepared.hfcommunity_csv, tmp_path / "spill", marts=PEER_MARTS)
    with floor as (conn, _timings):
        views = {name for (name,) in conn.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
        assert views == sources
        marts = {name for (name,) in conn.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        assert marts == set(PEER_MARTS)
        report = verify_truth(conn, prepared.truth())
        assert report.passed and report.skipped == ("dim_models",)
        for name in PEER_MARTS:
            narrowed = conn.execute(f"select * from marts.{name} order by all").fetchall()
            assert narrowed and narrowed == tiny.floor.execute(f"select * from marts.{name} order by all").fetchall(), name


def test_the_floor_reads_hfcommunitys_csv_export_only(tmp_path):
    with pytest.raises(ValueError, match="only be read through the product's streaming parser"):
        hfcommunity_csv_export(tmp_path / "hfcommunity.sql.gz")
    assert hfcommunity_csv_export(tmp_path) == tmp_path


def test_the_pandas_peer_equals_the_duckdb_marts(tiny):
    prepared = tiny.prepared
    marts = peer_marts(prepared.generated_dir, prepared.hfcommunity_csv)
    assert set(marts) == set(PEER_MARTS)
    with floor_connection(tiny, "floor") as conn:
        for name, frame in marts.items():
            expected = conn.execute(f"select * from marts.{name}").df()
            columns = list(expected.columns)
            assert len(expected) > 0, name
            pd.testing.assert_frame_equal(
                frame[columns].sort_values(columns).reset_index(drop=True),
                expected.sort_values(columns).reset_index(drop=True),
                check_dtype=False,
                obj=name,
            )
    # The peer's marts, loaded into a database of their own, pass the truth for the marts it computes.
    with duckdb.connect() as peer:
        peer.execute("create schema marts")
        for name, frame in marts.items():
            peer.register("frame", frame)
            peer.execute(f"create table marts.{name} as select * from frame")
            peer.unregister("frame")
        report = verify_truth(peer, prepared.truth())
        assert report.passed and report.skipped == ("dim_models",)


# ---------------------------------------------------------------------------------------------
# The Hub-sized generator, at a tiny fraction


def test_hub_shape_is_a_fraction_of_the_whole_hub():
    assert hub_shape(1.0) == HubShape(2_000_000, 1_000_000, 20_000_000)
    assert hub_shape(0.001) == HubShape(2_000, 1_000, 20_000)
    with pytest.raises(ValueError):
        hub_shape(0)
    assert hub_set(0.01).name == "hub-0.01" and hub_set(0.01).hfc_models == 20_000
    assert round(hub_set(1).paper_scale * 6661) == 100_000


def test_the_hub_sized_generator_writes_the_shapes_row_counts(tmp_path):
    shape = HubShape(models=1_500, authors=900, commits=15_000)
    paths = generate_hfcommunity(tmp_path, seed=3, forms=("csv",), shape=shape)
    assert not (tmp_path / SQL_DUMP_NAME).exists() and (tmp_path / TRUTH_NAME) in paths
    csv_dir = tmp_path / CSV_DIR_NAME

    def rows(table: str) -> int:
        return duckdb.sql(f"select count(*) from read_csv('{csv_dir / table}.csv', header=true, all_varchar=true)").fetchone()[0]

    assert rows("model") == shape.models
    assert rows("author") == shape.authors
    assert abs(rows("commits") - shape.commits) / shape.commits < 0.1
    truth = json.loads((tmp_path / TRUTH_NAME).read_text())
    assert truth["hub_model_repos"] == shape.models
    assert 0 < truth["hub_human_commit_authors"] <= shape.authors
    assert truth["hub_repos_with_human_authors"] <= truth["hub_author_repo_pairs"] < rows("commits")


def test_the_generator_refuses_an_unknown_form(tmp_path):
    with pytest.raises(ValueError, match="forms"):
        generate_hfcommunity(tmp_path, forms=("parquet",))


def test_a_failed_set_is_reported_with_its_reason_and_misses_the_hub_targets(tmp_path):
    results = fake_results(pipeline=2.0, floor=1.0, peer=10.0, weekly=0.1)
    hub = results["sets"][1]
    hub["failed"] = "pipeline: killed after 400 s holding 17.0 GiB (more than the guard's 16 GiB)"
    hub["runs"] = {kind: [] for kind in hub["runs"]}
    rows = evaluate_targets(results)
    assert [row.met for row in rows[:5]] == [False] * 5
    assert all("the run failed: pipeline: killed after 400 s" in row.verdict for row in rows[:5])
    text = render_report(results, plot_path=tmp_path / "p.png", report_path=tmp_path / "r.md")
    assert "## Runs that failed" in text and "| hub | pipeline: killed after 400 s" in text
    assert "| hub | 100 |" in text  # still among the inputs


def test_the_launcher_reports_the_peak_rss_of_its_command_and_kills_a_runaway(tmp_path):
    import subprocess
    import sys

    grow = [sys.executable, "-c", "import time; b = bytearray(300 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(2)"]
    out = tmp_path / "rusage.json"
    subprocess.run([sys.executable, "-m", "benchmarks.measured_child", str(out), "0", *grow], check=True)
    measured = json.loads(out.read_text())
    assert measured["exit_code"] == 0 and 300 << 20 < measured["peak_rss_bytes"] < 600 << 20
    code = subprocess.run([sys.executable, "-m", "benchmarks.measured_child", str(out), str(100 << 20), *grow]).returncode
    measured = json.loads(out.read_text())
    assert code == 1 and measured["killed_at_rss_bytes"] > 100 << 20 and measured["exit_code"] != 0


def test_the_run_cost_section_goes_before_the_notes_and_is_replaced_in_place():
    from benchmarks.run_cost import SECTION_TITLE, splice

    report = "# Benchmarks\n\n## Targets\n\nt\n\n## Notes: reproducing\n\nn\n"
    first = splice(report, f"{SECTION_TITLE}\n\nold numbers\n")
    assert first.index(SECTION_TITLE) < first.index("## Notes") and "old numbers" in first
    second = splice(first, f"{SECTION_TITLE}\n\nnew numbers\n")
    assert "old numbers" not in second and second.count(SECTION_TITLE) == 1
    assert second.endswith("## Notes: reproducing\n\nn\n") and "## Targets\n\nt\n" in second


def test_the_run_cost_table_has_both_variants_both_runs_and_the_target_verdict():
    from benchmarks.run_cost import Measurement, Samples, Variant, render

    samples = Samples()
    for wall, variant in ((90.0, "before"), (50.0, "after"), (110.0, "before"), (52.0, "after")):
        samples.add(variant, "fresh", Measurement(wall, dbt=15.0, figures=14.0))
        samples.add(variant, "again", Measurement(wall / 2, dbt=10.0, figures=1.0))
    variants = [Variant("before", Path("/b"), ()), Variant("after", Path("/a"), ())]

    text = render(samples, variants, "abc1234", repeat=2)

    assert "| before | fresh | 100.0 s (90.0–110.0) | 15.0 s (15.0–15.0) | 14.0 s (14.0–14.0) | 71.0 s (61.0–81.0) |" in text
    assert "| after | again | 25.5 s (25.0–26.0) |" in text
    assert "**met** (51.0 s fresh, 1.96× faster than before" in text
