"""The findings report: each claim's numbers and verdict from small published marts, the page
(self-contained, every registered figure), and the `report/findings` asset."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.figures.report import REPORT_KEY, findings_report
from orchestration.charts import CHART_MODULES
from orchestration.report.findings import (
    CONTRADICTS,
    NO_DATA,
    SUPPORTS,
    best_by_size,
    compute_findings,
    data_source,
)
from orchestration.resources import FiguresResource, ReportResource, WarehouseResource
from orchestration.wap.versions import PublicationInfo, publish

# Small marts with the columns the claims read. Weeks: the first 13 weeks hold 1 tuned model of
# 4 (25%), the last 13 weeks 4 of 4 (100%).
MARTS_SQL = """
create schema marts;
create table marts.weekly_models_by_type as
select week_start::date as week_start, model_type, new_models from (values
    ('2023-01-01', 'pretrained', 3), ('2023-01-08', 'fine_tuned', 1),
    ('2023-07-02', 'merge', 5),
    ('2024-01-07', 'fine_tuned', 3), ('2024-01-14', 'chat', 1)
) as t(week_start, model_type, new_models);
create table marts.dim_models as
select model_id, model_type, architecture_group, params_b, average, created_at::timestamptz as created_at from (values
    ('meta/llama-base', 'pretrained', 'Llama', 7.0, 50.0, '2023-01-02'),
    ('mistral/base', 'pretrained', 'Mistral', 7.2, 60.0, '2023-01-03'),
    ('other/base', 'pretrained', 'Other', 70.0, 80.0, '2023-01-04'),
    ('f/one', 'fine_tuned', 'Llama', 7.0, 52.0, '2023-02-01'),
    ('f/two', 'chat', 'Llama', 7.0, 52.0, '2023-02-02'),
    ('f/three', 'fine_tuned', 'Mistral', 7.2, 59.0, '2023-02-03'),
    ('f/four', 'fine_tuned', 'Other', 70.0, 83.0, '2024-01-10'),
    ('unsized', 'merge', 'Unknown', null, 99.0, null)
) as t(model_id, model_type, architecture_group, params_b, average, created_at);
create table marts.model_improvements as
select model_id, base_model_id, benchmark, improvement from (values
    ('f/one', 'meta/llama-base', 'average', 2.0), ('f/one', 'meta/llama-base', 'arc', 1.0),
    ('f/two', 'meta/llama-base', 'average', 2.0),
    ('f/three', 'mistral/base', 'average', -1.0),
    ('f/four', 'other/base', 'average', 3.0)
) as t(model_id, base_model_id, benchmark, improvement);
create table marts.benchmark_improvement_per_base as
select base_model_id, benchmark, n_models, mean_improvement, max_improvement, share_improved from (values
    ('meta/llama-base', 'average', 2, 2.0, 2.0, 1.0),
    ('meta/llama-base', 'arc', 1, 1.0, 9.0, 1.0),
    ('mistral/base', 'average', 1, -1.0, -1.0, 0.0),
    ('other/base', 'average', 1, 3.0, 3.0, 1.0)
) as t(base_model_id, benchmark, n_models, mean_improvement, max_improvement, share_improved);
"""

GATING_CHECKS = [
    {"asset": "raw/leaderboard", "check": "leaderboard_expectations", "passed": True, "severity": "ERROR", "run_id": "r"},
    {"asset": "raw/leaderboard_v2", "check": "leaderboard_v2_snapshot_present", "passed": False,
     "severity": "WARN", "run_id": "r"},
]


def published_warehouse(tmp_path: Path, sql: str = MARTS_SQL) -> WarehouseResource:
    working = tmp_path / "work" / "working.duckdb"
    working.parent.mkdir(parents=True)
    with duckdb.connect(str(working)) as conn:
        conn.execute(sql)
    warehouse = WarehouseResource(
        working_duckdb_path=str(working),
        published_duckdb_path=str(tmp_path / "warehouse.duckdb"),
        versions_dir=str(tmp_path / "warehouse.versions"),
    )
    publish(warehouse.publish_target(), working,
            PublicationInfo("run", "run", "generated", str(tmp_path / "generated"), gating_checks=GATING_CHECKS))
    return warehouse


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    return published_warehouse(tmp_path)


def findings_by_claim(warehouse: WarehouseResource) -> dict[str, object]:
    with warehouse.connect_published() as conn:
        findings = compute_findings(conn)
    return {finding.claim.split(":")[0].split(",")[0]: finding for finding in findings}


def test_each_claim_gets_its_numbers_and_a_verdict(warehouse):
    rise, concentration, improvement, size = findings_by_claim(warehouse).values()

    assert rise.numbers["share_first_quarter"] == 0.25 and rise.numbers["share_last_quarter"] == 1.0
    assert rise.verdict == SUPPORTS and "25%" in rise.evidence and "100%" in rise.evidence
    assert concentration.numbers == {"models": 4, "bases": 3, "share_llama_mistral": 0.75, "share_top_five_bases": 1.0}
    assert concentration.verdict == SUPPORTS and "meta/llama-base (2)" in concentration.evidence
    # Weighted by models: (2*2.0 - 1.0 + 3.0) / 4 and (2*1.0 + 0 + 1.0) / 4; the arc row is left out.
    assert improvement.numbers == {"models": 4, "mean_improvement": 1.5, "share_improved": 0.75}
    assert improvement.verdict == SUPPORTS and "+1.50 points" in improvement.evidence
    assert "largest gain over a base is +3.00 points (on other/base)" in improvement.evidence
    # Best small (<= 9B): 60.0; best larger: 83.0 (f/four, 70B): 27.7% lower, beyond 10%.
    assert size.numbers["best_small"] == 60.0 and size.numbers["best_large"] == 83.0
    assert size.verdict == CONTRADICTS and "23.00 points (27.7%) lower" in size.evidence


def test_every_claims_query_runs_as_shown_in_the_report(warehouse):
    with warehouse.connect_published() as conn:
        for finding in compute_findings(conn):
            conn.execute(finding.sql).fetchall()


def test_the_contrary_numbers_contradict(tmp_path):
    contrary = (MARTS_SQL
                .replace("('2023-01-01', 'pretrained', 3)", "('2023-01-01', 'chat', 3)")
                .replace("('2024-01-14', 'chat', 1)", "('2024-01-14', 'merge', 9)")
                .replace("'Llama', 7.0, 52.0", "'Other', 7.0, 52.0")
                .replace("('meta/llama-base', 'average', 2, 2.0, 2.0, 1.0)", "('meta/llama-base', 'average', 2, -2.0, -1.0, 0.0)")
                .replace("'Llama', 7.0, 50.0", "'Other', 7.0, 50.0")
                .replace("'Mistral', 7.2, 60.0", "'Other', 7.2, 82.0"))
    rise, concentration, improvement, size = findings_by_claim(published_warehouse(tmp_path, contrary)).values()

    assert rise.verdict == CONTRADICTS  # 100% -> 25%
    assert concentration.verdict == CONTRADICTS  # no base is a Llama or Mistral
    assert improvement.verdict == CONTRADICTS  # mean -0.5, 25% improved
    assert size.verdict == SUPPORTS  # 82 vs 83: 1.2% lower


def test_empty_marts_give_not_enough_data_never_a_guess(tmp_path):
    empty = re.sub(r"\) as t\((.*?)\);", r") as t(\1) limit 0;", MARTS_SQL)
    warehouse = published_warehouse(tmp_path, empty)

    assert {f.verdict for f in findings_by_claim(warehouse).values()} == {NO_DATA}
    with warehouse.connect_published() as conn:
        assert best_by_size(conn) == []


def test_best_average_by_size_class(warehouse):
    with warehouse.connect_published() as conn:
        sizes = best_by_size(conn)

    assert [(s["size_class"], s["models"], s["best_average"], s["best_model_id"]) for s in sizes] == [
        ("3B to 9B", 5, 60.0, "mistral/base"),
        ("40B to 80B", 2, 83.0, "f/four"),
    ]


def test_data_source_names_the_files_the_period_and_the_checks(warehouse):
    with warehouse.connect_published() as conn:
        source = data_source(conn)

    assert source.generated and source.version_id.startswith("v00001-")
    assert source.models == 8 and source.weekly_v2 is None
    assert (source.first_created.date().isoformat(), source.last_created.date().isoformat()) == ("2023-01-02", "2024-01-10")
    assert [(c["check_name"], c["passed"]) for c in source.checks] == [
        ("leaderboard_expectations", True), ("leaderboard_v2_snapshot_present", False)]


def tiny_png(width: int = 40, height: int = 20) -> bytes:
    """A valid grey PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixels = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b""))


