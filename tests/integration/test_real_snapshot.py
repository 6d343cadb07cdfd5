"""Every asset materialised from the real paper snapshot; marts checked against values computed
independently from the raw files (tests/integration/paper_reference.py, no project SQL)."""

import duckdb
import pytest

from orchestration.defs.hfcommunity.reader import HFC_TABLES

from tests.integration.harness import CORE_FIGURE_MARTS, MARTS, check_evaluations, materialized_keys
from tests.integration.figures_reference import RELEASES, FigureReference, whole_billions

CHOSEN_WEEK = "2024-03-10"
CHOSEN_MONTH = "2024-01"
CHOSEN_BASE = "mistralai/mistral-7b-v0.1"


@pytest.fixture(scope="module")
def real_build(real_snapshot_build):
    """The session's build of the real snapshot (tests/conftest.py): its settings and its run."""
    return real_snapshot_build.settings, real_snapshot_build.results["core"]


@pytest.fixture(scope="module")
def reference(real_snapshot_dir) -> FigureReference:
    """PaperReference, extended for the figure marts (tests/integration/figures_reference.py)."""
    return FigureReference(real_snapshot_dir)


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
    assert {f"figures/{mart}" for mart in CORE_FIGURE_MARTS} <= keys
    for mart in CORE_FIGURE_MARTS:
        for suffix in ("png", "svg", "html"):
            assert (settings.figures_dir / f"{mart}.{suffix}").stat().st_size > 0


def test_raw_tables_hold_every_row_with_lineage(working, warehouse, real_snapshot_dir):
    rows = dict(working.execute(
        "select 'leaderboard', count(*) from raw.leaderboard union all "
        "select 'repo_details', count(*) from raw.repo_details union all "
        "select 'commit_data', count(*) from raw.commit_data").fetchall())
    assert rows == {"leaderboard": 6611, "repo_details": 5907, "commit_data": 5635}
    (source_file,) = working.execute("select distinct _source_file from raw.leaderboard").fetchone()
    assert source_file == str(real_snapshot_dir / "leaderboard.csv")
    # The published version names the files it was built from, with their checksums.
    published = dict(warehouse.execute("select table_name, row_count from meta.source_files").fetchall())
    paper = {table: rows for table, rows in published.items() if not table.startswith("raw.hfc_")}
    assert paper == {"raw.leaderboard": 6611, "raw.repo_details": 5907, "raw.commit_data": 5635}
    # Beside them, the (generated) HFCommunity dump's tables that the Hub-wide marts came from.
    assert set(published) - set(paper) == {f"raw.hfc_{table}" for table in HFC_TABLES}


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
    left_out, censored = warehouse.execute(
        "select max(undated_models_left_out), max(censored_models_left_out) from marts.weekly_models_by_type").fetchone()
    assert left_out == int(reference.models["created"].isna().sum()) > 0
    # The Hub's 2022-03-02 floor (23 rows at 23:29:04, 15 at :05 in the real file) is no creation date.
    assert censored == len(reference.censored_ids & set(reference.models.index)) > 0


# Figures 6-12 and the marts beyond the paper -------------------------------------------------


def test_top_author_activity(warehouse, reference):
    mart = warehouse.execute(
        "select author, author_rank, author_repos, count(*), any_value(author_mean_average) "
        "from marts.top_author_activity group by all order by author_rank").fetchall()
    expected = reference.top_authors()
    columns = ["author", "rank", "repos", "models"]
    assert [row[:4] for row in mart] == list(expected[columns].itertuples(index=False, name=None))
    assert [row[4] for row in mart] == pytest.approx(expected["mean_average"].tolist(), abs=1e-6)
    assert mart[0][:3] == ("Weyaxi", 1, 103)


def test_type_score_over_time_in_one_week(warehouse, reference):
    mart = {kind: rest for kind, *rest in warehouse.execute(
        "select model_type, new_models, mean_average, max_average, cumulative_models "
        "from marts.type_score_over_time where week_start = ?", [CHOSEN_WEEK]).fetchall()}
    expected = reference.type_scores_in_week(CHOSEN_WEEK)
    assert mart.keys() == expected.keys() and expected
    for kind, (new, mean, best, cumulative) in expected.items():
        assert mart[kind] == [new, pytest.approx(mean, abs=1e-6), best, cumulative], kind


def test_architecture_popularity_change_in_one_week(warehouse, reference):
    expected = reference.architecture_week(CHOSEN_WEEK, "Mistral")
    row = warehouse.execute(
        "select new_models, change_vs_previous_week, mean_new_models_across_groups, change_vs_mean "
        "from marts.architecture_popularity_change where week_start = ? and architecture_group = 'Mistral'",
        [CHOSEN_WEEK]).fetchone()
    assert row == (expected["new_models"], expected["change_vs_previous_week"],
                   pytest.approx(expected["mean"]), pytest.approx(expected["change_vs_mean"]))
    (rows,) = warehouse.execute("select count(*) from marts.architecture_popularity_change").fetchone()
    assert rows == expected["rows"]
    fig9 = warehouse.execute(
        "select change_vs_mean from marts.architecture_change_vs_mean "
        "where week_start = ? and architecture_group = 'Mistral'", [CHOSEN_WEEK]).fetchone()
    assert fig9 == (pytest.approx(expected["change_vs_mean"]),)


