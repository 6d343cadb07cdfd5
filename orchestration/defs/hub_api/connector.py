"""The Hugging Face connector (WAREHOUSE_SOURCE=huggingface): the leaderboards from their
datasets, repo details and commit history from the Hub API, through `huggingface_hub`.

It lands files in layouts the project reads, so the loaders, GX suites and staging contract
apply unchanged:
- the v1 leaderboard's dataset (`open-llm-leaderboard-old/contents`) as it is, its parquet
  copied to `leaderboard_v1.parquet` (WAREHOUSE_V1_SOURCE `dataset_parquet`, read by its real
  column names: orchestration/defs/paper_snapshot/reader.py);
- repo details and commit summaries per leaderboard model as the paper's `repo_details.csv`
  and `commit_data.csv` (list literals, `2024-03-22 14:08:40+00:00` timestamps);
- the v2 leaderboard's dataset (`open-llm-leaderboard/contents`) as that week's snapshot, its
  parquet copied to `huggingface_v2_<dataset commit date>.parquet` in the weekly landing
  directory (its header version is found from the parquet schema: leaderboard_v2.py).
A dataset of several parquet files is landed as one file, their rows concatenated in file-name
order. Nothing is renamed or converted on the way, so a change of the datasets' layout reaches
the loaders' header checks as it is.

Every HTTP request `huggingface_hub` makes goes through `HubTransport`: a request rate limit,
a timeout, and retries with exponential backoff (or the server's Retry-After) on 429, 5xx,
timeouts and connection errors. Only a request that still fails after the last retry reaches
`huggingface_hub` (as `HubRequestError`, which it does not retry again), so these retries are
the ones that count. A 404 is not retried: the repo is missing.

The token goes into the `Authorization` header only, and only over https (or plain http to a
loopback address): `hub_session` refuses anything else before a request is made. A server or
proxy may echo the header back; `HubTransport` takes the token out of every response header and
every error body before `huggingface_hub` reads them, and `_classify` out of every recorded
error, so it reaches no exception, log, event, metadata, cache file or table (`redact_token`).

Per-model results are cached as JSON under the cache directory, keyed by model id and the
leaderboard's sha(s) of the model: a model whose sha is unchanged is not fetched again.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import httpx2
import huggingface_hub
import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, HFValidationError

from orchestration.settings import HuggingFaceSettings, SettingsError
from orchestration.defs.paper_snapshot.paper_layout import (
    COMMIT_DATA_HEADER,
    REPO_DETAILS_HEADER,
    commit_summary,
    paper_literal,
    paper_timestamp,
    write_paper_file,
    write_source_label,
)

V1_DATASET = "open-llm-leaderboard-old/contents"
V2_DATASET = "open-llm-leaderboard/contents"
# Model repo fields that repo_details.csv needs (the Hub returns only these).
MODEL_INFO_FIELDS = [
    "author", "cardData", "createdAt", "downloads", "lastModified", "library_name", "likes", "sha", "tags",
]  # fmt: skip
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
MAX_BACKOFF_SECONDS = 60.0
# A failure is `missing` (the repo is not on the Hub: recorded, not counted against the
# failure share) or `failed` (it kept failing: counted).
MISSING, FAILED = "missing", "failed"
MODEL_ENDPOINTS = ("model_info", "commits")
CACHE_FORMAT = 1
REDACTED = "[REDACTED]"


# --- the token ------------------------------------------------------------------------------------


def redact_token(text: str, token: str | None) -> str:
    """`text` with every occurrence of the token replaced by REDACTED: as it is (so also in
    `Bearer <token>`) and URL-encoded (in a path or a query)."""
    if not token:
        return text
    for form in {token, quote(token, safe=""), quote_plus(token, safe="")}:
        text = text.replace(form, REDACTED)
    return text


def _redact_token_bytes(data: bytes, token: str | None) -> bytes:
    # surrogateescape: bytes that are not UTF-8 come back unchanged.
    return redact_token(data.decode("utf-8", "surrogateescape"), token).encode("utf-8", "surrogateescape")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:  # a host name
        return False


def refuse_token_over_plain_http(settings: HuggingFaceSettings) -> None:
    """Raise SettingsError when the token would travel unencrypted: to an endpoint that is not
    https, unless plain http to this machine (the tests' fake Hub). Without a token any endpoint
    is fine."""
    url = urlsplit(settings.endpoint)
    if not settings.token or url.scheme == "https" or (url.scheme == "http" and _is_loopback(url.hostname)):
        return
    raise SettingsError(
        f"HF_ENDPOINT={redact_token(settings.endpoint, settings.token)!r} is not https, and HF_TOKEN is set: "
        "the token would be sent unencrypted, so no request was made. Use an https endpoint, or unset "
        "HF_TOKEN (plain http with a token is allowed only to localhost, 127.0.0.1 or ::1)."
    )


# --- time, rate limit, retries ------------------------------------------------------------------


@dataclass
class Clock:
    """Time as the connector sees it; tests pass a fake one."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class RateLimiter:
    """At most `per_second` requests per second: each request waits for its slot."""

    def __init__(self, per_second: float, clock: Clock):
        self.interval = 1.0 / per_second
        self.clock = clock
        self._next = -math.inf
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock.monotonic()
            if now < self._next:
                self.clock.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def backoff_delay(retry: int, base_seconds: float, retry_after: float | None) -> float:
    """Seconds to wait before retry number `retry` (1-based): the server's Retry-After when it
    gives one, else base × 2^(retry-1); never more than MAX_BACKOFF_SECONDS."""
    delay = retry_after if retry_after is not None else base_seconds * 2 ** (retry - 1)
    return min(max(delay, 0.0), MAX_BACKOFF_SECONDS)


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    try:
        return float(value) if value else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


class HubRequestError(Exception):
    """A request that still failed after the last retry (429, 5xx, timeout, connection)."""

    def __init__(self, url: str, status: int | None, reason: str, attempts: int):
        self.url, self.status, self.reason, self.attempts = url, status, reason, attempts
        what = f"HTTP {status}" if status is not None else reason
        super().__init__(f"{what} after {attempts} attempt(s): GET {url}" + (f" ({reason})" if status else ""))


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    paths: list[str] = field(default_factory=list)


class HubTransport(httpx2.BaseTransport):
    """Rate limit, timeout and retries for every request `huggingface_hub` sends."""

    def __init__(self, settings: HuggingFaceSettings, *, clock: Clock, inner: httpx2.BaseTransport | None = None):
        self.settings = settings
        self.clock = clock
        self.inner = inner or httpx2.HTTPTransport()
        self.limiter = RateLimiter(settings.requests_per_second, clock)
        self.timeout = httpx2.Timeout(settings.timeout_seconds).as_dict()
        self.stats = RequestStats()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        # Our timeout for every request, whatever huggingface_hub passed (it often passes none).
        request.extensions = {**request.extensions, "timeout": self.timeout}
        token = self.settings.token
        url = redact_token(str(request.url.copy_with(query=None)), token)
        attempt = 0
        while True:
            attempt += 1
            self.limiter.wait()
            self.stats.requests += 1
            try:
                response = self.inner.handle_request(request)
                # Read the body here, so a body that times out is retried like a slow header.
                body = b"".join(response.iter_raw())
                response.close()
            except RETRY_EXCEPTIONS as exc:
                status, reason, retry_after = None, redact_token(f"{type(exc).__name__}: {exc or 'no response'}", token), None
            else:
                response = self._without_token(response, body, request)
                if response.status_code not in RETRY_STATUS:
                    return response
                # Cut after redacting: a cut through the token would leave its first characters.
                status, reason, retry_after = (response.status_code, response.read()[:200].decode("utf-8", "replace"),
                                               _retry_after(response.headers))
            if attempt > self.settings.max_retries:
                raise HubRequestError(url, status, reason, attempt)
            self.stats.retries += 1
            self.clock.sleep(backoff_delay(attempt, self.settings.backoff_seconds, retry_after))

    def _without_token(self, response: httpx2.Response, body: bytes, request: httpx2.Request) -> httpx2.Response:
        """The response as huggingface_hub gets it, without the token in its headers nor, for an
        error, in its body: it quotes both in its exceptions (X-Error-Message, X-Request-Id, the
        body's message), and a server or proxy may echo the request's Authorization header. A
        success's body is data and passes byte for byte."""
        token = self.settings.token
        headers = httpx2.Headers([(name, _redact_token_bytes(value, token)) for name, value in response.headers.raw])
        if response.is_error:
            # Decoded first (gzip, …): the token cannot be found in compressed bytes.
            body = _redact_token_bytes(httpx2.Response(response.status_code, headers=response.headers,
                                                       stream=httpx2.ByteStream(body)).read(), token)
            headers.pop("content-encoding", None)
            headers["content-length"] = str(len(body))
        return httpx2.Response(response.status_code, headers=headers, stream=httpx2.ByteStream(body),
                               extensions=response.extensions, request=request)


@contextmanager
def hub_session(settings: HuggingFaceSettings, *, clock: Clock | None = None) -> Iterator[HubTransport]:
    """Route every `huggingface_hub` request of the block through one HubTransport, after
    refusing a token over plain http (refuse_token_over_plain_http).

    huggingface_hub shares one HTTP client per process (`set_client_factory`); the default one
    is restored afterwards."""
    from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook

    refuse_token_over_plain_http(settings)
    transport = HubTransport(settings, clock=clock or Clock())
    huggingface_hub.set_client_factory(
        lambda: httpx2.Client(transport=transport, event_hooks={"request": [hf_request_event_hook]},
                              follow_redirects=True, timeout=settings.timeout_seconds)
    )
    try:
        yield transport
    finally:
        huggingface_hub.set_client_factory(default_client_factory)


def hub_api(settings: HuggingFaceSettings) -> HfApi:
    # token=False when unset: never fall back to a token saved on the machine.
    return HfApi(endpoint=settings.endpoint, token=settings.token or False)


# --- per-model fetches --------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchFailure:
    model_id: str
    endpoint: str
    kind: str  # MISSING or FAILED
    status: int | None
    error: str
    attempts: int
    fetched_at: str


@dataclass
class ModelRecord:
    """What the Hub said about one model at one leaderboard revision (the cache's unit)."""

    model_id: str
    revision: str
    fetched_at: str
    repo_details: dict[str, str] | None = None
    commit_data: dict[str, str] | None = None
    failures: list[FetchFailure] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.kind == FAILED for f in self.failures)


