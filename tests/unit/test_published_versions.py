"""Publishing, versions, rollback and pruning on real DuckDB files (orchestration/wap), and the
evidence when a published file is changed in place."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import print_versions, roll_back
from orchestration.settings import load_settings
from orchestration.wap import versions as versions_module
from orchestration.wap.state import AUDITED, BUILDING, read_state, write_state
from orchestration.wap.versions import (
    CHANGED_IN_PLACE,
    INTACT,
    UNVERIFIABLE,
    PublicationInfo,
    PublishError,
    PublishTarget,
    TableAudit,
    Version,
    connect_read_only,
    current_version,
    history,
    list_versions,
    publish,
    rollback,
    verify,
)
from tests.fault_points import TAMPERINGS


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
    assert sha256(target.published_path) == sha256(version.path) == version.sha256, "the served file is a copy"
    assert stat.S_IMODE(version.path.stat().st_mode) == 0o444
    assert stat.S_IMODE(target.published_path.stat().st_mode) == 0o444
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
    assert [(e["event"], e["sha256"]) for e in history(target)] == [("publish", version.sha256)]
    assert version.info["replaced"] is None, "nothing was served before"


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

    rolled = rollback(target)

    assert rolled.now == first and rolled.previous.sequence == 2 and rolled.refused == ()
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
    stale_sidecar = target.versions_dir / "v00002-20260101T000000Z.json"  # written just before the rename
    stale_sidecar.write_text("{}")
    stale_swap = target.published_path.with_name(f".{target.published_path.name}.99999.swap")
    stale_swap.write_bytes(b"half a copy")
    assert sha256(target.published_path) == before, "leftovers never touch the published file"

    second, _ = publish(target, working, info("run-2"))

    assert not stale_version.exists() and not stale_swap.exists() and not stale_sidecar.exists()
    assert second.sequence == 2
    assert [v.sequence for v in list_versions(target)] == [1, 2]


def test_a_served_file_copied_in_by_other_means_is_identified_by_its_own_meta(target, working):
    """A copy made without `publish` or `rollback` (a backup restored, a test's copy of a build;
    or a crash between the swap and served.json): served.json's inode no longer matches."""
    first, _ = publish(target, working, info("run-1"))
    publish(target, working, info("run-2"))
    # Both made while the served file exists, so neither reuses the inode served.json names.
    restored, garbage = target.published_path.with_name("restored.duckdb"), target.published_path.with_name("garbage")
    shutil.copyfile(first.path, restored)
    garbage.write_bytes(b"not a warehouse")

    os.replace(restored, target.published_path)
    assert current_version(target) == first
    assert verify(first, target.published_path).status == INTACT

    os.replace(garbage, target.published_path)
    assert current_version(target) is None, "a copy of none of the versions"
    third, _ = publish(target, working, info("run-3"))
    assert current_version(target) == third and third.info["replaced"] is None


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


# ---------------------------------------------------------------------------------------------
# Tamper evidence: a published file changed in place
# ---------------------------------------------------------------------------------------------


def write_a_row_through_duckdb(path: Path) -> None:
    """A writable `duckdb.connect` on a published file: what root can do despite mode 0444."""
    os.chmod(path, 0o644)  # root ignores 0444; anyone else would chmod first, so the test runs as any user
    with duckdb.connect(str(path)) as conn:
        conn.execute("insert into marts.dim_models values (999, 'tampered')")


def leave_a_write_uncheckpointed(path: Path) -> None:
    """A writer killed before its checkpoint: the file's bytes are unchanged, but its
    write-ahead log beside it is replayed by every reader (and onto the next file at that path)."""
    os.chmod(path, 0o644)
    with duckdb.connect(str(path)) as conn:
        conn.execute("pragma disable_checkpoint_on_shutdown")
        conn.execute("insert into marts.dim_models values (999, 'tampered')")
    assert path.with_name(f"{path.name}.wal").exists()


def append_bytes(path: Path) -> None:
    os.chmod(path, 0o644)
    with path.open("ab") as handle:
        handle.write(b"\0tampered")


TAMPER_WITH = {"duckdb-write": write_a_row_through_duckdb, "uncheckpointed-write": leave_a_write_uncheckpointed,
               "appended-bytes": append_bytes}
# Every way docs/reliability.md lists (tests/fault_points.py); one it lists without a function fails here.
EACH_TAMPERING = pytest.mark.parametrize("tamper", [TAMPER_WITH[name] for name in TAMPERINGS], ids=list(TAMPERINGS))


def settings_of(target: PublishTarget):
    """The CLI's settings for `target` (its versions directory is the published file's `<stem>.versions`)."""
    return load_settings({"WAREHOUSE_DUCKDB_PATH": str(target.published_path)})


def three_versions(target: PublishTarget, working: Path) -> list[Version]:
    published = []
    for models in (10, 25, 40):
        build_working(working, models=models)
        published.append(publish(target, working, info(f"run-{models}"))[0])
    return published


