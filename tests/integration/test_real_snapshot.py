"""Every asset materialised from the real paper snapshot; marts checked against values computed
independently from the raw files (tests/integration/paper_reference.py, no project SQL)."""

from pathlib import Path

import duckdb
import pytest

from tests.conftest import make_settings
from tests.integration.harness import (
    FIGURE_MARTS,
    MARTS,
    check_evaluations,
    materialized_keys,
    run_warehouse,
)
from tests.integration.paper_reference import PaperReference

CHOSEN_WEEK = "2024-03-10"
CHOSEN_MONTH = "2024-01"
CHOSEN_BASE = "mistralai/mistral-7b-v0.1"


@pytest.fixture(scope="module")
def real_build(tmp_path_factory, real_snapshot_dir_module):
    tmp_path = tmp_path_factory.mktemp("real")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(real_snapshot_dir_module))
        result = run_warehouse(settings)
    return settings, result


@pytest.fixture(scope="module")
def real_snapshot_dir_module() -> Path:
    from orchestration.settings import real_data_dir

    path = real_data_dir() / "paper-snapshot-2024-05"
    assert (path / "leaderboard.csv").exists(), f"the real snapshot is missing at {path}"
    return path


@pytest.fixture(scope="module")
def reference(real_snapshot_dir_module) -> PaperReference:
    return PaperReference(real_snapshot_dir_module)


@pytest.fixture(scope="module")
def warehouse(real_build):
    """The published warehouse, as users open it."""
    settings, _ = real_build
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def working(real_build):
    """The working database (raw, staging, intermediate): only the runs use it."""
    settings, _ = real_build
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        yield conn


def test_every_asset_materialises_and_every_check_passes(real_build):
    settings, result = real_build
    assert result.success
    failed = [name for name, e in check_evaluations(result).items() if not e.passed]
    assert failed == []
    keys = materialized_keys(result)
    assert {f"marts/{mart}" for mart in MARTS} <= keys
    assert {f"figures/{mart}" for mart in FIGURE_MARTS} <= keys
    for mart in FIGURE_MARTS:
        for suffix in ("png", "svg", "html"):
            assert (settings.figures_dir / f"{mart}.{suffix}").stat().st_size > 0


def test_raw_tables_hold_every_row_with_lineage(working, warehouse, real_snapshot_dir_module):
    rows = dict(working.execute(
        "select 'leaderboard', count(*) from raw.leaderboard union all "
        "select 'repo_details', count(*) from raw.repo_details union all "
        "select 'commit_data', count(*) from raw.commit_data").fetchall())
    assert rows == {"leaderboard": 6611, "repo_details": 5907, "commit_data": 5635}
    (source_file,) = working.execute("select distinct _source_file from raw.leaderboard").fetchone()
    assert source_file == str(real_snapshot_dir_module / "leaderboard.csv")
    # The published version names the files it was built from, with their checksums.
    published = dict(warehouse.execute("select table_name, row_count from meta.source_files").fetchall())
    assert published == {"raw.leaderboard": 6611, "raw.repo_details": 5907, "raw.commit_data": 5635}


def test_models_per_type(warehouse, reference):
    marts = dict(warehouse.execute("select model_type, count(*) from marts.dim_models group by 1").fetchall())
    assert marts == reference.models_per_type()


def test_new_models_per_type_in_one_week(warehouse, reference):
    marts = dict(warehouse.execute(
        "select model_type, new_models from marts.weekly_models_by_type where week_start = ?",
        [CHOSEN_WEEK]).fetchall())
    expected = reference.new_models_per_type_in_week(CHOSEN_WEEK)
    assert expected and marts == expected


def test_authors_with_exactly_one_repo(warehouse, reference):
    (count,) = warehouse.execute("select count(*) from marts.repos_per_author where repos = 1").fetchone()
    assert count == reference.authors_with_exactly_one_repo() > 0


def test_new_authors_in_one_month(warehouse, reference):
    (count,) = warehouse.execute(
        "select new_authors from marts.authors_over_time where month_start = ?", [CHOSEN_MONTH + "-01"]
    ).fetchone()
    assert count == reference.new_authors_in_month(CHOSEN_MONTH) > 0


def test_model_base_pairs_and_mean_improvement(warehouse, reference):
    pairs = reference.improvement_pairs()
    (count,) = warehouse.execute(
        "select count(distinct (model_id, base_model_id)) from marts.model_improvements").fetchone()
    assert count == len(pairs) > 0
    (mean,) = warehouse.execute(
        "select mean_improvement from marts.benchmark_improvement_per_base "
        "where base_model_id = ? and benchmark = 'average'", [CHOSEN_BASE]).fetchone()
    expected = pairs.loc[pairs.base_model_id == CHOSEN_BASE, "improvement"].mean()
    assert mean == pytest.approx(expected, abs=1e-9)


def test_models_without_created_at_are_counted_not_plotted(warehouse, reference):
    (left_out,) = warehouse.execute("select max(undated_models_left_out) from marts.weekly_models_by_type").fetchone()
    assert left_out == int(reference.models["created"].isna().sum()) > 0


def test_findings_report_on_the_real_snapshot_checks_every_claim(real_build, warehouse):
    from orchestration.report.findings import NO_DATA, compute_findings

    settings, result = real_build
    assert "report/findings" in materialized_keys(result)
    page = (settings.report_dir / "findings.html").read_text(encoding="utf-8")
    assert "Real data." in page and "Test data" not in page
    assert str(settings.snapshot_dir) in page
    findings = compute_findings(warehouse)
    assert NO_DATA not in {finding.verdict for finding in findings}
    for finding in findings:
        assert finding.evidence in page.replace("&#x27;", "'")