def figures_dir_with_every_figure(tmp_path: Path, skip: tuple[str, ...] = ()) -> Path:
    figures = tmp_path / "figures"
    figures.mkdir()
    for mart in CHART_MODULES:
        if mart not in skip:
            (figures / f"{mart}.png").write_bytes(tiny_png())
            (figures / f"{mart}.html").write_text("<html></html>")
    return figures


def materialize_report(tmp_path: Path, warehouse: WarehouseResource, figures: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [findings_report],
        resources={"warehouse": warehouse, "figures": FiguresResource(figures_dir=str(figures)),
                   "report": ReportResource(report_dir=str(tmp_path / "report"))},
        raise_on_error=False,
    )


def test_report_asset_writes_one_self_contained_page_with_every_registered_figure(tmp_path, warehouse):
    result = materialize_report(tmp_path, warehouse, figures_dir_with_every_figure(tmp_path))

    assert result.success
    page = (tmp_path / "report" / "findings.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" width="20" height="10" alt="([^"]*)"', page)
    assert images == [module.TITLE for module in CHART_MODULES.values()]
    assert not re.search(r"https?://|<script|<link|@import|url\(", page), "nothing is fetched, nothing runs"
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert {h for h in hrefs if not h.startswith("#")} == {f"../figures/{mart}.html" for mart in CHART_MODULES}
    for text in ("Test data, not real data", "leaderboard_v2_snapshot_present", "1 of 2 checks passed",
                 "Supported", "Contradicted", "3B to 9B", str(tmp_path / "generated")):
        assert text in page, text
    (materialization,) = result.asset_materializations_for_node(findings_report.op.name)
    metadata = materialization.metadata
    assert metadata["path"].value == str(tmp_path / "report" / "findings.html")
    assert metadata["figures"].value == len(CHART_MODULES)
    assert (metadata["gating_checks_passed"].value, metadata["gating_checks"].value) == (1, 2)
    assert "**contradicts**" in metadata["claims"].value