def test_no_two_published_files_share_an_inode(target, working):
    """So no write through one of them can change another."""
    first, second, third = three_versions(target, working)
    rollback(target, to=second.version_id)

    files = [target.published_path, *(v.path for v in list_versions(target))]
    stats = [path.stat() for path in files]
    assert [s.st_nlink for s in stats] == [1] * len(files)
    assert len({(s.st_dev, s.st_ino) for s in stats}) == len(files) == 4


@EACH_TAMPERING
def test_a_served_file_changed_in_place_is_reported_and_replaced_by_the_next_publish(target, working, tamper, capsys):
    first, second = (publish(target, working, info(f"run-{i}"))[0] for i in (1, 2))
    tamper(target.published_path)

    assert sha256(first.path) == first.sha256 and sha256(second.path) == second.sha256, "the kept versions are unaffected"
    assert verify(second, target.published_path).status == CHANGED_IN_PLACE
    assert current_version(target) == second, "still known as the copy of its version"
    assert print_versions(settings_of(target)) == 1
    out, err = capsys.readouterr()
    assert f" * {second.version_id}" in out and out.count(f"  {INTACT}\n") == 2, "both version files are ok"
    assert f"served file, a copy of {second.version_id}: {CHANGED_IN_PLACE}" in out
    assert f"WARNING: {second.version_id} ({target.published_path}) was CHANGED IN PLACE" in err

    third, _ = publish(target, working, info("run-3"))

    assert third.info["replaced"]["status"] == CHANGED_IN_PLACE
    assert third.info["replaced"]["version_id"] == second.version_id
    found = [e for e in history(target) if e["event"] == "changed_in_place"]
    assert [(e["found_by"], e["version_id"], e["path"]) for e in found] == [
        ("publish", second.version_id, str(target.published_path))]
    assert sha256(target.published_path) == third.sha256, "the next publish serves a good copy"
    assert published_rows(target.published_path) == 10, "and readers replay no write of the replaced file onto it"
    assert print_versions(settings_of(target)) == 0


def test_the_publish_asset_warns_of_a_replaced_file_that_changed(target, working):
    """The record `publish` leaves, as the `published/warehouse` asset reports it."""
    import dagster as dg  # here, so the rest of the module runs without Dagster's import time

    from orchestration.defs.warehouse.publish import REPLACED_UNCHANGED_CHECK, _replaced_check

    publish(target, working, info("run-1"))
    intact = _replaced_check(dg.build_asset_context(), publish(target, working, info("run-2"))[0].info["replaced"])
    append_bytes(target.published_path)
    changed = _replaced_check(dg.build_asset_context(), publish(target, working, info("run-3"))[0].info["replaced"])

    assert intact.passed and intact.metadata["status"].text == INTACT
    assert changed.check_name == REPLACED_UNCHANGED_CHECK and not changed.passed
    assert changed.severity == dg.AssetCheckSeverity.WARN, "a warning: the publish itself went ahead"
    assert changed.description.startswith("v00002-") and "was CHANGED IN PLACE" in changed.description
    assert "replaced by this version" in changed.description


def test_the_coverage_gate_compares_with_the_kept_version_not_the_served_copy(target, working):
    """A served file changed in place must not move the publish gate (orchestration/wap/coverage.py)."""
    from orchestration.defs.warehouse.publish import _coverage_check
    from orchestration.resources import WarehouseResource

    with duckdb.connect(str(working)) as conn:  # raw rows only: the mart figures need the real marts
        conn.execute("drop table marts.dim_models")
    publish(target, working, info())
    os.chmod(target.published_path, 0o644)
    with duckdb.connect(str(target.published_path)) as conn:
        conn.execute("update meta.source_files set row_count = 1000000")  # as if 10 rows now were a fall
    warehouse = WarehouseResource(working_duckdb_path=str(working), published_duckdb_path=str(target.published_path),
                                  versions_dir=str(target.versions_dir))

    coverage = _coverage_check(warehouse, target, accepted=False)

    assert coverage.passed, coverage.description


def test_a_changed_served_file_is_restored_from_its_own_kept_version(target, working):
    version, _ = publish(target, working, info())
    write_a_row_through_duckdb(target.published_path)

    rolled = rollback(target, to=version.version_id)

    assert rolled.now == version and rolled.refused == ()
    assert rolled.replaced.status == CHANGED_IN_PLACE, "what it replaced is reported"
    assert [(e["found_by"], e["version_id"]) for e in history(target) if e["event"] == "changed_in_place"] == [
        ("rollback", version.version_id)]
    assert sha256(target.published_path) == version.sha256
    assert published_rows(target.published_path) == 10


