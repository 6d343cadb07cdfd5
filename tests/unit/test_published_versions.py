"""Publishing, versions, rollback and pruning on real DuckDB files (orchestration/wap)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.wap import versions as versions_module
from orchestration.wap.state import AUDITED, BUILDING, read_state, write_state
from orchestration.wap.versions import (
    PublicationInfo,
    PublishError,
    PublishTarget,
    TableAudit,
    connect_read_only,
    current_version,
    history,
    list_versions,
    publish,
    rollback,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_working(path: Path, models: int) -> Path:
    """A working database like the pipeline's: raw with lineage columns, staging, marts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists raw; create schema if not exists staging; "
                     "create schema if not exists marts")
        conn.execute("create or replace table raw.leaderboard as select range::varchar as model, "
                     "'/data/leaderboard.csv' as _source_file, 'abc123' as _source_checksum from range(?)",
                     [models])
        conn.execute("create or replace view staging.stg as select * from raw.leaderboard")
        conn.execute("create or replace table marts.dim_models as select range as model_key, "
                     "'m' || range as model_id from range(?)", [models])
        conn.execute("create or replace table marts.\"odd name; drop\" as select 1 as x")
    return path


@pytest.fixture
def target(tmp_path: Path) -> PublishTarget:
    return PublishTarget(tmp_path / "pub" / "warehouse.duckdb", tmp_path / "pub" / "warehouse.versions", keep=3)


@pytest.fixture
def working(tmp_path: Path) -> Path:
    return build_working(tmp_path / "work" / "working.duckdb", models=10)


def info(run_id: str = "run-1", checks=()) -> PublicationInfo:
    return PublicationInfo(run_id, run_id, "generated", "/data", list(checks))


def published_rows(path: Path) -> int:
    with connect_read_only(path) as conn:
        return conn.execute("select count(*) from marts.dim_models").fetchone()[0]