def test_report_fails_naming_the_figures_not_drawn_yet(tmp_path, warehouse):
    missing = tuple(CHART_MODULES)[:2]
    result = materialize_report(tmp_path, warehouse, figures_dir_with_every_figure(tmp_path, skip=missing))

    assert not result.success
    failure = result.failure_data_for_node(findings_report.op.name)
    assert all(mart in failure.user_failure_data.description for mart in missing)
    assert not (tmp_path / "report" / "findings.html").exists()


def test_report_leaves_out_the_v2_figures_until_the_weekly_job_draws_them(tmp_path, warehouse):
    from orchestration.defs.figures.assets import WEEKLY_FIGURE_KEYS

    weekly = tuple(key.path[-1] for key in WEEKLY_FIGURE_KEYS)
    assert weekly, "the v2 marts have figures"
    result = materialize_report(tmp_path, warehouse, figures_dir_with_every_figure(tmp_path, skip=weekly))

    assert result.success
    page = (tmp_path / "report" / "findings.html").read_text(encoding="utf-8")
    assert all(f"../figures/{mart}.html" not in page for mart in weekly)
    (materialization,) = result.asset_materializations_for_node(findings_report.op.name)
    assert materialization.metadata["figures"].value == len(CHART_MODULES) - len(weekly)