@EACH_TAMPERING
def test_a_version_changed_in_place_is_never_served_by_rollback(target, working, tamper, capsys):
    first, second, third = three_versions(target, working)
    tamper(second.path)
    served = sha256(target.published_path)

    assert served == third.sha256 and sha256(first.path) == first.sha256, "the other files are unaffected"
    assert print_versions(settings_of(target)) == 1
    out, err = capsys.readouterr()
    assert f"   {second.version_id}" in out and out.count(f"mart rows  {CHANGED_IN_PLACE}\n") == 1
    assert f"served file, a copy of {third.version_id}: {INTACT}" in out
    assert f"WARNING: {second.version_id} ({second.path}) was CHANGED IN PLACE" in err

    with pytest.raises(PublishError, match=rf"never serves .*{second.version_id} .* was CHANGED IN PLACE"):
        rollback(target, to=second.version_id.split("-")[0])
    assert sha256(target.published_path) == served, "a refused rollback leaves the published file as it was"
    assert roll_back(settings_of(target), second.version_id) == 2
    assert "CHANGED IN PLACE" in capsys.readouterr().err

    assert roll_back(settings_of(target), None) == 0
    out, err = capsys.readouterr()
    assert f"passed over {second.version_id}" in err and f"now serves {first.version_id} (was {third.version_id})" in out
    assert sha256(target.published_path) == first.sha256
    assert published_rows(target.published_path) == 10
    assert history(target)[-1]["passed_over"] == [second.version_id]
    assert {e["found_by"] for e in history(target) if e["event"] == "changed_in_place"} == {"rollback"}


def test_rollback_refuses_when_no_earlier_version_is_intact(target, working):
    first, second = (publish(target, working, info(f"run-{i}"))[0] for i in (1, 2))
    append_bytes(first.path)

    with pytest.raises(PublishError, match=rf"no intact version before {second.version_id} to roll back to: "
                                           rf"{first.version_id} .* was CHANGED IN PLACE"):
        rollback(target)
    assert current_version(target) == second and sha256(target.published_path) == second.sha256


def test_a_version_without_a_recorded_checksum_is_not_served_by_rollback(target, working):
    """Published before checksums were kept: it cannot be verified, so it is not served."""
    first, second = (publish(target, working, info(f"run-{i}"))[0] for i in (1, 2))
    sidecar = json.loads(first.sidecar.read_text())
    del sidecar["sha256"]
    first.sidecar.write_text(json.dumps(sidecar))

    assert verify(list_versions(target)[0]).status == UNVERIFIABLE
    with pytest.raises(PublishError, match=rf"no intact version before .* {first.version_id} .* cannot be verified"):
        rollback(target)
    assert current_version(target) == second


# ------------------------------------------------------------------------------------------
# Nothing changed: nothing published (issue 20)
# ------------------------------------------------------------------------------------------


def test_unchanged_version_is_the_served_one_while_the_marts_and_their_files_are_the_same(target, working):
    from orchestration.wap.versions import unchanged_version

    assert unchanged_version(target, working, info()) is None, "nothing published yet"
    version, _ = publish(target, working, info())
    assert unchanged_version(target, working, info("run-2")) == version, "another run id is no change"

    assert unchanged_version(target, working, PublicationInfo("run-2", "run-2", "generated", "/other")) is None, \
        "another source directory is a change"
    with duckdb.connect(str(working)) as conn:
        conn.execute("update raw.leaderboard set _source_checksum = 'def456'")
    assert unchanged_version(target, working, info("run-2")) is None, "marts built from another file"
    with duckdb.connect(str(working)) as conn:
        conn.execute("update raw.leaderboard set _source_checksum = 'abc123'")
        conn.execute("update marts.dim_models set model_id = 'm-changed' where model_key = 3")
    assert unchanged_version(target, working, info("run-2")) is None, "one mart value changed"


def test_unchanged_version_is_none_when_the_served_file_changed_in_place(target, working):
    from orchestration.wap.versions import unchanged_version

    publish(target, working, info())
    os.chmod(target.published_path, 0o644)
    with duckdb.connect(str(target.published_path)) as conn:
        conn.execute("create table marts.extra as select 1 as x")
    assert unchanged_version(target, working, info("run-2")) is None, "a new version replaces the changed file"


def test_a_version_holds_the_published_schemas_only_not_the_working_databases_other_blocks(target, working):
    """The raw, staging and intermediate tables stay in the working database: not even their
    freed blocks are in a version (a byte copy kept them, as large as the working file)."""
    with duckdb.connect(str(working)) as conn:
        conn.execute("create or replace table raw.big as select range as id, md5(range::varchar) as text, "
                     "'/data/big.csv' as _source_file, 'bbb' as _source_checksum from range(400000)")
        # A mart written after it: the raw blocks are not the file's last, which a checkpoint could cut off.
        conn.execute("create table marts.after_raw as select range as x from range(1000)")
    version, audits = publish(target, working, info())

    assert version.path.stat().st_size < working.stat().st_size / 4
    with connect_read_only(version.path) as conn:
        schemas = {s for (s,) in conn.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        recorded = conn.execute("select table_name, checksum_sha256 from meta.source_files order by all").fetchall()
    assert schemas == {"marts", "meta"}
    assert ("raw.big", "bbb") in recorded, "the raw files are still named in meta.source_files"
    assert all(a.matches for a in audits)
    assert verify(version).intact and sha256(target.published_path) == version.sha256
