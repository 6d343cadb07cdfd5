"""Every case of the bad-input corpus (tests/bad_inputs.py) at the level that decides it: the real
loader and Great Expectations suite, on a real DuckDB file that already holds good data, or the
Hugging Face connector against the fake Hub. Each case asserts its exact outcome, the message,
and that nothing held before changed (blocked), only the bad row moved aside (quarantined), or
the value kept byte for byte (accepted). Also keeps docs/reliability.md up to date."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.checks.quarantine import QUARANTINE_TABLE
from orchestration.checks.raw_checks import RawGate, validate_raw_table
from orchestration.loading import SourceFileError
from orchestration.settings import PROJECT_ROOT, HuggingFaceSettings, load_settings
from orchestration.defs.hub_api import connector as hf
from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.synthetic.hfcommunity import generate_hfcommunity
from orchestration.synthetic.weekly import generate_weekly_v2
from orchestration.defs.hfcommunity.reader import load_hfcommunity_dump, raw_table_name
from orchestration.defs.leaderboard_v2.reader import (
    UnknownHeaderError,
    list_landing_dir,
    load_weekly_snapshots,
    snapshot_files_for_week,
    stray_warning,
)
from orchestration.defs.paper_snapshot.reader import SNAPSHOT_FILES, load_snapshot_file
from tests.bad_inputs import (
    ACCEPTED,
    CASES,
    CHECK_FAILED,
    HFC_SCALE,
    HFC_SQL,
    IGNORED,
    LOAD_ERROR,
    QUARANTINED,
    RECORDED,
    SNAPSHOT_SCALE,
    SNAPSHOT_SEED,
    SNAPSHOT_SOURCES,
    SOURCES,
    V2_FILE,
    V2_WEEK,
    WEEKLY_SCALE,
    Case,
    Outcome,
    render_reliability_doc,
)
from tests.fault_points import FAULT_ROWS
from tests.hub_server import FakeHub, hub_consistent_snapshot, read_csv

RELIABILITY_DOC = PROJECT_ROOT / "docs" / "reliability.md"
HUB_MODELS = 25  # one failing model is 4%, under the default WAREHOUSE_HF_MAX_FAILURE_SHARE (5%)
HUB_TOKEN = "hf_corpus_secret_Vb4nQ8"
MAX_QUARANTINE_SHARE = load_settings({}).max_quarantine_share  # the documented default


@dataclass(frozen=True)
class GoodInputs:
    snapshot: Path
    weekly: Path
    hfcommunity: Path
    database: Path
    """Holds every good input, loaded: what a case's bad input must not disturb."""


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> GoodInputs:
    root = tmp_path_factory.mktemp("good")
    generate_snapshot(root / "snapshot", seed=SNAPSHOT_SEED, scale=SNAPSHOT_SCALE)
    generate_weekly_v2(root / "weekly", seed=SNAPSHOT_SEED, scale=WEEKLY_SCALE)
    generate_hfcommunity(root / "hfcommunity", seed=SNAPSHOT_SEED, scale=HFC_SCALE)
    database = root / "working.duckdb"
    with duckdb.connect(str(database)) as conn:
        for name, spec in SNAPSHOT_FILES.items():
            gate = RawGate(name, layout=spec.layout, run_id="good", max_share=MAX_QUARANTINE_SHARE)
            assert load_snapshot_file(conn, spec, root / "snapshot" / spec.file_name, audit=gate).accepted
        assert load_weekly_snapshots(conn, [root / "weekly" / V2_FILE], date.fromisoformat(V2_WEEK)).accepted
        assert load_hfcommunity_dump(conn, root / "hfcommunity" / HFC_SQL, audit=_hfc_audit).accepted
    return GoodInputs(root / "snapshot", root / "weekly", root / "hfcommunity", database)


def _hfc_audit(conn, table: str, loading_table: str) -> bool:
    return validate_raw_table(conn, raw_table_name(table), loading_table).success


def tables(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as conn:
        names = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'audit') order by 1"
        ).fetchall()
        return {name: conn.execute(f"select * from {name} order by all").fetchall() for (name,) in names}


@dataclass(frozen=True)
class Observed:
    outcome: Outcome
    message: str


