"""The claims across eras on real data: the session's real paper snapshot build, copied, with the
real final v1 table loaded beside the scrape and a real weekly v2 file loaded; then one more
weekly file, dropped into the landing directory and run from the landing sensor's request.
Every number of marts.era_verdicts is checked against pandas reading the raw files
(tests/integration/era_reference.py, no project SQL), the paper era against the report's own
claims, and the findings report shows the table and follows the new week."""

from __future__ import annotations

import re
import shutil
from datetime import date

import dagster as dg
import duckdb
import pytest

from orchestration.report.findings import compute_findings
from tests.integration import era_reference
from tests.integration.harness import (
    evaluate_sensor,
    landing_dir_with,
    launch_as_the_daemon,
    materialized_keys,
    published_weekly_marts,
    run_warehouse,
    run_weekly,
)
from tests.integration.paper_reference import PaperReference

FIRST_FILE, FIRST_WEEK = "2025-02-01", "2025-01-26"
NEXT_FILE, NEXT_WEEK = "2025-02-08", "2025-02-02"
V1_FINAL_ASSETS = {"raw/leaderboard_v1_final", "staging/stg_leaderboard_v1_final", "intermediate/int_era_models_v1"}


@pytest.fixture(scope="module")
def eras_build(real_snapshot_build, real_snapshot_dir, real_weekly_dir, real_final_table, tmp_path_factory):
    """The real paper build with the final v1 table configured beside the scrape (only it, its
    staging view and the v1 eras run again), then the weekly job for one real file."""
    root = tmp_path_factory.mktemp("eras")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = real_snapshot_build.copy(
            root, monkeypatch, outputs=True, WAREHOUSE_V1_FINAL_TABLE=str(real_final_table),
            WAREHOUSE_LANDING_DIR=str(landing_dir_with(root, real_weekly_dir, FIRST_FILE)),
        )
        core = run_warehouse(settings, only=V1_FINAL_ASSETS)
        assert core.success and materialized_keys(core) == V1_FINAL_ASSETS
        weekly = run_weekly(settings, None, FIRST_WEEK, report=True)
        assert weekly.success
        assert {"marts/era_verdicts", "published/warehouse", "report/findings"} <= materialized_keys(weekly)
        yield settings, root


@pytest.fixture(scope="module")
def paper(real_snapshot_dir):
    return PaperReference(real_snapshot_dir)


def published_verdicts(settings) -> dict[tuple[str, str], dict]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        cursor = conn.execute("select * from marts.era_verdicts")
        names = [c[0] for c in cursor.description]
        return {(row["claim_id"], row["era"]): row for row in (dict(zip(names, r)) for r in cursor.fetchall())}


def assert_era_matches(verdicts, era: str, expected: dict[str, tuple[int, float, float]]) -> None:
    for claim_id, (models, measure, reference) in expected.items():
        row = verdicts[(claim_id, era)]
        assert row["note"] is None, (claim_id, era)
        assert row["models"] == models, (claim_id, era)
        assert row["measure"] == pytest.approx(measure, abs=1e-9), (claim_id, era)
        assert row["reference"] == pytest.approx(reference, abs=1e-9), (claim_id, era)


def test_every_era_verdict_equals_pandas_on_the_raw_files(eras_build, paper, real_final_table, real_weekly_dir):
    settings, _ = eras_build
    verdicts = published_verdicts(settings)
    assert len(verdicts) == 12
    assert_era_matches(verdicts, "paper", era_reference.claims(era_reference.paper_era(paper)))
    assert_era_matches(verdicts, "v1_final", era_reference.claims(era_reference.final_table_era(paper, real_final_table)))
    v2_file = real_weekly_dir / f"huggingface_v2_{FIRST_FILE}.csv.gz"
    assert_era_matches(verdicts, "v2_latest", era_reference.claims(era_reference.v2_era(v2_file)))
    assert str(verdicts[("rise_of_tuned_models", "v2_latest")]["era_as_of"]) == FIRST_FILE