def repo_details_row(info: huggingface_hub.ModelInfo) -> dict[str, str]:
    card = info.card_data.to_dict() if info.card_data is not None else {}
    return {
        "name": info.id,
        "author": info.author or "",
        "created_at": paper_timestamp(info.created_at),
        "last_modified": paper_timestamp(info.last_modified),
        "downloads": "" if info.downloads is None else str(info.downloads),
        "library_name": info.library_name or "",
        "tags": paper_literal(info.tags),
        "language": paper_literal(card.get("language")),
        "datasets": paper_literal(card.get("datasets")),
        "base_model": paper_literal(card.get("base_model")),
        "likes": "" if info.likes is None else str(info.likes),
    }


def commit_data_row(model_id: str, commits: Sequence[huggingface_hub.GitCommitInfo]) -> dict[str, str]:
    """One repo's commit summary; authors in order of their first commit."""
    return commit_summary(model_id, ((c.created_at, c.authors) for c in commits))


def _classify(model_id: str, endpoint: str, exc: Exception, now: str, token: str | None) -> FetchFailure:
    """The failure as recorded (raw.hub_fetch_failures, metadata, cache): its error is redacted
    here, whatever exception it came from."""
    if isinstance(exc, HubRequestError):
        kind, status, error, attempts = FAILED, exc.status, str(exc), exc.attempts
    elif isinstance(exc, HFValidationError):
        kind, status, error, attempts = MISSING, None, f"not a valid repo id: {exc}", 1
    elif isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        kind, error, attempts = MISSING if status == 404 else FAILED, str(exc).splitlines()[0], 1
    elif isinstance(exc, (ValueError, TypeError, KeyError, AttributeError)):  # JSON that does not parse or fit
        kind, status, error, attempts = FAILED, 200, f"malformed response: {type(exc).__name__}: {exc}", 1
    else:
        kind, status, error, attempts = FAILED, None, f"{type(exc).__name__}: {exc}", 1
    return FetchFailure(model_id, endpoint, kind, status, redact_token(error, token), attempts, now)