def test_report_asset_depends_on_the_published_warehouse_and_every_figure(settings_factory):
    from orchestration.definitions import build_definitions

    spec = findings_report.specs_by_key[REPORT_KEY]
    assert spec.group_name == "report" and spec.kinds == {"html"}
    assert {dep.asset_key for dep in spec.deps} == {
        dg.AssetKey(["published", "warehouse"]), *(dg.AssetKey(["figures", mart]) for mart in CHART_MODULES)}
    definitions = build_definitions(settings_factory())
    assert REPORT_KEY in definitions.resolve_job_def("build_warehouse").asset_layer.selected_asset_keys
    # The weekly v2 job writes it again: its era verdicts read the latest loaded week.
    assert REPORT_KEY in definitions.resolve_job_def("leaderboard_v2_weekly").asset_layer.selected_asset_keys


def test_quarantined_rows_are_listed_escaped_and_an_empty_quarantine_says_so(tmp_path):
    """audit.quarantine, published with the marts, is listed on the page; its values come from
    the raw files, so they are escaped (a value can never become markup)."""
    from orchestration.checks.quarantine import QUARANTINE_TABLE, ensure_quarantine_table

    hostile = "<script>alert('x')</script>"
    working = tmp_path / "clean"
    clean = published_warehouse(working)
    with clean.connect_published() as conn:
        assert data_source(conn).quarantine == []

    dirty_dir = tmp_path / "dirty"
    dirty_dir.mkdir()
    warehouse = published_warehouse(dirty_dir)
    with duckdb.connect(str(dirty_dir / "work" / "working.duckdb")) as conn:
        ensure_quarantine_table(conn)
        conn.execute(
            f"insert into {QUARANTINE_TABLE} values ('leaderboard', '/data/leaderboard.csv', 7, 'arc', ?, "
            "'values outside 0–100 (score_range)', 'score_range', 'expect_column_values_to_be_between(arc)', 'r', now())",
            [hostile],
        )
    publish(warehouse.publish_target(), dirty_dir / "work" / "working.duckdb",
            PublicationInfo("run", "run", "generated", str(dirty_dir / "generated"), gating_checks=GATING_CHECKS))
    result = materialize_report(dirty_dir, warehouse, figures_dir_with_every_figure(dirty_dir))

    assert result.success
    page = (dirty_dir / "report" / "findings.html").read_text(encoding="utf-8")
    assert "Quarantined rows" in page and "values outside 0–100 (score_range)" in page
    assert hostile not in page and "&lt;script&gt;" in page
    assert ">leaderboard.csv<" in page and ">7<" in page
    clean_result = materialize_report(working, clean, figures_dir_with_every_figure(working))
    assert clean_result.success
    assert "No row was quarantined" in (working / "report" / "findings.html").read_text(encoding="utf-8")


ERA_SQL = """
create table marts.era_verdicts as
select * from (values
    ('community_improves_bases', 3, 'The community improves on the base models.', 'paper', 1, 'Paper snapshot (May 2024)',
     date '2024-04-15', 10, 8, 1.5, 'mean change', 0.75, 'share improving', 'supports', 'Supports when ...', null),
    ('community_improves_bases', 3, 'The community improves on the base models.', 'v1_final', 2, 'Final v1 table (July 2024)',
     null, 0, 0, null, 'mean change', null, 'share improving', 'not enough data', 'Supports when ...',
     'no final v1 table configured: set WAREHOUSE_V1_FINAL_TABLE'),
    ('community_improves_bases', 3, 'The community improves on the base models.', 'v2_latest', 3, 'Latest v2 week',
     date '2025-02-08', 6, 4, -0.5, 'mean change', 0.25, 'share improving', 'contradicts', 'Supports when ...', null)
) as t(claim_id, claim_order, claim, era, era_order, era_label, era_as_of, era_models, models, measure, measure_name,
       reference, reference_name, verdict, rule, note);
create table marts.era_models as
select * from (values ('paper', 'a/m', true), ('paper', 'a/n', false), ('v2_latest', 'b/m', true))
    as t(era, model_id, is_merge);
"""


