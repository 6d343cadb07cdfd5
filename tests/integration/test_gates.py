"""Gates through the real jobs: for every file source, one case of each outcome of the bad-input
corpus (tests/bad_inputs.py, the cases marked `through_job`), each run on a copy of the
session's published generated warehouse (`build_warehouse` for the paper snapshot and the
HFCommunity dump, `leaderboard_v2_weekly` for a weekly file); the quarantine cases, each on its
own source, share one run, and each is judged on its own source's rows. Every case of the corpus
is judged at the loader and suite level in tests/unit/test_bad_input_corpus.py.
A blocked input fails its check (or its load), nothing downstream runs, the working database
keeps its previous raw rows, and the published warehouse stays byte for byte what it was (same
checksum, same version id). A quarantined row is published aside, in `audit.quarantine`, and
listed in the findings report, while the rest of its file is published."""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build_definitions
from orchestration.run_summary import step_failures
from orchestration.defs.paper_snapshot.reader import SNAPSHOT_FILES
from orchestration.settings import Settings
from orchestration.wap.state import read_state
from tests.bad_inputs import (
    CASES,
    CHECK_FAILED,
    HFC_SQL,
    QUARANTINED,
    SNAPSHOT_SOURCES,
    V2_FILE,
    V2_WEEK,
    Case,
)
from tests.integration.harness import (
    WEEKLY_MARTS,
    PublishedState,
    changed_tables,
    check_evaluations,
    dbt_reparsed_because,
    materialized_keys,
    published_weekly_marts,
    run_warehouse,
    run_weekly,
    warehouse_tables,
)

THROUGH_JOB = [c for c in CASES if c.through_job]
BLOCKED_BUILD = [c for c in THROUGH_JOB if c.expected.kind != QUARANTINED and c.source != "leaderboard_v2"]
BLOCKED_WEEKLY = [c for c in THROUGH_JOB if c.expected.kind != QUARANTINED and c.source == "leaderboard_v2"]
QUARANTINE_CASES = [c for c in THROUGH_JOB if c.expected.kind == QUARANTINED]


def settings_with_bad_inputs(cases: list[Case], generated_build, tmp_path, monkeypatch, *, outputs: bool = False):
    """A copy of the published generated warehouse (with its figures and report when `outputs`)
    whose next run reads the cases' bad inputs (at most one per source), and the name of each
    case's bad file."""
    assert len({case.source for case in cases}) == len(cases), "one bad input per source"
    good = generated_build.settings
    bad_dir = tmp_path / "bad_snapshot"
    shutil.copytree(good.generated_dir, bad_dir, ignore=shutil.ignore_patterns("leaderboard_v2", "hfcommunity"))
    overrides = {"WAREHOUSE_SNAPSHOT_DIR": str(bad_dir)}
    file_names = {}
    for case in cases:
        if case.source in SNAPSHOT_SOURCES:
            spec = SNAPSHOT_FILES[case.source]
            case.mutate(bad_dir / spec.file_name, spec.delimiter)
            file_names[case.name] = spec.file_name
        else:  # hfcommunity: a bad copy of the dump the good build loaded
            dump_dir = tmp_path / "hfcommunity"
            shutil.copytree(good.hfcommunity_generated_dir, dump_dir)
            case.mutate(dump_dir / case.target, ",")
            overrides["WAREHOUSE_HFCOMMUNITY_DUMP"] = str(dump_dir / HFC_SQL if case.target == HFC_SQL else dump_dir / "csv")
            file_names[case.name] = case.target
    return generated_build.copy(tmp_path, monkeypatch, outputs=outputs, **overrides), file_names


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
def test_bad_input_is_stopped_at_its_gate(case: Case, generated_build, tmp_path, monkeypatch):
    good_dir = generated_build.settings.generated_dir
    expected = case.outcome_for(good_dir / SNAPSHOT_FILES[case.source].file_name) if case.source in SNAPSHOT_SOURCES else case.expected
    settings, file_names = settings_with_bad_inputs([case], generated_build, tmp_path, monkeypatch)
    published_before = PublishedState.of(settings)
    tables_before = warehouse_tables(settings)

    result = run_warehouse(settings, figures=True)  # blocked: the figures must not run either

    assert not result.success
    asset, check = failing_step(case)
    assert_run_names_its_gate(result, asset, check, file_names[case.name].split("/")[-1], case, expected)
    if not check:
        evaluated = {name for name in check_evaluations(result) if asset and name.startswith(f"{asset}:")}
        assert evaluated == set(), "an unreadable file never reaches its checks"

    downstream = {key for key in materialized_keys(result) if not key.startswith("raw/")}
    assert downstream == set(), f"assets downstream of a failed gate ran: {sorted(downstream)}"
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"
    assert changed_tables(tables_before, warehouse_tables(settings)) == [], "rejected rows reached the working database"