def fetch_model(api: HfApi, model_id: str, revision: str, token: str | None) -> ModelRecord:
    """Repo details and commit history of one model; each endpoint's failure is recorded."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    record = ModelRecord(model_id, revision, now)
    try:
        record.repo_details = repo_details_row(api.model_info(model_id, expand=MODEL_INFO_FIELDS))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the run goes on
        record.failures.append(_classify(model_id, "model_info", exc, now, token))
    try:
        record.commit_data = commit_data_row(model_id, api.list_repo_commits(model_id))
    except Exception as exc:  # noqa: BLE001
        record.failures.append(_classify(model_id, "commits", exc, now, token))
    return record


class ModelCache:
    """One JSON file per model under `<cache>/models/`, valid for one leaderboard revision."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, model_id: str) -> Path:
        return self.directory / f"{quote(model_id, safe='')}.json"

    def get(self, model_id: str, revision: str) -> ModelRecord | None:
        path = self._path(model_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != CACHE_FORMAT or data.get("model_id") != model_id or data.get("revision") != revision:
            return None
        failures = [FetchFailure(**f) for f in data.get("failures", [])]
        return ModelRecord(model_id, revision, data["fetched_at"], data.get("repo_details"), data.get("commit_data"), failures)

    def put(self, record: ModelRecord) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(record.model_id)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"format": CACHE_FORMAT, **asdict(record)}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


