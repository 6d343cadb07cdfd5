"""WAREHOUSE_SOURCE=hfcommunity: raw/repo_details and raw/commit_data cut from an HFCommunity
dump build the same marts as the snapshot of the same data.

The dump is written here, independently of the project's code, from a Hub-consistent generated
snapshot (tests/hub_server.py): every repo_details row becomes a `repository` row (its card's
base_model, datasets and language as HFCommunity's Python dict repr), a `model` row and its
`tags_in_repo` rows; every commit_data row becomes that many `commits`, the first at
first_commit, the last at last_commit, the authors in the order the list literal gives them."""

from __future__ import annotations

import ast
import csv
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.hub_server import read_csv
from tests.integration.harness import MARTS, check_evaluations, materialized_keys, run_warehouse, table_rows

HUB_WIDE = {"hub_authors_over_time", "hub_repos_per_author", "hub_authors_per_repo", "discussion_activity_per_family"}


def _sha(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def _utc(text: str) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text.strip() else None


def _card_value(text: str) -> object:
    """A paper cell (`['a', 'b']`, a plain id, or empty) as the card metadata held it."""
    return ast.literal_eval(text) if text.startswith("[") else text


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if value is None else value for value in row] for row in rows])


def dump_from_snapshot(snapshot: Path, out: Path) -> Path:
    """The CSV export of an HFCommunity dump holding the snapshot's repos and commits."""
    out.mkdir(parents=True)
    repositories, models, tags, files, discussions, authors = [], [], [], [], [], {}
    for row in read_csv(snapshot / "repo_details.csv"):
        repo_id = f"models/{row['name']}"
        card = {key: _card_value(row[key]) for key in ("base_model", "datasets", "language") if row[key]}
        created, modified = _utc(row["created_at"]), _utc(row["last_modified"])
        repositories.append([
            repo_id, row["name"], "model", row["author"], _sha(repo_id),
            created.strftime("%Y-%m-%d %H:%M:%S") if created else None,
            modified.strftime("%Y-%m-%d %H:%M:%S") if modified else None,
            0, repr(card) if card else None, 0, None, row["downloads"] or None,
        ])
        models.append([repo_id, "text-generation", row["downloads"] or None, row["library_name"] or None, None, None])
        tags += [[tag, repo_id] for tag in (ast.literal_eval(row["tags"]) if row["tags"] else [])]
        files.append([len(files) + 1, "README.md", repo_id, 1024])
        discussions.append([1, repo_id, row["author"] or "someone", "Question", "open",
                            "2024-01-02 03:04:05.000000+00:00", 0])
        authors[row["author"] or "someone"] = None
    commits = []
    for row in read_csv(snapshot / "commit_data.csv"):
        names, count = ast.literal_eval(row["authors"]), int(row["num_of_commits"])
        first, last = _utc(row["first_commit"]), _utc(row["last_commit"])
        assert count >= max(len(names), 1) and first and last, row
        for index in range(count):
            when = first if index < count - 1 else last
            when = min(when + timedelta(seconds=index), last) if index < count - 1 else last
            author = names[min(index, len(names) - 1)] if names else None
            commits.append([_sha(row["name"], index), f"models/{row['name']}", author,
                            when.strftime("%Y-%m-%d %H:%M:%S+00:00"), f"commit {index}"])
            authors.setdefault(author, None) if author else None
    _write(out / "repository.csv", ["id", "name", "type", "author", "sha", "created_at", "last_modified", "private",
                                    "card_data", "gated", "likes", "downloads"], repositories)
    _write(out / "model.csv", ["model_id", "pipeline_tag", "downloads", "library_name", "likes", "config"], models)
    _write(out / "tags_in_repo.csv", ["tag_name", "repo_id"], tags)
    _write(out / "commits.csv", ["sha", "repo_id", "author", "timestamp", "message"], commits)
    _write(out / "repo_file.csv", ["id", "filename", "repo_id", "size"], files)
    _write(out / "discussion.csv", ["num", "repo_id", "author", "title", "status", "created_at", "is_pull_request"],
           discussions)
    _write(out / "author.csv", ["name", "avatar_url", "is_pro", "fullname", "type", "source"],
           [[name, None, 0, None, "user", "commit"] for name in authors])
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory, hub_snapshot):
    root = tmp_path_factory.mktemp("hfc_source")
    return root, hub_snapshot, dump_from_snapshot(hub_snapshot, root / "dump")


@pytest.fixture(scope="module")
def runs(world, hub_snapshot_build):
    """The session's build of the snapshot, and a build of its own from the dump (its raw
    tables must be cut from the dump, not found already loaded in a copy)."""
    root, snapshot, dump = world
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(
            root / "hfcommunity", monkeypatch, WAREHOUSE_SOURCE="hfcommunity", WAREHOUSE_SNAPSHOT_DIR=str(snapshot),
            WAREHOUSE_V1_SOURCE="final_table", WAREHOUSE_HFCOMMUNITY_DUMP=str(dump),
        )
        dumped = settings, run_warehouse(settings)
    return {"snapshot": (hub_snapshot_build.settings, hub_snapshot_build.results["core"]), "hfcommunity": dumped}


def test_the_hfcommunity_source_builds_the_same_marts_as_the_snapshot_of_the_same_data(runs):
    (snap_settings, snap), (dump_settings, dumped) = runs["snapshot"], runs["hfcommunity"]
    assert snap.success and dumped.success, [e.event_specific_data for e in dumped.all_events if e.is_failure]
    assert {"raw/repo_details", "raw/commit_data", "raw/hfc_repository", "published/warehouse"} <= materialized_keys(dumped)
    assert check_evaluations(dumped)["raw/repo_details:repo_details_expectations"].passed
    for mart in (mart for mart in MARTS if mart not in HUB_WIDE):
        rows = table_rows(dump_settings.duckdb_path, f"marts.{mart}")
        assert rows == table_rows(snap_settings.duckdb_path, f"marts.{mart}"), mart


def test_the_cut_rows_name_the_dump_they_came_from(world, runs):
    _, _, dump = world
    settings, _ = runs["hfcommunity"]
    for table, dump_table in (("repo_details", "repository"), ("commit_data", "commits")):
        labels = table_rows(settings.working_duckdb_path, f"(select distinct _source_file from raw.{table})")
        assert labels == [(f"{dump / f'{dump_table}.csv'}#{dump_table}",)], table
    snapshot_rows = len(read_csv(world[1] / "repo_details.csv"))
    (count,) = table_rows(settings.working_duckdb_path, "(select count(*) from raw.repo_details)")
    assert count == (snapshot_rows,)