@pytest.mark.parametrize("case", BLOCKED_WEEKLY, ids=[c.name for c in BLOCKED_WEEKLY])
def test_bad_weekly_file_is_stopped_at_its_gate(case: Case, generated_build, tmp_path, monkeypatch):
    """A published week's file replaced by a bad one (a broken re-download), the week run again."""
    landing = tmp_path / "landing"
    shutil.copytree(generated_build.settings.weekly_source_dir, landing)
    expected = case.outcome_for(landing / V2_FILE)
    case.mutate(landing / V2_FILE, ",")
    settings = generated_build.copy(tmp_path, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))
    published_before = PublishedState.of(settings)
    history_before = published_weekly_marts(settings)
    tables_before = warehouse_tables(settings)

    result = run_weekly(settings, None, V2_WEEK)

    assert not result.success
    asset, check = "raw/leaderboard_v2", expected.check
    assert_run_names_its_gate(result, asset, check, V2_FILE, case, expected)
    downstream = materialized_keys(result) - {asset}
    assert downstream == set(), f"assets downstream of a failed gate ran: {sorted(downstream)}"
    assert not {f"marts/{mart}" for mart in WEEKLY_MARTS} & materialized_keys(result)
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"
    assert published_weekly_marts(settings) == history_before
    assert changed_tables(tables_before, warehouse_tables(settings)) == [], "rejected rows reached the working database"


@dataclass(frozen=True)
class QuarantineRun:
    settings: Settings
    published_before: PublishedState
    result: dg.ExecuteInProcessResult
    opened: list[tuple[str, bool]]
    """Every duckdb.connect the run made: (database, read_only)."""


@pytest.fixture(scope="module")
def quarantine_run(generated_build, tmp_path_factory) -> QuarantineRun:
    """One run for every quarantine case (each on its own source, so each case is judged on its
    source's rows: its check, its raw table, its rows of audit.quarantine and of the report). The
    report is drawn again (it lists the quarantine); the figures are the copy's own."""
    tmp_path = tmp_path_factory.mktemp("quarantine")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings, _ = settings_with_bad_inputs(QUARANTINE_CASES, generated_build, tmp_path, monkeypatch, outputs=True)
        published_before = PublishedState.of(settings)
        opened = record_duckdb_connections(monkeypatch)
        result = run_warehouse(settings, report=True)
    return QuarantineRun(settings, published_before, result, opened)


@pytest.mark.parametrize("case", QUARANTINE_CASES, ids=[c.name for c in QUARANTINE_CASES])
def test_a_quarantined_row_is_published_aside_and_reported(case: Case, quarantine_run: QuarantineRun):
    settings, result = quarantine_run.settings, quarantine_run.result
    assert result.success, "a bad row does not stop the run"
    readers = [(path, read_only) for path, read_only in quarantine_run.opened if is_published(settings, path)]
    assert readers, "the figures and the report read the published warehouse"
    assert all(read_only for _, read_only in readers), f"opened read-write: {readers}"
    share = check_evaluations(result)[f"raw/{case.source}:{case.source}_quarantine_share"]
    assert share.passed and share.metadata["quarantined_rows"].value == 1
    (materialization,) = [e for e in result.get_asset_materialization_events()
                          if e.asset_key.to_user_string() == f"raw/{case.source}"]
    assert materialization.materialization.metadata["quarantined_rows"].value == 1
    assert PublishedState.of(settings).version_id > quarantine_run.published_before.version_id
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        quarantined = conn.execute(
            "select source, source_row, column_name, value, family from audit.quarantine"
        ).fetchall()
    assert [row for row in quarantined if row[0] == case.source] == [
        (case.source, case.expected.row, case.expected.column, case.expected.value, case.expected.check)
    ]
    assert {row[0] for row in quarantined} == {c.source for c in QUARANTINE_CASES}, "only the run's bad rows are set aside"
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        rows = {r for (r,) in conn.execute(f"select _source_row from raw.{case.source}").fetchall()}
    assert case.expected.row not in rows and len(rows) > 1000, "only the quarantined row is left out"
    report = (settings.report_dir / "findings.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="quarantine">(.*?)</section>', report, flags=re.S).group(1)
    assert "Quarantined rows" in section
    (listed,) = [row for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S) if f"<td>{case.source}</td>" in row]
    assert case.expected.value in listed and case.message in listed, listed


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
    """What the user is told: the failed check's description and metadata, or the failed step's
    line in the run's closing summary (orchestration/run_summary.py, printed by the CLI)."""
    evaluation = check_evaluations(result).get(f"{asset}:{check}") if check else None
    if evaluation is not None and not evaluation.passed:
        parts = [evaluation.description or ""]
        parts += [str(value.value) for value in evaluation.metadata.values()]
        return "\n".join(parts)
    lines = [failure.line() for failure in step_failures(result)]
    assert lines, f"neither the {check} check nor the load of {asset} failed"
    if asset:
        assert any(line.startswith(f"{asset} (step ") for line in lines), f"the summary does not name {asset}: {lines}"
    return "\n".join(lines)


