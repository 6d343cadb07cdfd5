"""The Hugging Face connector against a fake Hub on a local port (tests/hub_server.py):
retries, backoff, rate limit, timeouts, malformed JSON, missing repos, the cache, progress, the
leaderboard datasets' parquet landed as it is, and the token: redacted from whatever echoes it,
never sent over plain http to another machine."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from huggingface_hub.errors import HfHubHTTPError

from orchestration.settings import HuggingFaceSettings, SettingsError
from orchestration.defs.hub_api import connector as hf
from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.defs.hub_api.leaderboard_parquet import V1_DATASET_SCHEMA
from orchestration.defs.paper_snapshot.paper_layout import read_source_label
from tests.hub_server import MALFORMED_JSON, FakeHub, Fault, echoing, hub_consistent_snapshot, read_csv

TOKEN = "hf_test_secret_unit_8c1f"


class FakeClock(hf.Clock):
    """Time that only moves when the connector sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        super().__init__(monotonic=lambda: self.now, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    generated = tmp_path_factory.mktemp("generated")
    generate_snapshot(generated, seed=11, scale=0.02)
    return hub_consistent_snapshot(generated, tmp_path_factory.mktemp("hub_snapshot"))


@pytest.fixture(scope="module")
def server(snapshot):
    hub = FakeHub(snapshot).start()
    yield hub
    hub.stop()


@pytest.fixture
def hub(server, snapshot):
    server.load(snapshot)
    server.clear()
    return server


@pytest.fixture
def settings(hub, tmp_path) -> HuggingFaceSettings:
    return HuggingFaceSettings(endpoint=hub.endpoint, token=TOKEN, cache_dir=tmp_path / "cache",
                               requests_per_second=1000, timeout_seconds=1.0, max_retries=3, backoff_seconds=0.01)


def board_models(snapshot: Path) -> dict[str, str]:
    return hf.leaderboard_models([(r["fullname"], r["model_sha"]) for r in read_csv(snapshot / "leaderboard_v1_final.csv")])


def info_path(model_id: str) -> str:
    return f"/api/models/{model_id}"


def first_with_repo(snapshot: Path, n: int = 1) -> list[str]:
    repos = {r["name"] for r in read_csv(snapshot / "repo_details.csv")}
    commits = {r["name"] for r in read_csv(snapshot / "commit_data.csv")}
    return [m for m in board_models(snapshot) if m in repos and m in commits][:n]


# --- pure parts, fake clock -----------------------------------------------------------------------


def test_backoff_doubles_from_the_base_and_honours_retry_after_within_the_cap():
    assert [hf.backoff_delay(n, 0.5, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert hf.backoff_delay(1, 0.5, 7.0) == 7.0
    assert hf.backoff_delay(12, 1.0, None) == hf.MAX_BACKOFF_SECONDS
    assert hf.backoff_delay(1, 1.0, 10_000.0) == hf.MAX_BACKOFF_SECONDS


def test_rate_limiter_spaces_requests_by_the_interval():
    clock = FakeClock()
    limiter = hf.RateLimiter(4.0, clock)
    for _ in range(5):
        limiter.wait()
    assert clock.sleeps == [0.25, 0.25, 0.25, 0.25]
    clock.now += 10  # idle for a while: the next request goes at once
    limiter.wait()
    assert len(clock.sleeps) == 4


def test_progress_reports_counts_rate_and_time_left_at_its_cadence():
    clock = FakeClock()
    reports: list[hf.Progress] = []
    progress = hf.ProgressReporter(10, reports.append, clock=clock, every_models=4, every_seconds=1e9)
    for i in range(10):
        clock.now += 0.5
        progress.model_done(cached=i < 2, failed=i == 5)
    assert [p.done for p in reports] == [4, 8, 10]
    middle = reports[1]
    assert (middle.fetched, middle.cached, middle.failed) == (6, 2, 1)
    assert middle.rate == pytest.approx(6 / 4.0)
    assert middle.seconds_left == pytest.approx(2 / 1.5)
    assert "8/10 models (6 fetched, 2 cached, 1 failing), 1.5 models/s, 0m01s left" == middle.describe()
    assert reports[-1].seconds_left == 0


def test_progress_reports_every_few_seconds_too():
    clock = FakeClock()
    reports: list[hf.Progress] = []
    progress = hf.ProgressReporter(1000, reports.append, clock=clock, every_models=10_000, every_seconds=5)
    for _ in range(12):
        clock.now += 1
        progress.model_done(cached=False, failed=False)
    assert [p.done for p in reports] == [5, 10]


# --- against the fake Hub ---------------------------------------------------------------------------


def test_a_full_fetch_lands_the_snapshot_files_exactly_and_sends_the_token(settings, hub, snapshot, tmp_path):
    outcome = hf.fetch_models(settings, board_models(snapshot))
    assert outcome.failed_models == []
    hf.write_repo_details(outcome.records, tmp_path / "repo_details.csv")
    hf.write_commit_data(outcome.records, tmp_path / "commit_data.csv")
    for name in ("repo_details.csv", "commit_data.csv"):
        columns = [c for c in read_csv(snapshot / name)[0] if c]

        def rows(path: Path) -> list[tuple]:  # ids by their key: the Hub ignores case
            return sorted((r["name"].lower(), *(r[c] for c in columns[1:])) for r in read_csv(path))

        assert rows(tmp_path / name) == rows(snapshot / name)
    assert set(hub.authorizations) == {f"Bearer {TOKEN}"}
    # Leaderboard models without a repo or commits are recorded as missing, not failed.
    missing = {(f.model_id, f.endpoint) for f in outcome.failures}
    assert all(f.kind == hf.MISSING and f.status == 404 and f.attempts == 1 for f in outcome.failures)
    repos = {r["name"].lower() for r in read_csv(snapshot / "repo_details.csv")}
    assert {m for m, e in missing if e == "model_info"} == {
        m for m in board_models(snapshot) if m.lower() not in repos}


def test_429_then_success_waits_retry_after_and_succeeds(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.fail(info_path(model), Fault(429, retry_after="0"), Fault(429, retry_after="0"))
    clock = FakeClock()
    outcome = hf.fetch_models(replace(settings, requests_per_second=1e6), {model: "sha"}, clock=clock)
    assert outcome.failures == [] and outcome.records[0].repo_details["name"] == model
    assert hub.requests[info_path(model)] == 3
    assert outcome.retries == 2 and 0.0 in clock.sleeps


def test_500_then_success_backs_off_exponentially(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.fail(info_path(model), Fault(500), Fault(503))
    clock = FakeClock()
    outcome = hf.fetch_models(replace(settings, requests_per_second=1e6, backoff_seconds=2.0), {model: "sha"}, clock=clock)
    assert outcome.failures == []
    assert hub.requests[info_path(model)] == 3
    assert [s for s in clock.sleeps if s >= 1] == [2.0, 4.0]


def test_a_model_that_keeps_failing_is_recorded_with_its_error_and_the_run_goes_on(settings, hub, snapshot):
    broken, healthy = first_with_repo(snapshot, 2)
    hub.always_fail(info_path(broken), Fault(500, body="upstream exploded"))
    outcome = hf.fetch_models(settings, {broken: "a", healthy: "b"})
    (failure,) = outcome.failures
    assert (failure.model_id, failure.endpoint, failure.kind, failure.status) == (broken, "model_info", hf.FAILED, 500)
    assert failure.attempts == settings.max_retries + 1 == hub.requests[info_path(broken)]
    assert "HTTP 500 after 4 attempt(s)" in failure.error and "upstream exploded" in failure.error
    assert outcome.failed_models == [broken] and outcome.failure_share == 0.5
    assert outcome.records[1].repo_details is not None  # the next model was fetched


def test_malformed_json_is_a_recorded_failure(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.fail(info_path(model), MALFORMED_JSON)
    (record,) = hf.fetch_models(settings, {model: "sha"}).records
    (failure,) = record.failures
    assert failure.kind == hf.FAILED and failure.error.startswith("malformed response")
    assert hub.requests[info_path(model)] == 1 and record.commit_data is not None


def test_a_slow_response_times_out_and_is_retried(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.fail(info_path(model), Fault(200, delay_seconds=2.5))
    outcome = hf.fetch_models(replace(settings, timeout_seconds=0.5), {model: "sha"})
    assert outcome.failures == [] and outcome.retries == 1
    assert hub.requests[info_path(model)] == 2


def test_a_request_that_always_times_out_fails_after_the_retries(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.always_fail(info_path(model), Fault(200, delay_seconds=1.5))
    (failure,) = hf.fetch_models(replace(settings, timeout_seconds=0.3, max_retries=1), {model: "sha"}).failures
    assert failure.kind == hf.FAILED and failure.status is None and "Timeout" in failure.error
    assert failure.attempts == 2


def test_a_missing_repo_is_recorded_at_once_without_retries(settings, hub):
    outcome = hf.fetch_models(settings, {"nobody/no-such-model": "sha"})
    assert {(f.endpoint, f.kind, f.status, f.attempts) for f in outcome.failures} == {
        ("model_info", hf.MISSING, 404, 1), ("commits", hf.MISSING, 404, 1)}
    assert outcome.failure_share == 0.0
    assert hub.requests[info_path("nobody/no-such-model")] == 1


def test_a_second_run_fetches_only_new_models_and_changed_shas(settings, hub, snapshot):
    models = board_models(snapshot)
    first = hf.fetch_models(settings, models)
    assert first.fetched == len(models) and first.cached == 0
    changed, new_sha = next(iter(models)), "f" * 40
    again = {**models, changed: new_sha}
    hub.clear()
    second = hf.fetch_models(settings, again)
    assert (second.fetched, second.cached) == (1, len(models) - 1)
    assert {p for p in hub.requests} <= {info_path(changed), f"{info_path(changed)}/commits/main"}
    assert second.requests == sum(hub.requests.values()) >= 2


def test_a_failed_model_is_not_cached_and_is_fetched_again(settings, hub, snapshot):
    (model,) = first_with_repo(snapshot)
    hub.always_fail(info_path(model), Fault(502))
    assert hf.fetch_models(settings, {model: "s"}).failed_models == [model]
    hub.clear()
    assert hf.fetch_models(settings, {model: "s"}).fetched == 1
    assert hub.requests[info_path(model)] == 1


def test_the_v1_dataset_lands_as_it_is_with_its_lineage(settings, hub, snapshot, tmp_path):
    """The parquet the Hub serves (the dataset's real schema) is landed byte for byte as
    leaderboard_v1.parquet, and it loads as the dataset_parquet layout: the final table's raw
    rows, from the same data."""
    import duckdb

    from orchestration.defs.paper_snapshot.reader import LEADERBOARD_V1_DATASET, LEADERBOARD_V1_FINAL, load_snapshot_file

    pull = hf.download_dataset(settings, hf.V1_DATASET)
    path = tmp_path / LEADERBOARD_V1_DATASET.file_name
    rows = hf.land_v1_leaderboard(pull, path)
    expected = read_csv(snapshot / "leaderboard_v1_final.csv")
    assert rows == len(expected)
    assert path.read_bytes() == hub.datasets[hf.V1_DATASET].parquet
    assert pq.read_schema(path).names == V1_DATASET_SCHEMA.names
    assert read_source_label(path) == f"hf://datasets/{hf.V1_DATASET}@{pull.sha}/data/train-00000-of-00001.parquet"
    columns = ", ".join(LEADERBOARD_V1_DATASET.raw_columns)
    with duckdb.connect() as conn:
        load_snapshot_file(conn, LEADERBOARD_V1_FINAL, snapshot / "leaderboard_v1_final.csv")
        from_csv = conn.execute(f"select {columns}, _source_row from raw.leaderboard order by _source_row").fetchall()
        load_snapshot_file(conn, LEADERBOARD_V1_DATASET, path, source_label=read_source_label(path))
        assert conn.execute(f"select {columns}, _source_row from raw.leaderboard order by _source_row").fetchall() == from_csv
    hub.clear()  # pulled again at the same commit: huggingface_hub's cache answers
    hf.download_dataset(settings, hf.V1_DATASET)
    assert not any("/resolve/" in p for p in hub.requests)


def test_the_v2_dataset_lands_as_that_dates_parquet_snapshot(settings, hub, tmp_path):
    from orchestration.synthetic.weekly import generate_weekly_v2
    from orchestration.defs.leaderboard_v2.reader import identify_header, load_column_mapping, snapshot_date_of
    from tests.hub_server import v2_parquet

    weekly = generate_weekly_v2(tmp_path / "weekly", seed=5, scale=0.02)[-1]  # 2025-02-08
    hub.set_dataset(hf.V2_DATASET, v2_parquet(weekly), datetime(2025, 2, 8, 9, 0))
    pull = hf.download_dataset(settings, hf.V2_DATASET)
    path, rows = hf.land_v2_leaderboard(pull, tmp_path / "landing")
    assert path == tmp_path / "landing" / "huggingface_v2_2025-02-08.parquet"
    assert snapshot_date_of(path).isoformat() == "2025-02-08"
    assert path.read_bytes() == hub.datasets[hf.V2_DATASET].parquet
    assert rows == len(read_csv(weekly)) == pq.ParquetFile(path).metadata.num_rows
    header = pq.read_schema(path).names
    assert identify_header(header, load_column_mapping(), path=path).name == "parquet_2024_12b"


def test_several_parquet_files_land_as_one(tmp_path):
    """A dataset split in shards: their rows, in file order, in one parquet file."""
    first, second = tmp_path / "train-00000-of-00002.parquet", tmp_path / "train-00001-of-00002.parquet"
    pq.write_table(pa.table({"fullname": ["a/x", "b/y"], "Flagged": [True, False]}), first)
    pq.write_table(pa.table({"fullname": ["c/z"], "Flagged": [None]}, schema=pa.schema(
        [("fullname", pa.string()), ("Flagged", pa.bool_())])), second)
    landed = tmp_path / "out" / "leaderboard_v1.parquet"
    assert hf.land_parquet([first, second], landed) == 3
    table = pq.read_table(landed)
    assert table.column_names == ["fullname", "Flagged"]
    assert table.to_pylist() == [{"fullname": "a/x", "Flagged": True}, {"fullname": "b/y", "Flagged": False},
                                 {"fullname": "c/z", "Flagged": None}]
    assert sorted(p.name for p in landed.parent.iterdir()) == ["leaderboard_v1.parquet"]  # no temp file left


def test_leaderboard_models_key_each_model_by_its_shas():
    rows = [("a/x", "2"), ("a/x", "1"), ("b/y", None), (" ", "3"), ("A/X", "3")]
    assert hf.leaderboard_models(rows) == {"A/X": "1,2,3", "b/y": ""}


def test_the_token_is_not_in_the_settings_repr_nor_the_cache(settings, hub, snapshot):
    hf.fetch_models(settings, board_models(snapshot))
    assert TOKEN not in repr(settings)
    for path in settings.cache_dir.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    with open(next(settings.cache_dir.rglob("*.json"))) as handle:
        assert handle.read().startswith("{")


# --- the token ----------------------------------------------------------------------------------


def test_redact_token_replaces_it_as_it_is_in_a_bearer_header_and_url_encoded():
    token = "hf_9x/Y+z w"  # characters that URL encoding changes, each way it can
    text = ("Authorization: Bearer hf_9x/Y+z w; GET /api/models?token=hf_9x%2FY%2Bz%20w"
            "&t=hf_9x%2FY%2Bz+w; hf_9x/Y")
    assert hf.redact_token(text, token) == (
        "Authorization: Bearer [REDACTED]; GET /api/models?token=[REDACTED]&t=[REDACTED]; hf_9x/Y")
    assert hf.redact_token(text, None) == text


@pytest.mark.parametrize("endpoint", ["http://hub.invalid", "http://10.0.0.7:8080/hub", "hub.invalid"])
def test_a_token_is_refused_over_plain_http_to_another_machine_before_any_request(endpoint, tmp_path, monkeypatch):
    def no_request(transport, request):
        raise AssertionError(f"a request was made: {request.url}")

    monkeypatch.setattr(httpx2.HTTPTransport, "handle_request", no_request)
    settings = HuggingFaceSettings(endpoint=endpoint, token=TOKEN, cache_dir=tmp_path / "cache", max_retries=0)
    for fetch in (lambda: hf.fetch_models(settings, {"a/model": "sha"}), lambda: hf.download_dataset(settings, hf.V1_DATASET)):
        with pytest.raises(SettingsError) as refused:
            fetch()
        message = str(refused.value)
        assert f"HF_ENDPOINT={endpoint!r} is not https, and HF_TOKEN is set" in message and TOKEN not in message


@pytest.mark.parametrize("endpoint, token", [
    ("http://127.0.0.1:8080", TOKEN), ("http://localhost:8080", TOKEN), ("http://[::1]:8080", TOKEN),
    ("https://hub.invalid", TOKEN), ("http://hub.invalid", None),
])
def test_https_loopback_http_and_no_token_are_allowed(endpoint, token):
    hf.refuse_token_over_plain_http(HuggingFaceSettings(endpoint=endpoint, token=token))


def test_an_error_that_echoes_the_token_is_recorded_redacted(settings, hub, snapshot):
    """A 503 on every retry (the connector's own error, quoting the body), a 403 (huggingface_hub's,
    quoting the headers) and a success whose JSON does not parse (the exception quoting the
    value), each echoing the request's Authorization header."""
    unavailable, forbidden, garbled = first_with_repo(snapshot, 3)
    hub.always_fail(info_path(unavailable), echoing(503))
    hub.always_fail(f"{info_path(forbidden)}/commits/main", echoing(403))
    hub.always_fail(info_path(garbled), Fault(200, body='{"id": "x", "createdAt": "{authorization}"}',
                                              content_type="application/json", echo_authorization=True))
    outcome = hf.fetch_models(settings, {unavailable: "a", forbidden: "b", garbled: "c"})
    errors = {(f.model_id, f.endpoint): f.error for f in outcome.failures}
    assert set(hub.authorizations) == {f"Bearer {TOKEN}"}  # what was echoed
    assert "HTTP 503 after 4 attempt(s)" in errors[unavailable, "model_info"]
    assert "(request had Authorization: Bearer [REDACTED]; maintenance)" in errors[unavailable, "model_info"]
    assert "403 Forbidden: you sent Authorization: Bearer [REDACTED]" in errors[forbidden, "commits"]
    assert "malformed response: ValueError: Cannot parse 'Bearer [REDACTED]'" in errors[garbled, "model_info"]
    assert [e for e in errors.values() if TOKEN in e] == []
    for path in settings.cache_dir.rglob("*.json"):
        assert TOKEN not in path.read_text(encoding="utf-8"), path


def test_an_exception_that_leaves_the_connector_carries_no_token(settings, hub):
    hub.always_fail(f"/api/datasets/{hf.V1_DATASET}", echoing(403))
    with pytest.raises(HfHubHTTPError) as raised:
        hf.download_dataset(settings, hf.V1_DATASET)
    message = str(raised.value)
    assert "403 Forbidden: you sent Authorization: Bearer [REDACTED]" in message  # X-Error-Message
    assert "request had Authorization: Bearer [REDACTED]" in message and TOKEN not in message  # the body


def test_the_transport_redacts_headers_and_gzipped_error_bodies_and_leaves_data_alone():
    """Every response's headers and an error's body, decoded first (the token cannot be found
    in gzip); a success's body is data, passed byte for byte."""
    echoed = f"Bearer {TOKEN}".encode()

    def server(request: httpx2.Request) -> httpx2.Response:  # an unread stream, as from the network
        if request.url.path == "/error":
            return httpx2.Response(401, headers={"Content-Encoding": "gzip", "X-Request-Id": echoed},
                                   stream=httpx2.ByteStream(gzip.compress(b"you sent " + echoed)))
        return httpx2.Response(200, headers={"X-Request-Id": echoed}, stream=httpx2.ByteStream(b"data " + echoed))

    settings = HuggingFaceSettings(endpoint="https://hub.invalid", token=TOKEN, requests_per_second=1000)
    transport = hf.HubTransport(settings, clock=FakeClock(), inner=httpx2.MockTransport(server))
    with httpx2.Client(transport=transport) as client:
        error, success = client.get("https://hub.invalid/error"), client.get("https://hub.invalid/data")
    assert (error.status_code, error.text, error.headers["x-request-id"]) == (401, "you sent Bearer [REDACTED]", "Bearer [REDACTED]")
    assert success.headers["x-request-id"] == "Bearer [REDACTED]" and success.content == b"data " + echoed
