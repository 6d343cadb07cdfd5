"""WAREHOUSE_SOURCE=huggingface end to end, against a fake Hub on a local port (HF_ENDPOINT) that
serves the leaderboard datasets' parquet in their real schemas: the v1 parquet is landed as it is
and read as the dataset_parquet layout, and the marts equal those built from the same data read as
the final table's CSV; the v2 parquet lands as that week's snapshot and loads; the token is sent
and never written anywhere, even by a Hub that echoes it back; a second run fetches only what
changed; too many failing models stop the run at the blocking check and leave the published
warehouse as it was."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import pyarrow.parquet as pq

from orchestration.cli import prepare_dagster_home
from orchestration.synthetic.weekly import generate_weekly_v2
from orchestration.defs.hub_api.connector import REDACTED, V1_DATASET, V2_DATASET, leaderboard_models
from orchestration.defs.leaderboard_v2.reader import load_column_mapping, identify_header, sunday_week_start, snapshot_date_of
from tests.conftest import make_settings
from tests.hub_server import FakeHub, Fault, echoing, read_csv, v1_parquet
from tests.integration.harness import (
    MARTS,
    PublishedState,
    check_evaluations,
    materialized_keys,
    run_failures,
    run_warehouse,
    run_weekly,
    table_rows,
)

TOKEN = "hf_test_secret_9f2d4c7e1b"
ECHOED_TOKEN = "hf_echoed_secret_Zq8KvT3mW6pX"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured_log_lines() -> Iterator[list[str]]:
    """Every log record that reaches the root logger during the block, as its handlers write it."""
    captured = Captured()
    logging.getLogger().addHandler(captured)
    try:
        yield captured.lines
    finally:
        logging.getLogger().removeHandler(captured)


def files_holding(text: str, *roots: Path) -> list[Path]:
    """The files under `roots` whose bytes hold `text`, and the DuckDB files with a row that holds
    it (DuckDB may compress a string, so its file's bytes alone prove nothing)."""
    found = []
    for file in sorted({f for root in roots for f in Path(root).rglob("*") if f.is_file()}):
        data = file.read_bytes()
        if text.encode() in data or (data[8:12] == b"DUCK" and _duckdb_rows_hold(file, text)):
            found.append(file)
    return found


def _duckdb_rows_hold(path: Path, text: str) -> bool:
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute("select database_name, schema_name, table_name from duckdb_tables()").fetchall()
        return any(conn.execute(f'select count(*) from "{d}"."{s}"."{t}" as r where contains(r::varchar, ?)',
                                [text]).fetchone()[0] for d, s, t in tables)


@pytest.fixture(scope="module")
def world(tmp_path_factory, hub_snapshot):
    """The session's Hub-consistent snapshot, a fake Hub serving it and a weekly v2 file."""
    root = tmp_path_factory.mktemp("hf_source")
    snapshot = hub_snapshot
    v2_file = sorted(generate_weekly_v2(root / "weekly", seed=7, scale=0.05))[-1]
    hub = FakeHub(snapshot, v2_file=v2_file).start()
    yield root, snapshot, v2_file, hub
    hub.stop()


def hf_settings(root: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch, *, token: str = TOKEN, **overrides: str):
    return make_settings(
        root / "hf", monkeypatch, WAREHOUSE_SOURCE="huggingface", HF_ENDPOINT=hub.endpoint, HF_TOKEN=token,
        WAREHOUSE_HF_CACHE_DIR=str(root / "hf" / "hub_cache"), WAREHOUSE_HF_REQUESTS_PER_SECOND="1000",
        WAREHOUSE_HF_BACKOFF_SECONDS="0.01", WAREHOUSE_HF_MAX_RETRIES="2", **overrides,
    )


@pytest.fixture(scope="module")
def hf_run(world):
    """A build of its own: the connector fetching from the fake Hub is what is tested."""
    root, snapshot, v2_file, hub = world
    with (captured_log_lines() as log_lines, pytest.MonkeyPatch.context() as monkeypatch,
          dg.DagsterInstance.ephemeral() as instance):
        settings = hf_settings(root, hub, monkeypatch)
        result = run_warehouse(settings, instance=instance)
        events = [f"{r.user_message} {r.dagster_event!r}" for r in instance.all_logs(result.run_id)]
    return settings, result, events, log_lines, list(hub.authorizations)


@pytest.fixture(scope="module")
def snapshot_run(hub_snapshot_build):
    """The session's build of the same snapshot, read as files."""
    return hub_snapshot_build.settings, hub_snapshot_build.results["core"]


def test_the_huggingface_source_builds_the_same_marts_as_the_snapshot_of_the_same_data(hf_run, snapshot_run):
    hf_settings_, hf_result, *_ = hf_run
    snap_settings, snap_result = snapshot_run
    assert hf_result.success, run_failures(hf_result)
    assert snap_result.success
    assert {"raw/hub_models", "raw/leaderboard_v2_pull", "published/warehouse"} <= materialized_keys(hf_result)
    for mart in MARTS:
        hf_rows = table_rows(hf_settings_.duckdb_path, f"marts.{mart}")
        assert hf_rows == table_rows(snap_settings.duckdb_path, f"marts.{mart}"), mart
        assert hf_rows or mart in ("base_model_evolution",), f"{mart} is empty"
    assert check_evaluations(hf_result)["raw/hub_models:hub_fetch_failure_share"].passed


def test_the_v1_dataset_is_landed_and_loaded_as_its_own_parquet(hf_run, world):
    settings, result, *_ = hf_run
    hub = world[3]
    landed = settings.source_dir / "leaderboard_v1.parquet"
    assert settings.v1_source == "dataset_parquet"
    assert landed.read_bytes() == hub.datasets[V1_DATASET].parquet  # as the Hub serves it
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(["raw", "leaderboard"])]
    metadata = {key: value.value for key, value in event.materialization.metadata.items()}
    assert (metadata["layout"], metadata["suite"]) == ("dataset_parquet", "raw_leaderboard_final_table")
    assert metadata["extra_columns"] == ["extra_eval_name", "extra_chat_template", "extra_maintainers_choice"]


