"""Every asset materialised on the offline default (the project's generated data) as `make run`
does it (the paper's warehouse, then every generated week in one backfill run: the session's
`generated_build`), then `make run` again on a copy: the second time loads, gates, builds and
publishes nothing, since no file changed, and says so, leaving every table identical; then the
paper's job once more with one byte of the HFCommunity dump changed: only the dump is loaded and
gated, only the models downstream of it rebuilt, and a new version published (issue 20)."""

import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.settings import Settings
from tests.conftest import make_settings
from tests.integration.builds import landed_weeks
from tests.integration.harness import (
    CORE_FIGURE_MARTS,
    WEEKLY_FIGURE_MARTS,
    MARTS,
    changed_tables,
    check_evaluations,
    documented_sql_statements,
    dump_with_one_byte_changed,
    materialized_keys,
    run_warehouse,
    run_weekly,
    warehouse_tables,
)
from tests.mart_docs import MARTS_SCHEMA, load_manifest, mart_nodes


@dataclass(frozen=True)
class TwoBuilds:
    settings: Settings
    """The session's `make run` (its first build, what later tests read)."""
    first: dg.ExecuteInProcessResult
    first_weekly: dg.ExecuteInProcessResult
    again: Settings
    """The copy that `make run` ran on again, then once more with one source changed."""
    second: dg.ExecuteInProcessResult
    second_weekly: dg.ExecuteInProcessResult
    tables_after_first: dict
    tables_after_second: dict
    changed: dg.ExecuteInProcessResult
    """build_warehouse on `again` after the second, with another HFCommunity dump (one byte of a
    discussion's title differs: the Hub-wide models are rebuilt, and their marts stay the same)."""


@pytest.fixture(scope="module")
def two_builds(generated_build, tmp_path_factory) -> TwoBuilds:
    """The session's `make run`, `make run` again on a copy of what it left, then the paper's job
    once more with the HFCommunity dump changed."""
    root = tmp_path_factory.mktemp("generated_again")
    with pytest.MonkeyPatch.context() as monkeypatch:
        again = generated_build.copy(root, monkeypatch, outputs=True)
        tables_after_first = warehouse_tables(again)
        second = run_warehouse(again, figures=True)
        second_weekly = run_weekly(again, None, *landed_weeks(again))
        tables_after_second = warehouse_tables(again)
        dump = dump_with_one_byte_changed(again.hfcommunity_dump_path, root / "dump")
        changed_settings = make_settings(root, monkeypatch, **{**generated_build.inputs,
                                                                "WAREHOUSE_HFCOMMUNITY_DUMP": str(dump)})
        changed = run_warehouse(changed_settings, figures=True)
    return TwoBuilds(generated_build.settings, generated_build.results["core"], generated_build.results["weekly"],
                     again, second, second_weekly, tables_after_first, tables_after_second, changed)


def test_generated_default_builds_every_asset_with_every_check_passing(two_builds):
    settings, first = two_builds.settings, two_builds.first
    assert settings.snapshot_dir is None
    assert first.success
    assert [name for name, e in check_evaluations(first).items() if not e.passed] == []
    keys = materialized_keys(first)
    assert {"raw/leaderboard", "raw/repo_details", "raw/commit_data"} <= keys
    assert {f"marts/{mart}" for mart in MARTS} <= keys
    assert {f"figures/{mart}" for mart in CORE_FIGURE_MARTS} <= keys
    assert {f"figures/{mart}" for mart in WEEKLY_FIGURE_MARTS} <= materialized_keys(two_builds.first_weekly)
    for name in ("leaderboard.csv", "repo_details.csv", "commit_data.csv"):
        assert (settings.generated_dir / name).stat().st_size > 0


def test_the_run_writes_the_findings_report_with_every_figure(two_builds):
    from orchestration.charts import CHART_MODULES

    settings, first = two_builds.settings, two_builds.first
    assert "report/findings" in materialized_keys(first)
    page = (settings.report_dir / "findings.html").read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == len(CHART_MODULES)
    assert all(f'alt="{module.TITLE}"' in page for module in CHART_MODULES.values())
    assert "Test data, not real data" in page and "not enough data" not in page.lower()


def test_every_mart_is_filled(two_builds):
    settings = two_builds.settings
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        for mart in MARTS:
            (rows,) = conn.execute(f"select count(*) from marts.{mart}").fetchone()
            assert rows > 0, f"marts.{mart} is empty on the generated default"
        # The generated data shows the paper's shapes: fine-tuned models dominate.
        top_type = conn.execute(
            "select model_type from marts.dim_models group by 1 order by count(*) desc limit 1").fetchone()
        assert top_type == ("fine_tuned",)


