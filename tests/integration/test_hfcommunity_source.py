"""WAREHOUSE_SOURCE=hfcommunity: raw/repo_details and raw/commit_data cut from an HFCommunity
dump build the same marts as the snapshot of the same data.

The dump is written here, independently of the project's code, as HFCommunity publishes it: a
`.zip` holding a MariaDB dump whose tables are the extractor's v1.1 `CREATE TABLE` statements
(SOM-Research/HFCommunity, extractor/databaseImport.py at 7a71694, as mysqldump prints them),
from a Hub-consistent generated snapshot (tests/hub_server.py, where a repo is created with its
first commit; a repo without commit history gets the Hub's initial commit, by `system`, at its
creation): every repo_details row becomes a `repository` row (its card's base_model,
datasets and language as YAML, `str(ModelCardData)`), a `model` row and its `tags_in_repo`
rows; every commit_data row becomes that many `commits` (author_date in a +02:00 wall clock with
author_tz -7200), the first at first_commit, the last at last_commit, the authors in the order
the list literal gives them."""

from __future__ import annotations

import ast
import hashlib
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.conftest import make_settings
from tests.hub_server import read_csv
from tests.integration.harness import HUB_MARTS, MARTS, check_evaluations, materialized_keys, run_failures, run_warehouse, table_rows

DUMP_MEMBER = "dump_hfc_test.sql"
# The extractor's v1.1 tables (extractor/databaseImport.py at 7a716946279e3706512b04b60671541d461a3adb).
SCHEMA = {
    "author": "`username` varchar(256) NOT NULL, `avatar_url` text, `is_pro` int(11), `fullname` text, `type` varchar(64), `source` varchar(256)",
    "commits": "`sha` varchar(256) NOT NULL, `repo_id` varchar(256), `message` longtext, `author_date` datetime, `author_tz` int(11), "
               "`committer_date` datetime, `committer_tz` int(11), `in_main_branch` int(11), `insertions` int(11), "
               "`deletions` int(11), `author_name` varchar(256), `committer_name` varchar(256), `source` varchar(32)",
    "discussion": "`num` int(11) NOT NULL, `repo_id` varchar(256) NOT NULL, `author` varchar(256), `title` text, `status` text, "
                  "`created_at` datetime, `is_pull_request` int(11), `target_branch` varchar(64), `merge_commit_oid` varchar(256), "
                  "`diff` longtext, `git_reference` text",
    "model": "`model_id` varchar(256) NOT NULL, `pipeline_tag` text, `downloads` int(11), `library_name` text, `likes` int(11), `config` longtext",
    "repo_file": "`id` char(64) NOT NULL, `filename` text, `repo_id` varchar(256), `size` bigint(20), `blob_id` varchar(256), "
                 "`lfs_size` bigint(20), `lfs_sha` varchar(256), `lfs_pointer_size` bigint(20)",
    "repository": "`id` varchar(256) NOT NULL, `name` text, `type` varchar(7), `author` varchar(256), `sha` text, "
                  "`last_modified` datetime, `private` int(11), `card_data` longtext, `gated` int(11), `likes` int(11), `disabled` int(11)",
    "tags_in_repo": "`tag_name` varchar(256) NOT NULL, `repo_id` varchar(256) NOT NULL",
}  # fmt: skip
PLUS_TWO = timedelta(hours=2)