def test_the_claims_across_eras_sit_side_by_side_and_a_missing_era_says_why(tmp_path):
    warehouse = published_warehouse(tmp_path, MARTS_SQL + ERA_SQL)
    result = materialize_report(tmp_path, warehouse, figures_dir_with_every_figure(tmp_path))

    assert result.success
    page = (tmp_path / "report" / "findings.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="eras">(.*?)</section>', page, re.S).group(1)
    header = re.search(r"<thead>(.*?)</thead>", section, re.S).group(1)
    assert re.findall(r"<th>([^<]*)<br>", header) == [
        "Paper snapshot (May 2024)", "Final v1 table (July 2024)", "Latest v2 week"]
    assert "data to 08 February 2025" in header
    cells = re.findall(r"<td>(<span class=\"verdict.*?)</td>", section, re.S)
    assert [re.search(r'class="verdict ([a-z-]+)"', cell).group(1) for cell in cells] == ["supports", "no-data", "contradicts"]
    assert "+1.50 points (against 75.0%); 8 models" in cells[0]
    assert "no final v1 table configured: set WAREHOUSE_V1_FINAL_TABLE" in cells[1]
    assert "where claim_id = &#x27;community_improves_bases&#x27;" in section  # the SQL behind the numbers
    assert "paper: 50.0% (1 of 2); v2_latest: 100.0% (1 of 1)" in section  # the rise of merges
    assert "The loaded v2 history restates no MATH score" not in section  # no v2 history: nothing said
    assert '<a href="#eras">' in page


def test_a_warehouse_without_the_era_table_has_no_era_section(tmp_path, warehouse):
    assert materialize_report(tmp_path, warehouse, figures_dir_with_every_figure(tmp_path)).success
    page = (tmp_path / "report" / "findings.html").read_text(encoding="utf-8")
    assert 'id="eras"' not in page and 'href="#eras"' not in page


def test_what_changed_finds_the_bulk_math_rescoring_and_its_effect_on_improvement():
    """A history where the snapshot of 2024-11-09 restates MATH for two of three evaluations:
    it is found, with the mean change, and the MATH improvement over the base is measured on
    the versions valid the day before and on that day."""
    from orchestration.report.findings import what_changed

    conn = duckdb.connect()
    conn.execute(MARTS_SQL + ERA_SQL)
    conn.execute("""
        create table marts.leaderboard_v2_history as
        select * from (values
            ('base|bf16|s', 'o/base', 'pretrained', null, 30.0, 's', 10.0, date '2024-11-01', date '2024-11-09', false),
            ('base|bf16|s', 'o/base', 'pretrained', null, 30.0, 's', 14.0, date '2024-11-09', null, false),
            ('tuned|bf16|t', 'o/tuned', 'fine_tuned', 'o/base', 31.0, 't', 12.0, date '2024-11-01', date '2024-11-09', false),
            ('tuned|bf16|t', 'o/tuned', 'fine_tuned', 'o/base', 31.0, 't', 13.0, date '2024-11-09', null, false),
            ('other|bf16|u', 'o/other', 'chat', 'o/missing', 20.0, 'u', 5.0, date '2024-11-01', null, false)
        ) as t(evaluation_id, model_id, model_type, base_model_id, average, model_sha, math_lvl_5, valid_from,
               valid_to, is_flagged)
    """)
    changes = what_changed(conn)

    assert changes.v2_history
    restated = changes.math_restatement
    assert (restated["snapshot_date"].isoformat(), restated["previous_snapshot_date"].isoformat()) == ("2024-11-09", "2024-11-01")
    assert (restated["math_restated"], restated["evaluations_listed"]) == (2, 3)
    assert restated["mean_change"] == pytest.approx(2.5)
    by_side = {row["side"]: row for row in changes.math_improvement}
    assert (by_side["before"]["models"], by_side["before"]["mean_improvement"]) == (1, pytest.approx(2.0))
    assert (by_side["after"]["models"], by_side["after"]["mean_improvement"]) == (1, pytest.approx(-1.0))
    assert (by_side["before"]["share_improved"], by_side["after"]["share_improved"]) == (1.0, 0.0)