def run_snapshot_case(case: Case, good: GoodInputs, database: Path, tmp_path: Path) -> Observed:
    directory = tmp_path / "snapshot"
    shutil.copytree(good.snapshot, directory)
    spec = SNAPSHOT_FILES[case.source]
    path = directory / spec.file_name
    case.mutate(path, spec.delimiter)
    gate = RawGate(case.source, layout=spec.layout, run_id="corpus", max_share=MAX_QUARANTINE_SHARE)
    with duckdb.connect(str(database)) as conn:
        try:
            loaded = load_snapshot_file(conn, spec, path, audit=gate)
        except SourceFileError as exc:
            return Observed(Outcome(LOAD_ERROR, row=exc.row, column=exc.column), str(exc))
        audit = gate.last
        if not audit.quarantine.within_threshold:
            return Observed(Outcome(CHECK_FAILED, f"{case.source}_quarantine_share"), audit.quarantine.summary)
        if not audit.outcome.success:
            first = audit.outcome.failed_expectations[0]
            sample = first.sample_rows[0].source_row if first.sample_rows else None
            details = " ".join(f"{f.expectation_type} {f.failure}" for f in audit.outcome.failed_expectations)
            return Observed(
                Outcome(CHECK_FAILED, f"{case.source}_expectations/{first.family}", row=sample, column=first.column),
                f"{audit.outcome.summary} {details}",
            )
        assert loaded.accepted
        quarantined = conn.execute(
            f"select family, source_row, column_name, value, reason from {QUARANTINE_TABLE} where source = ?",
            [case.source],
        ).fetchall()
    if quarantined:
        ((family, row, column, value, reason),) = quarantined
        return Observed(Outcome(QUARANTINED, family, row=row, column=column, value=value), reason)
    return Observed(Outcome(ACCEPTED), f"extra columns: {', '.join(loaded.extra_columns) or 'none'}")


def run_weekly_case(case: Case, good: GoodInputs, database: Path, tmp_path: Path) -> Observed:
    """The week loaded from a landing directory of its own, as raw/leaderboard_v2 lists it."""
    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / V2_FILE
    shutil.copy(good.weekly / V2_FILE, path)
    case.mutate(path, ",")
    week = date.fromisoformat(V2_WEEK)
    with duckdb.connect(str(database)) as conn:
        try:
            loaded = load_weekly_snapshots(conn, snapshot_files_for_week(landing, week), week)
        except UnknownHeaderError as exc:
            return Observed(Outcome(CHECK_FAILED, "leaderboard_v2_header_known"), str(exc))
        except SourceFileError as exc:
            return Observed(Outcome(LOAD_ERROR, row=exc.row, column=exc.column), str(exc))
    assert loaded.files == (path,) and loaded.rows > 0, "the snapshot itself was loaded"
    warnings = [stray_warning(stray) for stray in list_landing_dir(landing).strays]
    return Observed(Outcome(IGNORED if warnings else ACCEPTED), "\n".join(warnings))


def run_hfcommunity_case(case: Case, good: GoodInputs, database: Path, tmp_path: Path) -> Observed:
    directory = tmp_path / "hfcommunity"
    shutil.copytree(good.hfcommunity, directory)
    case.mutate(directory / case.target, ",")
    dump = directory / HFC_SQL if case.target == HFC_SQL else directory / "csv"
    with duckdb.connect(str(database)) as conn:
        try:
            load_hfcommunity_dump(conn, dump, audit=_hfc_audit)
        except SourceFileError as exc:
            return Observed(Outcome(LOAD_ERROR, row=exc.row, column=exc.column), str(exc))
    return Observed(Outcome(ACCEPTED), "")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    generated = tmp_path_factory.mktemp("hub_generated")
    generate_snapshot(generated, seed=11, scale=0.02)
    snapshot = hub_consistent_snapshot(generated, tmp_path_factory.mktemp("hub_snapshot"))
    server = FakeHub(snapshot).start()
    models = hf.leaderboard_models([(r["fullname"], r["model_sha"]) for r in read_csv(snapshot / "leaderboard_v1_final.csv")])
    yield server, snapshot, dict(list(models.items())[:HUB_MODELS])
    server.stop()


def run_hub_case(case: Case, hub, tmp_path: Path) -> Observed:
    server, snapshot, models = hub
    server.load(snapshot)
    server.clear()
    case.hub_fault(server, list(models))
    settings = HuggingFaceSettings(endpoint=server.endpoint, token=HUB_TOKEN, cache_dir=tmp_path / "cache",
                                   requests_per_second=1000, timeout_seconds=1.0, max_retries=1, backoff_seconds=0.0)
    fetched = hf.fetch_models(settings, models)
    errors = " ".join(f.error for f in fetched.failures)
    if fetched.failure_share > settings.max_failure_share:
        return Observed(Outcome(CHECK_FAILED, "hub_fetch_failure_share"), errors)
    if fetched.failures:
        return Observed(Outcome(RECORDED, fetched.failures[0].endpoint), errors)
    return Observed(Outcome(ACCEPTED), "")