def test_raw_rows_carry_the_hub_lineage(hf_run):
    settings, *_ = hf_run
    (label,) = {r[0] for r in table_rows(settings.working_duckdb_path, "(select distinct _source_file from raw.leaderboard)")}
    assert label.startswith(f"hf://datasets/{V1_DATASET}@") and label.endswith(".parquet")
    (label,) = {r[0] for r in table_rows(settings.working_duckdb_path, "(select distinct _source_file from raw.repo_details)")}
    assert label.endswith("/api/models/<model id>") and label.startswith("http://127.0.0.1")
    missing = table_rows(settings.working_duckdb_path, "(select kind, status, attempts from raw.hub_fetch_failures)")
    assert missing and {row for row in missing} == {("missing", 404, 1)}


def test_the_token_is_sent_and_never_written(hf_run):
    settings, result, events, log_lines, authorizations = hf_run
    assert authorizations and set(authorizations) == {f"Bearer {TOKEN}"}
    assert any("Hub fetch:" in line and "models/s" in line for line in events)  # progress in the run's logs
    for text in (*events, *log_lines):
        assert TOKEN not in text
    assert files_holding(TOKEN, settings.work_dir, settings.duckdb_path.parent, settings.huggingface.cache_dir,
                         settings.dagster_home) == []


def test_a_hub_that_echoes_the_token_gets_it_redacted_from_everything_the_run_writes(world, tmp_path, monkeypatch, capfd):
    """A Hub (or a proxy before it) that echoes the request's Authorization header in its error
    bodies and headers: one model's details answer 503 on every retry, another's commits 403, the
    v2 dataset 403. A run of its own, of the Hub's assets only, on a DAGSTER_HOME as make run
    leaves it (the event log, the compute logs): then every file under its root, its stdout and
    stderr and every log record are searched for the token."""
    _, snapshot, _, hub = world
    board = read_csv(snapshot / "leaderboard_v1_final.csv")
    unavailable, forbidden = list(leaderboard_models([(r["fullname"], r["model_sha"]) for r in board]))[:2]
    hub.clear()
    hub.always_fail(f"/api/models/{unavailable}", echoing(503))
    hub.always_fail(f"/api/models/{forbidden}/commits/main", echoing(403))
    hub.always_fail(f"/api/datasets/{V2_DATASET}", echoing(403))
    settings = hf_settings(tmp_path, hub, monkeypatch, token=ECHOED_TOKEN)
    prepare_dagster_home(settings)
    try:
        with captured_log_lines() as log_lines:
            result = run_warehouse(settings, only={"raw/leaderboard", "raw/hub_models", "raw/leaderboard_v2_pull"})
        sent = set(hub.authorizations)
    finally:
        hub.clear()
    out, err = capfd.readouterr()

    assert sent == {f"Bearer {ECHOED_TOKEN}"}  # what the Hub echoed
    assert {"raw/leaderboard", "raw/hub_models"} <= materialized_keys(result)
    (v2_pull,) = [e for e in result.all_events if e.is_step_failure]
    assert v2_pull.step_key == "raw__leaderboard_v2_pull"
    assert f"you sent Authorization: Bearer {REDACTED}" in v2_pull.step_failure_data.error.to_string()
    errors = table_rows(settings.working_duckdb_path,
                        "(select model_id, endpoint, error from raw.hub_fetch_failures where kind = 'failed')")
    assert [(model, endpoint) for model, endpoint, _ in errors] == sorted([(unavailable, "model_info"), (forbidden, "commits")])
    assert all(f"Bearer {REDACTED}" in error for *_, error in errors)
    reached = {path.suffix for path in files_holding(REDACTED, settings.dagster_home)}
    assert {".db", ".err"} <= reached, "the echoed errors reach the event log and the compute logs"

    assert files_holding(ECHOED_TOKEN, tmp_path) == []
    assert ECHOED_TOKEN not in out + err and [line for line in log_lines if ECHOED_TOKEN in line] == []