def test_every_published_mart_column_is_documented(generated_build):
    """The columns of every published mart are exactly the columns its YAML documents (each with
    a description: tests/unit/test_mart_docs.py), so `make docs` and the Dagster UI describe
    what a SQL user queries."""
    documented = {mart: set(node["columns"]) for mart, node in mart_nodes(load_manifest()).items()}
    published: dict[str, set[str]] = {}
    with duckdb.connect(str(generated_build.settings.duckdb_path), read_only=True) as conn:
        for mart, column in conn.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall():
            published.setdefault(mart, set()).add(column)
    assert len(published) >= len(MARTS)
    assert set(published) == set(documented), "every published mart is a documented dbt model, and the reverse"
    differences = {
        mart: {"undocumented": sorted(columns - documented[mart]), "not published": sorted(documented[mart] - columns)}
        for mart, columns in published.items() if columns != documented[mart]
    }
    assert differences == {}


def test_make_docs_builds_the_site_offline_from_the_working_database(generated_build, tmp_path, monkeypatch):
    """`make docs` after `make run` (on a copy: the site is written beside its working database):
    every mart in the catalog with its documented columns typed, no usage tracking in the page,
    and the working database only read."""
    import hashlib
    import json

    from orchestration.cli import build_docs

    settings = generated_build.copy(tmp_path, monkeypatch)
    working = hashlib.sha256(settings.working_duckdb_path.read_bytes()).hexdigest()
    assert build_docs(settings) == 0
    site = settings.dbt_docs_dir
    assert (site / "index.html").stat().st_size > 0 and (site / "static_index.html").stat().st_size > 0
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False, "the page would load dbt's tracker"
    catalog = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    catalogued = {node["metadata"]["name"]: set(node["columns"]) for node in catalog["nodes"].values()
                  if node["metadata"]["schema"] == MARTS_SCHEMA}
    assert catalogued == {mart: set(node["columns"]) for mart, node in mart_nodes(manifest).items()}
    assert hashlib.sha256(settings.working_duckdb_path.read_bytes()).hexdigest() == working


def test_figure_assets_carry_a_preview_and_row_counts(two_builds):
    events = [*two_builds.first.get_asset_materialization_events(), *two_builds.first_weekly.get_asset_materialization_events()]
    for event in events:
        key = event.asset_key.to_user_string()
        if key.startswith("figures/"):
            metadata = event.materialization.metadata
            assert "data:image/png;base64," in metadata["preview"].value
            assert metadata["mart_rows"].value > 0


def test_materialising_twice_gives_identical_tables(two_builds):
    assert two_builds.second.success and two_builds.second_weekly.success
    assert "marts.leaderboard_v2_history" in two_builds.tables_after_first
    assert len(two_builds.tables_after_first) >= 3 + 3 + 4 + 2 * len(MARTS)
    assert changed_tables(two_builds.tables_after_first, two_builds.tables_after_second) == []