# --- progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    fetched: int
    cached: int
    failed: int
    elapsed_seconds: float

    @property
    def rate(self) -> float:
        """Models fetched from the Hub per second (cache hits cost nothing)."""
        return self.fetched / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        remaining = self.total - self.done
        if remaining == 0:
            return 0.0
        return remaining / self.rate if self.rate > 0 else None

    def describe(self) -> str:
        left = self.seconds_left
        eta = "unknown" if left is None else _duration(left)
        return (
            f"{self.done}/{self.total} models ({self.fetched} fetched, {self.cached} cached, "
            f"{self.failed} failing), {self.rate:.1f} models/s, {eta} left"
        )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class ProgressReporter:
    """Calls `report(progress)` every `every_models` models or `every_seconds`, and at the end."""

    def __init__(self, total: int, report: Callable[[Progress], None], *, clock: Clock,
                 every_models: int = 100, every_seconds: float = 10.0):
        self.total, self.report, self.clock = total, report, clock
        self.every_models, self.every_seconds = every_models, every_seconds
        self.start = self._last_time = clock.monotonic()
        self._last_done = 0
        self.done = self.fetched = self.cached = self.failed = 0

    def model_done(self, *, cached: bool, failed: bool) -> None:
        self.done += 1
        self.cached += cached
        self.fetched += not cached
        self.failed += failed
        now = self.clock.monotonic()
        if (self.done == self.total or self.done - self._last_done >= self.every_models
                or now - self._last_time >= self.every_seconds):
            self._last_done, self._last_time = self.done, now
            self.report(self.snapshot())

    def snapshot(self) -> Progress:
        return Progress(self.total, self.done, self.fetched, self.cached, self.failed, self.clock.monotonic() - self.start)


@dataclass(frozen=True)
class FetchOutcome:
    records: list[ModelRecord]
    fetched: int
    cached: int
    requests: int
    retries: int

    @property
    def failures(self) -> list[FetchFailure]:
        return [f for r in self.records for f in r.failures]

    @property
    def failed_models(self) -> list[str]:
        return [r.model_id for r in self.records if r.failed]

    @property
    def failure_share(self) -> float:
        return len(self.failed_models) / len(self.records) if self.records else 0.0


def fetch_models(
    settings: HuggingFaceSettings,
    models: Mapping[str, str],
    *,
    report: Callable[[Progress], None] = lambda progress: None,
    clock: Clock | None = None,
) -> FetchOutcome:
    """Repo details and commits of every model (id → leaderboard revision), from the cache
    where the revision is unchanged, else from the Hub. A model that failed is not cached, so
    the next run tries it again; a missing repo is cached as missing."""
    clock = clock or Clock()
    cache = ModelCache(settings.cache_dir / "models")
    progress = ProgressReporter(len(models), report, clock=clock)
    records: list[ModelRecord] = []
    fetched = cached = 0
    with hub_session(settings, clock=clock) as transport:
        api = hub_api(settings)
        for model_id, revision in models.items():
            record = cache.get(model_id, revision)
            from_cache = record is not None
            if record is None:
                record = fetch_model(api, model_id, revision, settings.token)
                if not record.failed:
                    cache.put(record)
            fetched += not from_cache
            cached += from_cache
            records.append(record)
            progress.model_done(cached=from_cache, failed=record.failed)
    return FetchOutcome(records, fetched, cached, transport.stats.requests, transport.stats.retries)