def test_failing_dbt_test_blocks_everything_downstream(generated_build, tmp_path, monkeypatch):
    """The dbt-test family: a raw row that slipped past the raw gate (written straight into the
    table) fails an error-severity dbt test; dbt skips every model below it, Dagster skips their
    figures and the publish, and users keep the version they had."""
    settings = generated_build.copy(tmp_path, monkeypatch)
    with duckdb.connect(str(settings.working_duckdb_path)) as conn:
        conn.execute("update raw.leaderboard set average = '150.0' where _source_row = 3")
    published_before = PublishedState.of(settings)

    # A full refresh: no file changed, so dbt would otherwise build nothing (wap/inputs.py).
    result = run_warehouse(settings, figures=True, skip_groups={"raw"}, full_refresh=True)

    failed = {name for name, e in check_evaluations(result).items() if not e.passed}
    assert "staging/stg_leaderboard:accepted_range_stg_leaderboard_average__100__0" in failed
    # The copy's first dbt invocation started from the project's partial parse: every warehouse
    # has the same dbt profile (Settings.dbt_env), so dbt did not parse the whole project again.
    assert dbt_reparsed_because(settings) is None
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


def test_a_source_that_loses_most_of_its_coverage_is_not_published_unless_accepted_for_one_run(
    generated_build, tmp_path, monkeypatch, capsys
):
    """Repo details for a tenth of the models: every gate passes (the file is well formed), the
    marts build, and publishing is refused with the figures before and after; `make run
    ACCEPT_CHANGE=1` publishes it, reported as a warning; the next run compares with that."""
    from orchestration.cli import materialize

    thin_dir = tmp_path / "thin_snapshot"
    shutil.copytree(generated_build.settings.generated_dir, thin_dir, ignore=shutil.ignore_patterns("leaderboard_v2", "hfcommunity"))
    details = thin_dir / SNAPSHOT_FILES["repo_details"].file_name
    header, *rows = details.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = rows[::10]
    details.write_text(header + "".join(kept), encoding="utf-8")
    settings = generated_build.copy(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(thin_dir))
    published_before = PublishedState.of(settings)

    result = run_warehouse(settings)

    assert not result.success
    coverage = check_evaluations(result)["published/warehouse:volume_and_coverage_kept"]
    assert not coverage.passed and coverage.severity == dg.AssetCheckSeverity.ERROR
    assert f"rows of raw.repo_details: {len(rows):,} in the published version, {len(kept):,} now" in coverage.description
    assert "share of models with repo details: " in coverage.description
    assert "ACCEPT_CHANGE=1" in coverage.description
    assert [f.assets for f in step_failures(result)] == [("published/warehouse",)]
    assert "marts/dim_models" in materialized_keys(result), "the marts were built and audited; only publishing is refused"
    assert PublishedState.of(settings) == published_before, "the published warehouse changed"

    capsys.readouterr()
    assert materialize(settings, 'key:"published/warehouse"', accept_volume_change=True) == 0
    out = capsys.readouterr().out
    assert "volume_and_coverage_kept (warn): accepted for this run" in out
    assert PublishedState.of(settings).version_id > published_before.version_id
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        assert conn.execute("select sum(row_count) from meta.source_files where table_name = 'raw.repo_details'"
                            ).fetchone() == (len(kept),)

    assert materialize(settings, 'key:"published/warehouse"') == 0, "the accepted version is the new baseline"
    assert "checks        0 failed, 0 warnings" in capsys.readouterr().out
