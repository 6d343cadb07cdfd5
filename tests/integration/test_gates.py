"""Gates through the real jobs: every blocked file case of the bad-input corpus
(tests/bad_inputs.py), and the quarantine case marked, one run each on a copy of a published
warehouse (`build_warehouse` for the paper snapshot and the HFCommunity dump,
`leaderboard_v2_weekly` for a weekly file).
A blocked input fails its check (or its load), nothing downstream runs, the working database
keeps its previous raw rows, and the published warehouse stays byte for byte what it was (same
checksum, same version id). A quarantined row is published aside, in `audit.quarantine`, and
listed in the findings report, while the rest of its file is published."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.sources.generator import generate_snapshot
from orchestration.sources.snapshot import SNAPSHOT_FILES
from orchestration.wap.state import read_state
from orchestration.sources.generator_weekly import generate_weekly_v2
from tests.bad_inputs import (
    CASES,
    CASES_BY_NAME,
    CHECK_FAILED,
    HFC_SQL,
    QUARANTINED,
    SNAPSHOT_SCALE,
    SNAPSHOT_SEED,
    SNAPSHOT_SOURCES,
    V2_FILE,
    V2_WEEK,
    WEEKLY_SCALE,
    Case,
)
from tests.conftest import make_settings
from tests.integration.harness import (
    WEEKLY_MARTS,
    PublishedState,
    changed_tables,
    check_evaluations,
    copy_warehouse_state,
    materialized_keys,
    published_weekly_marts,
    run_warehouse,
    run_weekly,
    warehouse_tables,
)

BLOCKED = [c for c in CASES if c.through_build and c.expected.kind != QUARANTINED]
BLOCKED_BUILD = [c for c in BLOCKED if c.source != "leaderboard_v2"]
BLOCKED_WEEKLY = [c for c in BLOCKED if c.source == "leaderboard_v2"]
QUARANTINE_CASE = CASES_BY_NAME["score-out-of-range"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A warehouse built and published from good generated files: what users already query."""
    tmp_path = tmp_path_factory.mktemp("good")
    good_dir = tmp_path / "good_snapshot"
    generate_snapshot(good_dir, seed=SNAPSHOT_SEED, scale=SNAPSHOT_SCALE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(good_dir))
        result = run_warehouse(settings)
    assert result.success
    return good_dir, settings


def settings_with_bad_input(case: Case, published, tmp_path, monkeypatch):
    """A copy of the published warehouse whose next run reads the case's bad input."""
    good_dir, good_settings = published
    bad_dir = tmp_path / "bad_snapshot"
    shutil.copytree(good_dir, bad_dir)
    overrides = {"WAREHOUSE_SNAPSHOT_DIR": str(bad_dir)}
    if case.source in SNAPSHOT_SOURCES:
        spec = SNAPSHOT_FILES[case.source]
        case.mutate(bad_dir / spec.file_name, spec.delimiter)
        file_name = spec.file_name
    else:  # hfcommunity: a bad copy of the dump the good build loaded
        dump_dir = tmp_path / "hfcommunity"
        shutil.copytree(good_settings.hfcommunity_generated_dir, dump_dir)
        case.mutate(dump_dir / case.target, ",")
        overrides["WAREHOUSE_HFCOMMUNITY_DUMP"] = str(dump_dir / HFC_SQL if case.target == HFC_SQL else dump_dir / "csv")
        file_name = case.target
    settings = make_settings(tmp_path, monkeypatch, **overrides)
    copy_warehouse_state(good_settings, settings)
    return settings, file_name


def failing_step(case: Case) -> tuple[str, str | None]:
    """The asset whose step fails, and the check that names the failure (None: the load fails)."""
    asset = f"raw/{case.source}" if case.source in SNAPSHOT_SOURCES else None
    check = case.expected.check.split("/")[0] if case.expected.kind == CHECK_FAILED else None
    return asset, check


def assert_run_names_its_gate(result, asset, check, file_name: str, case: Case, expected) -> None:
    """The failed run's message names the file, the case's reason, and the column and row where
    known; a failed check is reported as such."""
    message = failure_text(result, asset, check)
    assert file_name in message
    assert case.message in message
    if expected.column:
        assert expected.column in message
    if expected.row:
        assert f"row {expected.row}" in message
    if check:
        assert not check_evaluations(result)[f"{asset}:{check}"].passed, "the run names the check that stopped it"


@pytest.mark.parametrize("case", BLOCKED_BUILD, ids=[c.name for c in BLOCKED_BUILD])
def test_bad_input_is_stopped_at_its_gate(case: Case, published, tmp_path, monkeypatch):
    good_dir, _ = published
    expected = case.outcome_for(good_dir / SNAPSHOT_FILES[case.source].file_name) if case.source in SNAPSHOT_SOURCES else case.expected
    settings, file_name = settings_with_bad_input(case, published, tmp_path, monkeypatch)
    published_before = PublishedState.of(settings)
    tables_before = warehouse_tables(settings)

    result = run_warehouse(settings)

    assert not result.success
    asset, check = failing_step(case)
    assert_run_names_its_gate(result, asset, check, file_name.split("/")[-1], case, expected)
    if not check:
        evaluated = {name for name in check_evaluations(result) if asset and name.startswith(f"{asset}:")}
        assert evaluated == set(), "an unreadable file never reaches its checks"

    downstream = {key for key in materialized_keys(result) if not key.startswith("raw/")}
    assert downstream == set(), f"assets downstream of a failed gate ran: {sorted(downstream)}"
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"
    assert changed_tables(tables_before, warehouse_tables(settings)) == [], "rejected rows reached the working database"


