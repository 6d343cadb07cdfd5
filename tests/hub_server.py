"""A fake Hugging Face Hub on pytest-httpserver: the subset of the Hub API and of dataset file
downloads that orchestration/defs/hub_api/connector.py uses, built from a snapshot directory.

It serves, from the paper-layout files of `snapshot_dir`:
- `GET /api/datasets/<repo>`: the dataset's sha, last commit date and files;
- `HEAD|GET /datasets/<repo>/resolve/<sha>/<file>`: the parquet files in the datasets' real
  schemas (orchestration/defs/hub_api/leaderboard_parquet.py: the Space's column names, types and
  order, the flags in each layout's polarity): v1 from leaderboard_v1_final.csv as
  `open-llm-leaderboard-old/contents`; v2 from a weekly `huggingface_v2_<date>.csv.gz`, if given,
  as `open-llm-leaderboard/contents` in the layout it had on that date;
- `GET /api/models/<id>`: repo details (case-insensitive ids, as the Hub resolves them);
- `GET /api/models/<id>/commits/main`: commits rebuilt from commit_data.csv, paginated by a
  `Link` header.

Faults are injected per path (`fail(path, *responses)`: each request takes the next one, then
the path answers normally; `always_fail(path, status)`), and every request is counted by path.
A fault may echo the request's Authorization header (the token), as a debugging proxy would.
"""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import io
import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from orchestration.defs.hub_api.connector import V1_DATASET, V2_DATASET
from orchestration.defs.hub_api.leaderboard_parquet import (
    read_csv_columns,
    v1_dataset_table,
    v2_dataset_table,
    v2_layout_for,
)

PARQUET_NAME = "data/train-00000-of-00001.parquet"
COMMITS_PAGE_SIZE = 20


def read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def v1_parquet(rows: list[dict[str, str]]) -> bytes:
    """Final-table rows (read_csv of leaderboard_v1_final.csv) as the v1 dataset's parquet file."""
    columns = {name: [row[name] for row in rows] for name in rows[0]} if rows else {}
    return _parquet_bytes(v1_dataset_table(columns))


def v2_parquet(v2_file: Path, layout: str | None = None) -> bytes:
    """A weekly v2 file as the v2 dataset's parquet file, in the layout of its date by default."""
    day = re.search(r"(\d{4}-\d{2}-\d{2})", v2_file.name).group(1)
    return _parquet_bytes(v2_dataset_table(read_csv_columns(v2_file), layout or v2_layout_for(day)))


def _card_value(text: str) -> object:
    """A repo_details cell back to the card's value: a list literal, a plain string, or None."""
    if text == "":
        return None
    return ast.literal_eval(text) if text.startswith("[") else text


def _iso(text: str) -> str | None:
    if not text:
        return None
    return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def model_info_json(row: dict[str, str], sha: str) -> dict:
    card = {k: _card_value(row[k]) for k in ("language", "datasets", "base_model")}
    return {
        "_id": hashlib.md5(row["name"].encode()).hexdigest()[:24],
        "id": row["name"],
        "author": row["author"] or None,
        "sha": sha,
        "createdAt": _iso(row["created_at"]),
        "lastModified": _iso(row["last_modified"]),
        "downloads": int(row["downloads"]),
        "likes": int(row.get("likes") or 0),
        "library_name": row["library_name"] or None,
        "tags": ast.literal_eval(row["tags"]) if row["tags"] else [],
        "cardData": {k: v for k, v in card.items() if v is not None},
    }


def commits_json(row: dict[str, str]) -> list[dict]:
    """Commits (newest first, as the Hub lists them) whose summary is this commit_data row:
    the authors in order of their first commit, first and last commit at the row's times."""
    authors = ast.literal_eval(row["authors"]) if row["authors"] else []
    count = int(row["num_of_commits"])
    first = datetime.fromisoformat(row["first_commit"])
    last = datetime.fromisoformat(row["last_commit"])
    commits = []
    for i in range(count):
        when = first if i == 0 else last if i == count - 1 else first + (last - first) * i / count
        by = [authors[i]] if i < len(authors) else authors[:1]
        commits.append({
            "id": hashlib.sha1(f"{row['name']}:{i}".encode()).hexdigest(),
            "authors": [{"user": a} for a in by],
            "date": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "title": f"commit {i}",
            "message": "",
        })
    return commits[::-1]


@dataclass
class Dataset:
    sha: str
    last_modified: datetime
    parquet: bytes