def _sha(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def _utc(text: str) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text.strip() else None


def _card_value(text: str) -> object:
    """A paper cell (`['a', 'b']`, a plain id, or empty) as the card metadata held it."""
    return ast.literal_eval(text) if text.startswith("[") else text


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{text}'"


def _table(name: str, rows: list[list[object]]) -> str:
    columns = [column if column.startswith("`") else f"`{column}" for column in SCHEMA[name].split(", `")]
    text = f"DROP TABLE IF EXISTS `{name}`;\nCREATE TABLE `{name}` (\n  " + ",\n  ".join(columns) + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
    text += f"LOCK TABLES `{name}` WRITE;\n"
    for start in range(0, len(rows), 100):
        text += f"INSERT INTO `{name}` VALUES " + ",".join("(" + ",".join(map(_literal, row)) + ")" for row in rows[start:start + 100]) + ";\n"
    return text + "UNLOCK TABLES;\n"


def dump_from_snapshot(snapshot: Path, out: Path) -> Path:
    """An HFCommunity dump (.zip of a MariaDB dump, schema v1.1) holding the snapshot's repos and commits."""
    out.mkdir(parents=True)
    repositories, models, tags, files, discussions, authors = [], [], [], [], [], {}
    for row in read_csv(snapshot / "repo_details.csv"):
        repo_id = f"models/{row['name']}"
        card = {key: _card_value(row[key]) for key in ("base_model", "datasets", "language") if row[key]}
        modified = _utc(row["last_modified"])
        repositories.append([
            repo_id, row["name"], "model", row["author"], _sha(repo_id),
            modified.strftime("%Y-%m-%d %H:%M:%S") if modified else None,
            0, yaml.safe_dump(card, sort_keys=False).strip() if card else "None", 0, None, 0,
        ])
        models.append([repo_id, "text-generation", int(row["downloads"]) if row["downloads"] else None, row["library_name"] or None, None, "None"])
        tags += [[tag, repo_id] for tag in (ast.literal_eval(row["tags"]) if row["tags"] else [])]
        files.append([hashlib.sha256(f"{repo_id}_README.md".encode()).hexdigest(), "README.md", repo_id, 1024, _sha(repo_id, "readme"), None, None, None])
        discussions.append([1, repo_id, row["author"] or "someone", "Question", "open", "2024-01-02 03:04:05", 0, None, None, None, None])
        authors[row["author"] or "someone"] = "hf_owner"
    commits = []
    with_history = {row["name"] for row in read_csv(snapshot / "commit_data.csv")}
    for row in read_csv(snapshot / "repo_details.csv"):
        if row["name"] not in with_history:  # the repo's initial commit, made by the Hub when it was created
            local = (_utc(row["created_at"]) + PLUS_TWO).strftime("%Y-%m-%d %H:%M:%S")
            commits.append([_sha(row["name"], "initial"), f"models/{row['name']}", "initial commit", local, -7200,
                            local, -7200, 1, 1, 0, "system", "system", "pydriller"])
            authors.setdefault("system", "commit")
    for row in read_csv(snapshot / "commit_data.csv"):
        names, count = ast.literal_eval(row["authors"]), int(row["num_of_commits"])
        first, last = _utc(row["first_commit"]), _utc(row["last_commit"])
        assert count >= max(len(names), 1) and first and last, row
        for index in range(count):
            when = first if index < count - 1 else last
            when = min(when + timedelta(seconds=index), last) if index < count - 1 else last
            author = names[min(index, len(names) - 1)] if names else None
            local = (when + PLUS_TWO).strftime("%Y-%m-%d %H:%M:%S")  # the author's wall clock at +02:00
            commits.append([_sha(row["name"], index), f"models/{row['name']}", f"commit {index}", local, -7200,
                            local, -7200, 1, 1, 0, author, author, "pydriller"])
            authors.setdefault(author, "commit") if author else None
    author_rows = [[name, None, None, None, None, source] for name, source in authors.items()]
    text = "-- MariaDB dump 10.19  Distrib 10.3.39-MariaDB\n/*!40101 SET NAMES utf8mb4 */;\n"
    for name, rows in sorted({"author": author_rows, "commits": commits, "discussion": discussions, "model": models,
                              "repo_file": files, "repository": repositories, "tags_in_repo": tags}.items()):  # fmt: skip
        text += _table(name, rows)
    path = out / "dump_hfc_test.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DUMP_MEMBER, text)
    return path


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
    assert snap.success and dumped.success, f"{run_failures(snap)}\n{run_failures(dumped)}"
    assert {"raw/repo_details", "raw/commit_data", "raw/hfc_repository", "published/warehouse"} <= materialized_keys(dumped)
    assert check_evaluations(dumped)["raw/repo_details:repo_details_expectations"].passed
    # Every mart but the Hub-wide ones (drawn from the whole dump) comes out the same from either source.
    for mart in (mart for mart in MARTS if mart not in HUB_MARTS):
        rows = table_rows(dump_settings.duckdb_path, f"marts.{mart}")
        assert rows == table_rows(snap_settings.duckdb_path, f"marts.{mart}"), mart


def test_the_cut_rows_name_the_dump_they_came_from(world, runs):
    _, _, dump = world
    settings, _ = runs["hfcommunity"]
    for table, dump_table in (("repo_details", "repository"), ("commit_data", "commits")):
        labels = table_rows(settings.working_duckdb_path, f"(select distinct _source_file from raw.{table})")
        assert labels == [(f"{dump}!/{DUMP_MEMBER}#{dump_table}",)], table
    snapshot_rows = len(read_csv(world[1] / "repo_details.csv"))
    (count,) = table_rows(settings.working_duckdb_path, "(select count(*) from raw.repo_details)")
    assert count == (snapshot_rows,)