# --- landed files ---------------------------------------------------------------------------------


def write_repo_details(records: Sequence[ModelRecord], path: Path) -> int:
    return write_paper_file(path, REPO_DETAILS_HEADER, [r.repo_details for r in records if r.repo_details is not None])


def write_commit_data(records: Sequence[ModelRecord], path: Path) -> int:
    return write_paper_file(path, COMMIT_DATA_HEADER, [r.commit_data for r in records if r.commit_data is not None])


# --- the leaderboard datasets ---------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetPull:
    repo_id: str
    sha: str
    last_modified: datetime | None
    files: tuple[Path, ...]
    parquet_names: tuple[str, ...]

    @property
    def source_label(self) -> str:
        return ", ".join(f"hf://datasets/{self.repo_id}@{self.sha}/{name}" for name in self.parquet_names)


def download_dataset(settings: HuggingFaceSettings, repo_id: str, *, clock: Clock | None = None) -> DatasetPull:
    """Every parquet file of a dataset at its current commit. huggingface_hub's own cache
    (under the cache directory) skips files it already holds at that commit."""
    with hub_session(settings, clock=clock):
        api = hub_api(settings)
        info = api.dataset_info(repo_id)
        names = tuple(sorted(s.rfilename for s in info.siblings or () if s.rfilename.endswith(".parquet")))
        if not names:
            raise ValueError(f"dataset {repo_id} at {info.sha} has no parquet file")
        files = tuple(
            Path(api.hf_hub_download(repo_id, name, repo_type="dataset", revision=info.sha,
                                     cache_dir=settings.cache_dir / "hub"))
            for name in names
        )
    return DatasetPull(repo_id, info.sha, info.last_modified, files, names)


def land_parquet(files: Sequence[Path], path: Path) -> int:
    """The dataset's parquet at `path` as it is: one file copied byte for byte; several read as
    one table (in the order given, the schemas as they are: a column one file lacks is null in
    its rows) and written as one file. Replaced atomically. Returns the rows landed."""
    if not files:
        raise ValueError(f"no parquet file to land as {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if len(files) == 1:
            shutil.copyfile(files[0], tmp)
        else:
            table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
            pq.write_table(table, tmp)
        rows = pq.read_metadata(tmp).num_rows
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def land_v1_leaderboard(pull: DatasetPull, path: Path) -> int:
    """The v1 dataset's parquet at `path` (leaderboard_v1.parquet), with where it came from
    beside it (raw.leaderboard's `_source_file`)."""
    rows = land_parquet(pull.files, path)
    write_source_label(path, pull.source_label)
    return rows


def v2_file_date(pull: DatasetPull) -> date:
    """The snapshot's date: the dataset's last commit (re-pulling an unchanged dataset lands the
    same file again), today when the Hub does not say."""
    return (pull.last_modified or datetime.now(UTC)).astimezone(UTC).date()


def land_v2_leaderboard(pull: DatasetPull, landing_dir: Path) -> tuple[Path, int]:
    """The v2 dataset's parquet as that date's weekly snapshot, huggingface_v2_<date>.parquet."""
    path = landing_dir / f"huggingface_v2_{v2_file_date(pull).isoformat()}.parquet"
    return path, land_parquet(pull.files, path)


def leaderboard_models(rows: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """Model id → its revision key: the sorted distinct shas of its leaderboard rows (a model
    evaluated at two commits changes key when either does). The Hub resolves ids ignoring
    case, so ids that differ only in case are one repo, fetched once (under the first id)."""
    ids: dict[str, set[str]] = {}
    shas: dict[str, set[str]] = {}
    for model_id, sha in rows:
        if model_id and model_id.strip():
            key = model_id.strip().lower()
            ids.setdefault(key, set()).add(model_id.strip())
            shas.setdefault(key, set()).add((sha or "").strip())
    return {min(ids[key]): ",".join(sorted(shas[key])) for key in sorted(ids)}


def failure_rows(outcome: FetchOutcome) -> list[tuple]:
    return [(f.model_id, f.endpoint, f.kind, f.status, f.error, f.attempts, f.fetched_at) for f in outcome.failures]