@pytest.fixture(scope="module")
def published_week(published, tmp_path_factory):
    """The published warehouse above with one week of the weekly v2 leaderboard published too,
    from a good generated file in its own landing directory."""
    _, good_settings = published
    tmp_path = tmp_path_factory.mktemp("good_week")
    generated = tmp_path / "generated_weekly"
    generate_weekly_v2(generated, seed=SNAPSHOT_SEED, scale=WEEKLY_SCALE)
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(generated / V2_FILE, landing / V2_FILE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(good_settings.snapshot_dir),
                                 WAREHOUSE_LANDING_DIR=str(landing))
        copy_warehouse_state(good_settings, settings)
        with dg.DagsterInstance.ephemeral() as instance:
            assert run_weekly(settings, instance, V2_WEEK).success
    assert all(published_weekly_marts(settings).values()), "the good week is published"
    return landing, settings


@pytest.mark.parametrize("case", BLOCKED_WEEKLY, ids=[c.name for c in BLOCKED_WEEKLY])
def test_bad_weekly_file_is_stopped_at_its_gate(case: Case, published_week, tmp_path, monkeypatch):
    """The week's file replaced by a bad one (a broken re-download), the week run again."""
    good_landing, good_settings = published_week
    landing = tmp_path / "landing"
    shutil.copytree(good_landing, landing)
    expected = case.outcome_for(landing / V2_FILE)
    case.mutate(landing / V2_FILE, ",")
    settings = make_settings(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(good_settings.snapshot_dir),
                             WAREHOUSE_LANDING_DIR=str(landing))
    copy_warehouse_state(good_settings, settings)
    published_before = PublishedState.of(settings)
    history_before = published_weekly_marts(settings)
    tables_before = warehouse_tables(settings)

    with dg.DagsterInstance.ephemeral() as instance:
        result = run_weekly(settings, instance, V2_WEEK)

    assert not result.success
    asset, check = "raw/leaderboard_v2", expected.check
    assert_run_names_its_gate(result, asset, check, V2_FILE, case, expected)
    downstream = materialized_keys(result) - {asset}
    assert downstream == set(), f"assets downstream of a failed gate ran: {sorted(downstream)}"
    assert not {f"marts/{mart}" for mart in WEEKLY_MARTS} & materialized_keys(result)
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"
    assert published_weekly_marts(settings) == history_before
    assert changed_tables(tables_before, warehouse_tables(settings)) == [], "rejected rows reached the working database"


def test_a_quarantined_row_is_published_aside_and_reported(published, tmp_path, monkeypatch):
    case = QUARANTINE_CASE
    settings, _ = settings_with_bad_input(case, published, tmp_path, monkeypatch)
    published_before = PublishedState.of(settings)
    opened = record_duckdb_connections(monkeypatch)

    result = run_warehouse(settings)

    assert result.success, "one bad row does not stop the run"
    readers = [(path, read_only) for path, read_only in opened if is_published(settings, path)]
    assert readers, "the figures and the report read the published warehouse"
    assert all(read_only for _, read_only in readers), f"opened read-write: {readers}"
    share = check_evaluations(result)[f"raw/{case.source}:{case.source}_quarantine_share"]
    assert share.passed and share.metadata["quarantined_rows"].value == 1
    (materialization,) = [e for e in result.get_asset_materialization_events()
                          if e.asset_key.to_user_string() == f"raw/{case.source}"]
    assert materialization.materialization.metadata["quarantined_rows"].value == 1
    assert PublishedState.of(settings).version_id > published_before.version_id
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        quarantined = conn.execute(
            "select source, source_row, column_name, value, family from audit.quarantine"
        ).fetchall()
    assert quarantined == [(case.source, case.expected.row, case.expected.column, "150.2", case.expected.check)]
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        rows = {r for (r,) in conn.execute(f"select _source_row from raw.{case.source}").fetchall()}
    assert case.expected.row not in rows and len(rows) > 1000, "only the quarantined row is left out"
    report = (settings.report_dir / "findings.html").read_text(encoding="utf-8")
    assert "Quarantined rows" in report and "150.2" in report and "values outside 0–100" in report


def record_duckdb_connections(monkeypatch) -> list[tuple[str, bool]]:
    """Every duckdb.connect made in this process from now on: (database, read_only)."""
    opened: list[tuple[str, bool]] = []
    connect = duckdb.connect

    def recording_connect(database=":memory:", *args, read_only=False, **kwargs):
        opened.append((str(database), bool(read_only)))
        return connect(database, *args, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", recording_connect)
    return opened


def is_published(settings, database: str) -> bool:
    """The published file or one of its versions (not the version being written by publish)."""
    path = Path(database).resolve()
    return path == settings.duckdb_path.resolve() or (
        path.parent == settings.versions_dir.resolve() and not path.name.endswith(".tmp")
    )


def failure_text(result, asset: str | None, check: str | None) -> str:
    """What the user is told: the failed check's description and metadata, or the step error."""
    evaluation = check_evaluations(result).get(f"{asset}:{check}") if check else None
    if evaluation is not None and not evaluation.passed:
        parts = [evaluation.description or ""]
        parts += [str(value.value) for value in evaluation.metadata.values()]
        return "\n".join(parts)
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, f"neither the {check} check nor the load of {asset} failed"
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
