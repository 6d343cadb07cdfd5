"""Gates: a bad raw file fails its check (or its load), nothing downstream runs, the working
database keeps its previous raw rows, and the published warehouse stays byte for byte what it
was (same checksum, same version id). One case per check family."""

import shutil
from dataclasses import dataclass
from collections.abc import Callable

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.sources.generator import generate_snapshot
from orchestration.sources.snapshot import SNAPSHOT_FILES
from tests.conftest import make_settings
from orchestration.wap.state import read_state
from tests.integration.harness import (
    PublishedState,
    changed_tables,
    check_evaluations,
    copy_warehouse_state,
    materialized_keys,
    rewrite_csv,
    run_warehouse,
    warehouse_tables,
)

GATE_SCALE = 0.2


@dataclass(frozen=True)
class BadFile:
    source: str  # leaderboard | repo_details | commit_data
    edit: Callable[[list[list[str]]], list[list[str]]]
    failing_column: str | None  # the column the failure must name
    failing_row: int | None  # the data row (1-based) the failure must name
    stopped_by: str = "check"  # "check": the blocking GX check fails; "load": the file cannot be read


def set_cell(column: str, row: int, value: str):
    def edit(rows):
        index = rows[0].index(column)
        rows[row][index] = value
        return rows
    return edit


def drop_column(column: str):
    def edit(rows):
        index = rows[0].index(column)
        return [r[:index] + r[index + 1:] for r in rows]
    return edit


def header_only(rows):
    return rows[:1]


CASES = {
    "score-out-of-range": BadFile("leaderboard", set_cell("ARC", 7, "150.2"), "arc", 7),
    "unparseable-number": BadFile("repo_details", set_cell("downloads", 5, "many"), "downloads", 5),
    "malformed-id": BadFile("commit_data", set_cell("name", 4, "not a model id!"), "name", 4),
    "null-id": BadFile("leaderboard", set_cell("model_name_for_query", 9, ""), "model_name_for_query", 9),
    "unknown-type": BadFile("leaderboard", set_cell("Type", 3, "🦄"), "type", 3),
    "implausible-date": BadFile("repo_details", set_cell("created_at", 6, "1999-01-01 00:00:00+00:00"), "created_at", 6),
    "malformed-list-literal": BadFile("commit_data", set_cell("authors", 2, "['alice', 'bob'"), "authors", 2),
    "empty-table": BadFile("commit_data", header_only, None, None),
    "missing-column": BadFile("repo_details", drop_column("tags"), "tags", 0, stopped_by="load"),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A warehouse built and published from good generated files: what users already query."""
    tmp_path = tmp_path_factory.mktemp("good")
    good_dir = tmp_path / "good_snapshot"
    generate_snapshot(good_dir, seed=7, scale=GATE_SCALE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(good_dir))
        result = run_warehouse(settings)
    assert result.success
    return good_dir, settings


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_bad_raw_file_is_stopped_at_its_gate(case_name, published, tmp_path, monkeypatch):
    case = CASES[case_name]
    good_dir, good_settings = published
    bad_dir = tmp_path / "bad_snapshot"
    shutil.copytree(good_dir, bad_dir)
    spec = SNAPSHOT_FILES[case.source]
    rewrite_csv(bad_dir / spec.file_name, spec.delimiter, case.edit)
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(bad_dir))
    copy_warehouse_state(good_settings, settings)
    published_before = PublishedState.of(settings)
    tables_before = warehouse_tables(settings)

    result = run_warehouse(settings)

    assert not result.success
    message = failure_text(result, case.source)
    assert spec.file_name in message
    if case.failing_column:
        assert case.failing_column in message
    if case.failing_row:
        assert str(case.failing_row) in message
    failed_check = f"raw/{case.source}:{case.source}_expectations"
    if case.stopped_by == "check":
        assert not check_evaluations(result)[failed_check].passed, "the run names the check that stopped it"
    else:
        assert failed_check not in check_evaluations(result), "an unreadable file never reaches its check"

    downstream = {key for key in materialized_keys(result) if not key.startswith("raw/")}
    assert downstream == set(), f"assets downstream of a failed gate ran: {sorted(downstream)}"
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"
    assert changed_tables(tables_before, warehouse_tables(settings)) == [], "rejected rows reached the working database"


def failure_text(result, source: str) -> str:
    """What the user is told: the failed check's description and metadata, or the step error."""
    evaluation = check_evaluations(result).get(f"raw/{source}:{source}_expectations")
    if evaluation is not None and not evaluation.passed:
        parts = [evaluation.description or ""]
        parts += [str(value.value) for value in evaluation.metadata.values()]
        return "\n".join(parts)
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, f"neither the {source} check nor its load failed"
    return "\n".join(str(e.event_specific_data.error) for e in failures) + "\n" + "\n".join(
        str(md.value) for e in failures for md in (e.event_specific_data.user_failure_data.metadata.values()
                                                   if e.event_specific_data.user_failure_data else []))


def test_failing_dbt_test_blocks_everything_downstream(published, tmp_path, monkeypatch):
    """The dbt-test family: a raw row that slipped past the raw gate (written straight into the
    table) fails an error-severity dbt test; dbt skips every model below it, Dagster skips their
    figures and the publish, and users keep the version they had."""
    good_dir, good_settings = published
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(good_dir))
    copy_warehouse_state(good_settings, settings)
    with duckdb.connect(str(settings.working_duckdb_path)) as conn:
        conn.execute("update raw.leaderboard set average = '150.0' where _source_row = 3")
    published_before = PublishedState.of(settings)

    result = run_warehouse(settings, skip_groups={"raw"})

    failed = {name for name, e in check_evaluations(result).items() if not e.passed}
    assert "staging/stg_leaderboard:accepted_range_stg_leaderboard_average__100__0" in failed
    graph = build_definitions(settings).resolve_asset_graph()
    downstream = {
        key.to_user_string()
        for key in dg.AssetSelection.assets(["staging", "stg_leaderboard"]).downstream(include_self=False).resolve(graph)
    }
    assert {"marts/dim_models", "published/warehouse", "figures/weekly_models_by_type"} <= downstream
    assert materialized_keys(result) & downstream == set()
    # Branches that do not depend on the failed model still build (dbt skips only descendants)…
    assert "marts/authors_over_time" in materialized_keys(result)
    # …in the working database only: users see none of it.
    assert PublishedState.of(settings) == published_before
    assert not read_state(settings.work_dir).audited

    # Publishing on its own is refused too: the working database as a whole failed its audit.
    publish_only = run_warehouse(settings, only={"published/warehouse"})
    assert not publish_only.success
    assert not check_evaluations(publish_only)["published/warehouse:working_database_audited"].passed
    assert PublishedState.of(settings) == published_before