@dataclass(frozen=True)
class Fault:
    """One injected response: a status (with optional Retry-After), a raw body, or a delay."""

    status: int = 500
    body: str = "injected failure"
    retry_after: str | None = None
    delay_seconds: float = 0.0
    content_type: str = "text/plain"
    echo_authorization: bool = False
    """The request's Authorization header in place of `{authorization}` in the body, and in the
    headers huggingface_hub quotes in its errors (X-Request-Id, X-Error-Message)."""


MALFORMED_JSON = Fault(status=200, body='{"id": "truncated', content_type="application/json")


def echoing(status: int) -> Fault:
    """An error that echoes the request's Authorization header in its body and headers."""
    return Fault(status, body="request had Authorization: {authorization}; maintenance", echo_authorization=True)


class FakeHub:
    def __init__(self, snapshot_dir: Path, *, v2_file: Path | None = None):
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.requests: Counter[str] = Counter()
        self.authorizations: list[str | None] = []
        self._faults: dict[str, list[Fault]] = {}
        self._always: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self.datasets: dict[str, Dataset] = {}
        self.models: dict[str, dict] = {}
        self.commits: dict[str, list[dict]] = {}
        self.load(snapshot_dir, v2_file=v2_file)

    # -- data ----------------------------------------------------------------------------------

    def load(self, snapshot_dir: Path, *, v2_file: Path | None = None) -> None:
        """Serve the data of a snapshot directory (again, after it changed)."""
        board = read_csv(snapshot_dir / "leaderboard_v1_final.csv")
        self.set_dataset(V1_DATASET, v1_parquet(board), datetime(2024, 7, 7, 12, 0))
        if v2_file is not None:
            day = datetime.strptime(re.search(r"(\d{4}-\d{2}-\d{2})", v2_file.name).group(1), "%Y-%m-%d")
            self.set_dataset(V2_DATASET, v2_parquet(v2_file), day + timedelta(hours=9))
        shas = {row["fullname"].lower(): row["model_sha"] for row in board}
        self.models = {row["name"]: model_info_json(row, shas.get(row["name"].lower(), ""))
                       for row in read_csv(snapshot_dir / "repo_details.csv")}
        self.commits = {row["name"]: commits_json(row) for row in read_csv(snapshot_dir / "commit_data.csv")}

    def set_dataset(self, repo_id: str, parquet: bytes, last_modified: datetime) -> None:
        sha = hashlib.sha1(parquet).hexdigest()
        self.datasets[repo_id] = Dataset(sha, last_modified, parquet)

    # -- faults --------------------------------------------------------------------------------

    def fail(self, path: str, *faults: Fault) -> None:
        with self._lock:
            self._faults.setdefault(path, []).extend(faults)

    def always_fail(self, path: str, fault: Fault) -> None:
        with self._lock:
            self._always[path] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._always.clear()
            self.requests.clear()
            self.authorizations.clear()

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            if queue:
                return queue.pop(0)
            return self._always.get(path)

    # -- serving -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self.server.url_for("").rstrip("/")

    def start(self) -> FakeHub:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def handle(self, request: Request) -> Response:
        path = request.path
        with self._lock:
            self.requests[path] += 1
            self.authorizations.append(request.headers.get("Authorization"))
        fault = self._next_fault(path)
        if fault is not None:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = fault.body
            if fault.echo_authorization:
                echoed = request.headers.get("Authorization", "")
                body = body.replace("{authorization}", echoed)
                headers |= {"X-Request-Id": echoed, "X-Error-Message": f"you sent Authorization: {echoed}"}
            return Response(body, status=fault.status, headers=headers, content_type=fault.content_type)
        if match := re.fullmatch(r"/api/datasets/(.+?)(?:/revision/[^/]+)?", path):
            return self._dataset_info(match.group(1))
        if match := re.fullmatch(r"/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            return self._dataset_file(request, *match.groups())
        if match := re.fullmatch(r"/api/models/(.+)/commits/([^/]+)", path):
            return self._commits(request, match.group(1))
        if match := re.fullmatch(r"/api/models/(.+)", path):
            return self._model_info(match.group(1))
        return _not_found(f"no route {path}")

    def _dataset_info(self, repo_id: str) -> Response:
        dataset = self.datasets.get(repo_id)
        if dataset is None:
            return _not_found(f"Repository {repo_id} not found")
        return _json({
            "_id": dataset.sha[:24], "id": repo_id, "sha": dataset.sha, "private": False,
            "lastModified": dataset.last_modified.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}, {"rfilename": PARQUET_NAME}],
        })

    def _dataset_file(self, request: Request, repo_id: str, revision: str, name: str) -> Response:
        dataset = self.datasets.get(repo_id)
        if dataset is None or name != PARQUET_NAME or revision not in (dataset.sha, "main"):
            return _not_found(f"{repo_id}@{revision}/{name} not found")
        headers = {"X-Repo-Commit": dataset.sha, "ETag": f'"{hashlib.sha256(dataset.parquet).hexdigest()}"',
                   "Content-Length": str(len(dataset.parquet))}
        body = b"" if request.method == "HEAD" else dataset.parquet
        response = Response(body, status=200, headers=headers, content_type="application/octet-stream")
        response.headers["Content-Length"] = str(len(dataset.parquet))
        return response

    @staticmethod
    def _lookup(table: dict, model_id: str):
        """As the Hub resolves ids: exactly, else ignoring case."""
        if model_id in table:
            return table[model_id]
        return next((v for k, v in table.items() if k.lower() == model_id.lower()), None)

    def _model_info(self, model_id: str) -> Response:
        info = self._lookup(self.models, model_id)
        return _json(info) if info is not None else _not_found(f"Repository {model_id} not found")

    def _commits(self, request: Request, model_id: str) -> Response:
        commits = self._lookup(self.commits, model_id)
        if commits is None:
            return _not_found(f"Repository {model_id} not found")
        page = int(request.args.get("p", "0"))
        chunk = commits[page * COMMITS_PAGE_SIZE:(page + 1) * COMMITS_PAGE_SIZE]
        headers = {}
        if (page + 1) * COMMITS_PAGE_SIZE < len(commits):
            headers["Link"] = f'<{self.endpoint}{request.path}?p={page + 1}>; rel="next"'
        return _json(chunk, headers=headers)