def test_publish_copies_the_marts_and_describes_the_version(target, working):
    checks = [{"asset": "raw/leaderboard", "check": "leaderboard_expectations", "passed": True,
               "severity": "ERROR", "run_id": "run-1"}]
    version, audits = publish(target, working, info(checks=checks))

    assert version.version_id.startswith("v00001-")
    assert {a.table for a in audits} == {"marts.dim_models", 'marts.odd name; drop'}
    assert all(a.matches for a in audits)
    assert target.published_path.stat().st_ino == version.path.stat().st_ino
    assert stat.S_IMODE(version.path.stat().st_mode) == 0o444
    with connect_read_only(target.published_path) as conn:
        schemas = {s for (s,) in conn.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts", "meta"}, "raw and staging stay in the working database"
        assert conn.execute("select version_id, run_id, source from meta.publication").fetchall() == [
            (version.version_id, "run-1", "generated")]
        assert conn.execute("select * from meta.source_files").fetchall() == [
            ("raw.leaderboard", "/data/leaderboard.csv", "abc123", 10)]
        assert conn.execute("select check_name, passed from meta.gating_checks").fetchall() == [
            ("leaderboard_expectations", True)]
        assert dict(conn.execute("select * from meta.table_row_counts").fetchall())["marts.dim_models"] == 10
    assert version.info["row_counts"]["marts.dim_models"] == 10
    assert current_version(target) == version
    assert [e["event"] for e in history(target)] == ["publish"]


def test_a_new_version_replaces_the_published_file_atomically(target, working):
    first, _ = publish(target, working, info("run-1"))
    build_working(working, models=25)
    second, _ = publish(target, working, info("run-2"))

    assert second.sequence == first.sequence + 1
    assert published_rows(target.published_path) == 25
    assert published_rows(first.path) == 10, "the earlier version is kept, unchanged"
    assert [v.version_id for v in list_versions(target)] == [first.version_id, second.version_id]


def test_the_version_records_where_its_weekly_rows_came_from(target, working):
    """A warehouse built by `make backfill` alone: no paper's file, the weekly files landed."""
    landed = PublicationInfo("run-1", "run-1", None, None, weekly_source="landing", weekly_source_dir="/in/v2")
    version, _ = publish(target, working, landed)
    with connect_read_only(target.published_path) as conn:
        assert conn.execute(
            "select source, source_dir, weekly_source, weekly_source_dir from meta.publication").fetchall() == [
            (None, None, "landing", "/in/v2")]
    assert (version.info["source"], version.info["weekly_source"], version.info["weekly_source_dir"]) == (
        None, "landing", "/in/v2")


def test_only_a_whole_version_file_name_is_a_version(target, working):
    """`$` also matches before a trailing newline: a name ending in one is not a version."""
    version, _ = publish(target, working, info())
    for name in (f"{version.path.name}\n", f"old-{version.path.name}", f"{version.path.name}.bak"):
        os.link(version.path, target.versions_dir / name)
    assert list_versions(target) == [version]


def test_rollback_restores_the_previous_version_byte_for_byte(target, working):
    first, _ = publish(target, working, info("run-1"))
    first_bytes = sha256(target.published_path)
    build_working(working, models=25)
    publish(target, working, info("run-2"))

    previous, now = rollback(target)

    assert now == first and previous.sequence == 2
    assert sha256(target.published_path) == first_bytes
    assert published_rows(target.published_path) == 10
    assert current_version(target) == first
    assert history(target)[-1]["event"] == "rollback"


def test_rollback_to_a_named_version_and_forward_again(target, working):
    first, _ = publish(target, working, info("run-1"))
    second, _ = publish(target, working, info("run-2"))
    rollback(target, to=first.version_id.split("-")[0])
    assert current_version(target) == first
    rollback(target, to=second.version_id)
    assert current_version(target) == second


def test_rollback_without_an_earlier_version_or_to_an_unknown_one_is_refused(target, working):
    with pytest.raises(PublishError, match="no version before"):
        rollback(target)
    only, _ = publish(target, working, info())
    with pytest.raises(PublishError, match="no version before"):
        rollback(target)
    with pytest.raises(PublishError, match=f"no published version 'v09999'; kept versions: {only.version_id}"):
        rollback(target, to="v09999")
    assert current_version(target) == only


def test_old_versions_are_pruned_but_never_the_current_one(target, working):
    published = [publish(target, working, info(f"run-{i}"))[0] for i in range(3)]
    rollback(target, to=published[0].version_id)
    for i in range(3, 6):
        publish(target, working, info(f"run-{i}"))
    kept = [v.sequence for v in list_versions(target)]
    assert kept == [4, 5, 6], "keep=3: the newest three"
    rollback(target, to="v00004")
    publish(target, working, info("run-6"))
    assert [v.sequence for v in list_versions(target)] == [5, 6, 7]
    assert not list(target.versions_dir.glob("v00001-*"))


def test_a_copy_that_differs_publishes_nothing(target, working, monkeypatch):
    first, _ = publish(target, working, info("run-1"))
    before = sha256(target.published_path)

    def corrupt(conn, schema, name):
        return TableAudit(f"{schema}.{name}", 10, 9, 1, 2)

    monkeypatch.setattr(versions_module, "_audit_table", corrupt)
    with pytest.raises(PublishError, match=r"the copy differs from the working database for marts\.dim_models \(10 vs 9 rows\)"):
        publish(target, working, info("run-2"))

    assert sha256(target.published_path) == before
    assert list_versions(target) == [first]
    assert not list(target.versions_dir.glob(".*.tmp")), "the half-made version is removed"


def test_publishing_needs_a_working_database_with_marts(target, tmp_path):
    with pytest.raises(PublishError, match="does not exist: nothing to publish"):
        publish(target, tmp_path / "missing.duckdb", info())
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="has no tables in marts"):
        publish(target, empty, info())
    assert not target.published_path.exists()


def test_leftovers_of_a_killed_publish_are_cleared_by_the_next(target, working):
    publish(target, working, info("run-1"))
    before = sha256(target.published_path)
    stale_version = target.versions_dir / ".v00002-20260101T000000Z.duckdb.tmp"
    stale_version.write_bytes(b"half a file")
    stale_swap = target.published_path.with_name(f".{target.published_path.name}.99999.swap")
    stale_swap.write_bytes(b"half a link")
    assert sha256(target.published_path) == before, "leftovers never touch the published file"

    second, _ = publish(target, working, info("run-2"))

    assert not stale_version.exists() and not stale_swap.exists()
    assert second.sequence == 2


def test_without_hard_links_the_published_file_is_a_renamed_copy(target, working, monkeypatch):
    def no_links(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    version, _ = publish(target, working, info())
    assert target.published_path.stat().st_ino != version.path.stat().st_ino
    assert sha256(target.published_path) == sha256(version.path)
    assert current_version(target) == version


def test_readers_are_told_when_nothing_is_published(target):
    with pytest.raises(PublishError, match="nothing has been published"):
        connect_read_only(target.published_path)
    assert current_version(target) is None


def test_audit_state_round_trip(tmp_path):
    assert read_state(tmp_path).status == BUILDING, "nothing built yet is not publishable"
    write_state(tmp_path, AUDITED, run_id="r1", step="dbt build")
    state = read_state(tmp_path)
    assert state.audited and state.run_id == "r1" and state.step == "dbt build"
    write_state(tmp_path, BUILDING, run_id="r2", step="raw/leaderboard")
    assert not read_state(tmp_path).audited
    with pytest.raises(ValueError, match="unknown audit status 'done'"):
        write_state(tmp_path, "done", run_id="r3", step="x")