def test_the_v2_pull_lands_as_that_weeks_snapshot(world, hf_run):
    root, _, v2_file, hub = world
    settings, result, *_ = hf_run
    landed = settings.weekly_source_dir / v2_file.name.replace(".csv.gz", ".parquet")
    assert landed.read_bytes() == hub.datasets[V2_DATASET].parquet  # landed as it is
    assert pq.ParquetFile(landed).metadata.num_rows == len(read_csv(v2_file))
    version = identify_header(pq.read_schema(landed).names, load_column_mapping(), path=landed)
    assert version.name == "parquet_2024_12b"  # the final layout: the file is dated 2025-02-08
    week = sunday_week_start(snapshot_date_of(landed)).isoformat()
    with pytest.MonkeyPatch.context() as monkeypatch, dg.DagsterInstance.ephemeral() as instance:
        weekly = run_weekly(hf_settings(root, hub, monkeypatch), instance, week, assets={"raw/leaderboard_v2"})
    assert weekly.success
    rows = table_rows(settings.working_duckdb_path,
                      "(select distinct _source_file, header_version, count(*) over () from raw.leaderboard_v2)")
    assert rows == [(str(landed), "parquet_2024_12b", len(read_csv(v2_file)))]


def test_a_second_run_fetches_only_the_models_whose_sha_changed(world, hf_run):
    root, snapshot, _, hub = world
    board = read_csv(snapshot / "leaderboard_v1_final.csv")
    models = leaderboard_models([(r["fullname"], r["model_sha"]) for r in board])
    changed = set(list(models)[:2])
    for row in board:
        if row["fullname"] in changed:
            row["model_sha"] = "e" * 40
    hub.set_dataset(V1_DATASET, v1_parquet(board), hub.datasets[V1_DATASET].last_modified)
    hub.clear()
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = run_warehouse(hf_settings(root, hub, monkeypatch), only={"raw/leaderboard", "raw/hub_models"})
    assert result.success
    model_paths = {p for p in hub.requests if p.startswith("/api/models/")}
    assert model_paths == {p for m in changed for p in (f"/api/models/{m}", f"/api/models/{m}/commits/main")}
    (materialization,) = [e for e in result.get_asset_materialization_events()
                          if e.asset_key == dg.AssetKey(["raw", "hub_models"])]
    metadata = materialization.materialization.metadata
    assert (metadata["fetched"].value, metadata["from_cache"].value) == (2, len(models) - 2)


def test_too_many_failing_models_stop_the_run_at_the_blocking_check(world, hf_run):
    root, snapshot, _, hub = world
    settings, *_ = hf_run
    before = PublishedState.of(settings)
    board = read_csv(snapshot / "leaderboard_v1_final.csv")
    for row in board:  # every model changes, so none comes from the cache
        row["model_sha"] = "d" * 40
    hub.set_dataset(V1_DATASET, v1_parquet(board), hub.datasets[V1_DATASET].last_modified)
    hub.clear()
    broken = list(leaderboard_models([(r["fullname"], r["model_sha"]) for r in board]))[:40]  # well above 5%
    for model in broken:
        hub.always_fail(f"/api/models/{model}", Fault(503))
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            result = run_warehouse(hf_settings(root, hub, monkeypatch))
    finally:
        hub.clear()
    check = check_evaluations(result)["raw/hub_models:hub_fetch_failure_share"]
    assert not check.passed and "kept failing" in check.description
    done = materialized_keys(result)
    assert not done & {"raw/hub_models", "raw/repo_details", "raw/commit_data", "published/warehouse"}
    assert not any(key.startswith("marts/") for key in done)
    assert PublishedState.of(settings) == before
    failures = table_rows(settings.working_duckdb_path,
                          "(select model_id, status, attempts from raw.hub_fetch_failures where kind = 'failed')")
    assert {row[0] for row in failures} == set(broken) and {row[1:] for row in failures} == {(503, 3)}