def test_params_vs_score(warehouse, reference):
    n_models, best_average, best_model = reference.params_cell(7, "Mistral")
    row = warehouse.execute(
        "select best_average, best_model_id from marts.params_vs_score "
        "where params_bin = 7 and architecture_group = 'Mistral'").fetchone()
    assert row == (best_average, best_model)
    # The bin as a whole (every architecture) does not depend on how architectures are grouped.
    (in_bin,) = warehouse.execute("select sum(n_models) from marts.params_vs_score where params_bin = 7").fetchone()
    sized = reference.models[reference.models.params > 0]
    assert in_bin == int((sized["params"].map(whole_billions) == 7).sum()) > n_models


def test_base_model_evolution_keeps_the_running_maxima_of_each_family(warehouse, reference):
    mart = warehouse.execute(
        "select family, model_id, days_since_release, improvement_over_first "
        "from marts.base_model_evolution order by family, model_id").df()
    expected = reference.family_records().sort_values(["family", "model_id"]).reset_index(drop=True)
    assert mart[["family", "model_id"]].values.tolist() == expected[["family", "model_id"]].values.tolist()
    for column, tolerance in (("days_since_release", 1e-6), ("improvement_over_first", 1e-9)):
        assert mart[column].tolist() == pytest.approx(expected[column].tolist(), abs=tolerance), column
    assert set(mart["family"]) >= {"Mistral-7B", "Mixtral-8x7B", "Phi-2", "Llama-2-7B"}
    # Merges are removed, transitively: no record is a merge or descends from one.
    assert not set(mart["model_id"]) & reference.removed_merges()


def test_improvement_per_dataset(warehouse, reference):
    mart = warehouse.execute(
        "select dataset, model_type, n_models, mean_improvement from marts.improvement_per_dataset "
        "order by dataset, model_type").df()
    expected = reference.improvement_per_dataset()
    assert len(expected) > 0
    keys = ["dataset", "model_type", "n_models"]
    assert mart[keys].values.tolist() == expected[keys].values.tolist()
    assert mart["mean_improvement"].tolist() == pytest.approx(expected["mean_improvement"].tolist(), abs=1e-9)


def test_base_model_releases_are_the_papers(warehouse):
    rows = warehouse.execute(
        "select base_model, strftime(release_date, '%Y-%m-%d') from marts.base_model_releases order by release_date"
    ).fetchall()
    assert rows == RELEASES


def test_benchmark_improvement_heatmap(warehouse, reference):
    bases = [base for (base, _) in warehouse.execute(
        "select distinct base_model_id, base_rank from marts.benchmark_improvement_heatmap order by base_rank"
    ).fetchall()]
    assert bases == reference.most_fine_tuned_bases()
    pairs = reference.benchmark_pairs()
    for benchmark in ("gsm8k", "truthfulqa"):
        (mean,) = warehouse.execute(
            "select mean_improvement from marts.benchmark_improvement_heatmap "
            "where base_model_id = ? and benchmark = ?", [CHOSEN_BASE, benchmark]).fetchone()
        chosen = pairs[(pairs.base_model_id == CHOSEN_BASE) & (pairs.benchmark == benchmark)]
        assert mean == pytest.approx(chosen["improvement"].mean(), abs=1e-9)


@pytest.mark.parametrize("size_class", ["<3B", "3-9B", "35-80B"])
def test_size_efficiency_frontier(warehouse, reference, size_class):
    frontier, model_id, months = reference.size_frontier(size_class)
    rows = warehouse.execute(
        "select frontier_average, frontier_model_id from marts.size_efficiency_frontier "
        "where size_class = ? order by month_start", [size_class]).fetchall()
    assert len(rows) == months
    assert rows[-1] == (frontier, model_id)


def test_base_family_agreement(warehouse, reference):
    mart = warehouse.execute(
        "select family, models_by_name, models_by_lineage, models_in_both, agreement_share "
        "from marts.base_family_agreement order by family_priority").df().set_index("family")
    expected = reference.family_agreement()
    assert mart.index.tolist() == expected.index.tolist()
    assert mart[["models_by_name", "models_by_lineage", "models_in_both"]].values.tolist() == expected.values.tolist()
    mistral = expected.loc["Mistral-7B"]
    share = mistral.both / (mistral.by_name + mistral.by_lineage - mistral.both)
    assert mart.at["Mistral-7B", "agreement_share"] == pytest.approx(share) and 0 < share < 1


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