def test_the_paper_era_gives_the_reports_own_verdicts_and_numbers(eras_build):
    settings, _ = eras_build
    verdicts = published_verdicts(settings)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        findings = {f.claim: f for f in compute_findings(conn)}
    for (claim_id, era), row in verdicts.items():
        if era == "paper":
            assert findings[row["claim"]].verdict == row["verdict"], claim_id
    numbers = {row["claim_id"]: row for (claim_id, era), row in verdicts.items() if era == "paper"}
    by_claim = {row["claim_id"]: findings[row["claim"]].numbers for row in numbers.values()}
    assert numbers["rise_of_tuned_models"]["measure"] == pytest.approx(by_claim["rise_of_tuned_models"]["share_last_quarter"])
    assert numbers["rise_of_tuned_models"]["reference"] == pytest.approx(by_claim["rise_of_tuned_models"]["share_first_quarter"])
    assert numbers["community_improves_bases"]["measure"] == pytest.approx(by_claim["community_improves_bases"]["mean_improvement"])
    assert numbers["community_improves_bases"]["reference"] == pytest.approx(by_claim["community_improves_bases"]["share_improved"])
    assert numbers["small_models_manageable_loss"]["measure"] == pytest.approx(by_claim["small_models_manageable_loss"]["loss"])


def era_section(settings) -> str:
    page = (settings.report_dir / "findings.html").read_text(encoding="utf-8")
    match = re.search(r'<section id="eras">(.*?)</section>', page, re.S)
    assert match, "the report has no era table"
    return match.group(1)


def test_the_report_shows_the_three_eras_and_what_changed(eras_build):
    settings, _ = eras_build
    section = era_section(settings)
    for label in ("Paper snapshot (May 2024)", "Final v1 table (July 2024)", "Latest v2 week"):
        assert label in section
    assert "data to 01 February 2025" in section
    assert "select era, era_label, era_as_of" in section  # the SQL behind each claim's numbers
    assert "The rise of merges" in section and "MATH Lvl 5 re-scoring" in section


def test_a_dropped_file_publishes_its_week_and_moves_the_v2_verdicts_to_it(eras_build, paper, real_weekly_dir):
    """A new weekly file dropped into the landing directory: the landing sensor requests its
    week, and the request, launched as the daemon would (the whole weekly job: its marts, the
    publish, the v2 figures and the report), extends the published history by that week and
    moves the v2 verdicts to it, in the marts and in the report."""
    settings, _ = eras_build
    before = published_verdicts(settings)
    weeks_before = [row[0] for row in published_weekly_marts(settings)["weekly_leaderboard_v2"]]
    with dg.DagsterInstance.ephemeral() as instance:
        _, cursor = evaluate_sensor(settings, instance, None)
        shutil.copy(real_weekly_dir / f"huggingface_v2_{NEXT_FILE}.csv.gz", settings.landing_dir)
        result, cursor = evaluate_sensor(settings, instance, cursor)
        (request,) = result.run_requests
        assert request.partition_key == NEXT_WEEK
        assert launch_as_the_daemon(settings, instance, request).success

    weeks_after = [row[0] for row in published_weekly_marts(settings)["weekly_leaderboard_v2"]]
    assert weeks_after == [*weeks_before, date.fromisoformat(NEXT_WEEK)]
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select max(last_seen_date) from marts.leaderboard_v2_history").fetchone()[0] == date.fromisoformat(NEXT_FILE)
    after = published_verdicts(settings)
    assert_era_matches(after, "v2_latest", era_reference.claims(
        era_reference.v2_era(real_weekly_dir / f"huggingface_v2_{NEXT_FILE}.csv.gz")))
    assert {str(row["era_as_of"]) for (_, era), row in after.items() if era == "v2_latest"} == {NEXT_FILE}
    for key, row in before.items():  # the v1 eras stay as they were
        if key[1] != "v2_latest":
            assert after[key] == row, key
    assert "data to 08 February 2025" in era_section(settings)