def _json(data: object, *, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=200, headers=headers or {}, content_type="application/json")


def _not_found(message: str) -> Response:
    return Response(json.dumps({"error": message}), status=404, content_type="application/json",
                    headers={"X-Error-Code": "RepoNotFound", "X-Error-Message": message})


# The day after the Hub's created_at floor (2022-03-02T23:29:04Z, docs/sources.md).
AFTER_HUB_FLOOR = "2022-03-03 00:00:00+00:00"


def _after_floor(timestamp: str, first_commit: str) -> str:
    """A paper-layout timestamp of a repo whose history starts at `first_commit`, shifted as a
    whole history is when it started before the day after the Hub's created_at floor (so that
    the order of its commits is kept)."""
    if not timestamp or not first_commit or first_commit >= AFTER_HUB_FLOOR:
        return timestamp
    shift = datetime.fromisoformat(AFTER_HUB_FLOOR) - datetime.fromisoformat(first_commit)
    return str(datetime.fromisoformat(timestamp) + shift)


def hub_consistent_snapshot(source_dir: Path, target_dir: Path) -> Path:
    """A copy of a (generated) snapshot holding only what a Hub can say: one repo_details row
    per leaderboard model (the first, as intermediate keeps), none for repos off the leaderboard,
    created when its first commit was made (the Hub creates a repo with its initial commit; an
    HFCommunity dump, which has no creation date, dates it so), and nothing before the Hub's
    created_at floor (an older repo's createdAt is the floor while its commits are real, so a Hub
    and a dump of it could not agree; the floor is tested where the data has it: the generated
    default, the real snapshot, int_repo_details' unit test)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    board = read_csv(source_dir / "leaderboard_v1_final.csv")
    on_board = {row["fullname"].lower() for row in board}
    for name in ("leaderboard_v1_final.csv", "leaderboard.csv"):
        (target_dir / name).write_bytes((source_dir / name).read_bytes())
    first_commits = {row["name"].lower(): _after_floor(row["first_commit"], row["first_commit"]) for row in read_csv(source_dir / "commit_data.csv")}
    for name in ("repo_details.csv", "commit_data.csv"):
        with (source_dir / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        for row in rows[1:]:
            if name == "repo_details.csv":
                created = row[header.index("created_at")]
                row[header.index("created_at")] = first_commits.get(row[1].lower()) or _after_floor(created, created)
            else:
                first, last = header.index("first_commit"), header.index("last_commit")
                row[first], row[last] = _after_floor(row[first], row[first]), _after_floor(row[last], row[first])
        seen: set[str] = set()
        kept = [rows[0]]
        for row in rows[1:]:
            key = row[1].lower()  # ids that differ only in case are one repo on the Hub
            if key in on_board and key not in seen:
                seen.add(key)
                kept.append([str(len(kept) - 1), *row[1:]])
        with (target_dir / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(kept)
    return target_dir