def metadata_of(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """asset → its materialisation's metadata values, in one run."""
    return {e.asset_key.to_user_string(): {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}


def published_versions(result: dg.ExecuteInProcessResult) -> list[str]:
    return [metadata["version_id"] for key, metadata in metadata_of(result).items() if key == "published/warehouse"]


def test_a_rerun_on_unchanged_files_loads_gates_builds_and_publishes_nothing_and_says_so(two_builds):
    second = two_builds.second
    raw = {key: metadata for key, metadata in metadata_of(second).items() if key.startswith("raw/")}
    assert {"raw/leaderboard", "raw/repo_details", "raw/commit_data", "raw/hfc_commits"} <= set(raw)
    for key, metadata in raw.items():
        assert metadata["unchanged"] is True and metadata["reloaded"] is False, key
    first_raw = metadata_of(two_builds.first)
    assert all(raw[key]["checksum_sha256"] == first_raw[key]["checksum_sha256"] for key in raw)
    gates = [e for e in second.get_asset_check_evaluations() if e.asset_key.path[0] == "raw"]
    assert gates and all(e.passed and e.description.startswith("not evaluated again") for e in gates)

    dbt_models = {key: m for key, m in metadata_of(second).items() if key.split("/")[0] in ("staging", "marts")}
    assert {f"marts/{mart}" for mart in MARTS} <= set(dbt_models)
    assert all(m["unchanged"] is True and m["rebuilt"] is False for m in dbt_models.values()), "dbt built nothing"
    assert not [e for e in second.get_asset_check_evaluations() if e.asset_key.path[0] not in ("raw", "published")], \
        "nor tested"

    assert published_versions(second) == [] and "published/warehouse" not in materialized_keys(second)
    (said,) = [e.asset_observation_data.asset_observation.metadata for e in second.all_events
               if e.is_asset_observation and e.asset_key.to_user_string() == "published/warehouse"]
    assert said["nothing_changed"].value is True and "nothing changed" in said["reason"].value
    assert said["version_id"].value == published_versions(two_builds.first_weekly)[0], "the served version stays"
    assert not {key for key in materialized_keys(second) if key.split("/")[0] in ("figures", "report")}, \
        "nothing new published: the figures and report are not drawn again"
    assert two_builds.second.success and [e for e in second.get_asset_check_evaluations() if not e.passed] == []


def test_a_changed_file_is_loaded_and_gated_and_only_its_downstream_rebuilt_and_published(two_builds):
    changed = metadata_of(two_builds.changed)
    assert two_builds.changed.success
    assert changed["raw/hfc_commits"]["unchanged"] is False and changed["raw/hfc_commits"]["reloaded"] is True
    assert changed["raw/leaderboard"]["unchanged"] is True and changed["raw/commit_data"]["unchanged"] is True
    hfc_gates = [e for e in two_builds.changed.get_asset_check_evaluations()
                 if e.asset_key.path[-1].startswith("hfc_") and e.asset_key.path[0] == "raw"]
    assert hfc_gates and all(e.passed and not (e.description or "").startswith("not evaluated") for e in hfc_gates)

    rebuilt = {key for key, m in changed.items() if m.get("rebuilt") is not False and key.split("/")[0]
               in ("seeds", "staging", "intermediate", "marts")}
    assert {"staging/stg_hfc_commits", "marts/hub_authors_over_time"} <= rebuilt
    assert changed["marts/dim_models"]["unchanged"] is True and "staging/stg_leaderboard" not in rebuilt
    assert "raw.hfc_" in changed["marts/dim_models"]["reason"]

    (version,) = published_versions(two_builds.changed)
    assert version > published_versions(two_builds.first_weekly)[0]
    kept = changed["figures/weekly_models_by_type"]
    assert kept["rendered"] is False, "a figure whose mart stayed the same is not drawn again"
    assert kept["published_version_id"] == version


# The quirks the dbt unit tests must cover, each by name; every other unit test the dbt project
# holds (e.g. a new mart's, in its YAML) runs and must pass as well, without being listed here.
DBT_UNIT_TESTS = {
    "test_stg_leaderboard_uninverts_flags_and_types",  # inverted flags, emoji types
    "test_stg_leaderboard_reads_the_final_table_spelling",  # the final v1 table: TRUE/FALSE, dates
    "test_stg_repo_details_parses_list_literals",  # list literals
    "test_int_leaderboard_models_keeps_best_evaluation",  # dedup
    "test_int_repo_details_dedups_duplicates",  # dedup
    "test_int_declared_base_models_unions_card_and_tags",  # base_model: tags
    "test_int_commit_authors_drops_bots",  # bots
    "test_dim_models_sunday_weeks_and_groups",  # Sunday weeks
    "test_model_improvements_exactly_one_base",  # exactly-one-base rule
    "test_dim_models_v2_keeps_best_evaluation_ties_by_sha_then_row",  # v2 canon: kept evaluation, flagged, multimodal
    "test_dim_models_v2_first_row_wins_a_full_tie",  # v2 canon: the earlier file row
    "test_dim_models_v2_base_model_removed_self_merge_suffix",  # v2 canon: unknown bases, as-of snapshot
    "test_weekly_models_by_type_v2_counts_submission_weeks",  # Fig 4 rule on v2 submission weeks
    "test_model_improvements_v2_declared_base_on_the_board",  # improvement rule over v2 declared bases
    "test_benchmark_improvement_per_base_v2_summarises_each_base",  # per-base summary
    "test_merge_share_v2_merges_by_type_or_flag_and_generation",  # merges and generation per week
    "test_base_model_lineage_agreement_v2_compares_where_both_exist",  # v2 base vs Hub card base
    "test_stg_leaderboard_v2_types_both_layouts",  # v2 layouts, case-insensitive evaluation key
    "test_int_leaderboard_v2_observations_keeps_best_case_duplicate",  # case-only duplicates
    "test_leaderboard_v2_history_attribute_changes_open_versions",  # attributes versioned, layouts aside
    "test_int_merge_models_removes_merges_transitively",  # transitive merge removal, cycles
    "test_int_model_families_by_name_and_by_lineage",  # family patterns, sizes, lineage roots
    "test_top_author_activity_ranks_ten_authors_ties_by_name",  # top ten, ties by name
    "test_type_score_over_time_running_count_and_best",  # running count and maximum per type
    "test_architecture_popularity_change_zero_fills_weeks",  # zero-filled week grid
    "test_params_vs_score_bins_and_best_model",  # rounded size bins, best model
    "test_base_model_evolution_keeps_new_running_maxima",  # running maxima per family
    "test_improvement_per_dataset_needs_four_models_of_each_type",  # >= 4 of each type
    "test_benchmark_improvement_heatmap_top_bases",  # ten most fine-tuned bases
    "test_size_efficiency_frontier_running_best_per_class",  # zero-filled months, frontier
    "test_base_family_agreement_counts_each_way",  # name vs lineage agreement
    "test_stg_hfc_repository_reads_the_parsed_card_lists",  # the loader's card fields as lists
    "test_stg_hfc_commits_turns_author_time_and_zone_into_utc",  # author_date + author_tz (west)
    "test_int_hfc_repositories_dates_a_repo_by_its_earliest_commit",  # no creation date in HFCommunity
    "test_int_repo_details_censors_the_hub_created_at_floor",  # the Hub's 2022-03-02 floor is no date
    "test_int_hfc_commit_authors_keeps_human_model_work",  # Hub-wide: model repos, no bots
    "test_int_hfc_model_families_follows_lineage",  # Hub-wide families by declared lineage
    "test_hub_authors_over_time_fills_months",  # zero-filled months
    "test_discussion_activity_per_family_counts_threads",  # discussions vs pull requests
}


def dbt_log_levels(log: Path) -> set[str]:
    """The levels of the events in a dbt log file (dbt writes it as JSON lines)."""
    return {json.loads(line)["info"]["level"] for line in log.read_text(encoding="utf-8").splitlines() if line}


def test_dbt_logs_to_its_file_at_info_by_default(generated_build):
    """WAREHOUSE_DBT_FILE_LOG_LEVEL reaches dbt: the build's invocations logged their events, and
    not the debug ones (each SQL statement). The unit tests' invocation below sets `debug`."""
    logs = list(generated_build.settings.work_dir.glob("dbt/*/dbt.log"))
    assert logs
    for log in logs:
        assert "info" in dbt_log_levels(log) and "debug" not in dbt_log_levels(log), log


def test_dbt_unit_tests_pass(generated_build, tmp_path, monkeypatch):
    """Every dbt unit test, run here (a run's `dbt build` leaves them out: they test the SQL),
    on a copy of the generated warehouse (dbt opens it to write), its log file at `debug`."""
    from orchestration.resources import dbt_cli_resource

    settings = generated_build.copy(tmp_path, monkeypatch, WAREHOUSE_DBT_FILE_LOG_LEVEL="debug")
    invocation = dbt_cli_resource(settings).cli(
        ["test", "--select", "test_type:unit"], target_path=tmp_path / "target", raise_on_error=False
    )
    invocation.wait()
    results = invocation.get_artifact("run_results.json")["results"]
    # The on-run-start hook (macros/engine/raw_tables.sql) reports a result too; count the unit tests.
    statuses = {result["unique_id"].rsplit(".", 1)[-1]: result["status"] for result in results
                if result["unique_id"].startswith("unit_test.")}
    assert DBT_UNIT_TESTS - statuses.keys() == set(), "listed unit tests the dbt project no longer holds"
    assert statuses == {name: "pass" for name in statuses}
    assert "debug" in dbt_log_levels(tmp_path / "target" / "dbt.log")


def test_documented_queries_run_on_the_published_warehouse(two_builds):
    """Every statement in the SQL examples of the README and docs/querying.md answers, read-only,
    with rows."""
    settings = two_builds.settings
    statements = documented_sql_statements()
    assert len(statements) >= 3
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        for statement in statements:
            assert conn.execute(statement).fetchall(), f"no rows: {statement}"


def test_weekly_backfill_on_generated_files_publishes_beside_the_paper_marts(two_builds):
    """The weekly run leaves the paper's tables audited: one published file holds both."""
    settings, first_weekly = two_builds.settings, two_builds.first_weekly
    assert first_weekly.success
    failed = [key for key, e in check_evaluations(first_weekly).items() if not e.passed]
    assert failed == ["raw/leaderboard_v2:leaderboard_v2_snapshot_present"], "only the missing-week warning"
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.dim_models").fetchone()[0] > 0
        weeks, without, restated = conn.execute(
            "select count(*), count(*) filter (where not has_snapshot), max(restated_evaluations) "
            "from marts.weekly_leaderboard_v2").fetchone()
    assert (weeks, without) == (31, 5), "the generator keeps the real cadence"
    assert restated > 100, "and a bulk re-scoring"