def expected_outcome(case: Case, good: GoodInputs) -> Outcome:
    """The case's outcome, with LAST_ROW resolved to the good file's last data row."""
    if case.source == "leaderboard_v2":
        return case.outcome_for(good.weekly / V2_FILE)
    if case.source in SNAPSHOT_SOURCES:
        return case.outcome_for(good.snapshot / SNAPSHOT_FILES[case.source].file_name)
    return case.expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_has_its_exact_outcome_and_disturbs_nothing(case: Case, good: GoodInputs, hub, tmp_path: Path):
    database = tmp_path / "working.duckdb"
    shutil.copy(good.database, database)
    before = tables(database)

    if case.source == "hub":
        observed = run_hub_case(case, hub, tmp_path)
    elif case.source in SNAPSHOT_SOURCES:
        observed = run_snapshot_case(case, good, database, tmp_path)
    elif case.source == "leaderboard_v2":
        observed = run_weekly_case(case, good, database, tmp_path)
    else:
        observed = run_hfcommunity_case(case, good, database, tmp_path)

    assert observed.outcome == expected_outcome(case, good), observed.message[:2000]
    assert case.message in observed.message
    if case.source == "hub":
        assert HUB_TOKEN not in observed.message, "a recorded error holds the token"
    after = tables(database)
    if case.expected.kind in (LOAD_ERROR, CHECK_FAILED, RECORDED):
        assert after == before, "a rejected input changed the working database"
    elif case.expected.kind == QUARANTINED:
        assert_only_the_row_moved_aside(case, before, after)
    else:
        assert_accepted_byte_for_byte(case, database, after)


def assert_only_the_row_moved_aside(case: Case, before, after) -> None:
    table = f"raw.{case.source}"
    assert {k: v for k, v in after.items() if k not in (table, QUARANTINE_TABLE)} == {
        k: v for k, v in before.items() if k not in (table, QUARANTINE_TABLE)
    }
    assert len(after[table]) == len(before[table]) - 1, "exactly the quarantined row is left out"
    (quarantined,) = [r for r in after[QUARANTINE_TABLE] if r[0] == case.source]
    assert quarantined[2] == case.expected.row and quarantined[3] == case.expected.column
    assert quarantined[8] == "corpus", "the quarantine names the run"


def assert_accepted_byte_for_byte(case: Case, database: Path, after) -> None:
    if case.source not in SNAPSHOT_SOURCES:
        return
    assert [r for r in after.get(QUARANTINE_TABLE, []) if r[0] == case.source] == []
    with duckdb.connect(str(database), read_only=True) as conn:
        assert conn.execute(f"select count(*) from raw.{case.source}").fetchone()[0] > 0, "the data was loaded"
        for column, value in case.kept.items():
            (rows,) = conn.execute(f'select count(*) from raw.{case.source} where "{column}" = ?', [value]).fetchone()
            assert rows >= 1, f"{column} does not hold {value!r} byte for byte"


def test_the_corpus_covers_every_source_and_kind():
    assert len(CASES) >= 25
    assert {c.source for c in CASES} == set(SOURCES)
    assert {c.expected.kind for c in CASES} == {LOAD_ERROR, CHECK_FAILED, QUARANTINED, RECORDED, ACCEPTED, IGNORED}
    assert len({c.name for c in CASES}) == len(CASES)
    for source in SOURCES:
        assert any(c.source == source and c.expected.kind != ACCEPTED for c in CASES), source


def test_the_job_level_cases_cover_each_source_and_outcome_once():
    """tests/integration/test_gates.py runs the cases marked `through_job`: for every file source,
    exactly one case of each outcome the corpus has for it (blocked by a load error, blocked by a
    check, quarantined); the Hub's share runs through its source's own test."""
    outcomes = (LOAD_ERROR, CHECK_FAILED, QUARANTINED)
    for source in (s for s in SOURCES if s != "hub"):
        for kind in outcomes:
            cases = [c.name for c in CASES if c.source == source and c.expected.kind == kind]
            marked = [c.name for c in CASES if c.source == source and c.expected.kind == kind and c.through_job]
            assert len(marked) == (1 if cases else 0), f"{source}, {kind}: {marked} of {cases}"
    assert not [c.name for c in CASES if c.through_job and (c.source == "hub" or c.expected.kind not in outcomes)]
    assert all(c.expected.value for c in CASES if c.expected.kind == QUARANTINED), "a quarantine names its value"


def test_docs_reliability_md_is_generated_from_the_cases_and_faults():
    """UPDATE_RELIABILITY_DOC=1 rewrites it; otherwise it must equal what the definitions give."""
    text = render_reliability_doc(FAULT_ROWS)
    if os.environ.get("UPDATE_RELIABILITY_DOC") == "1":
        RELIABILITY_DOC.write_text(text, encoding="utf-8")
    assert RELIABILITY_DOC.read_text(encoding="utf-8") == text, (
        "docs/reliability.md is out of date: run UPDATE_RELIABILITY_DOC=1 pytest tests/unit/test_bad_input_corpus.py"
    )
