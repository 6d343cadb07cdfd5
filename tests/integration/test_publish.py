"""Write-audit-publish end to end: a full disk loses nothing, SQL users read while runs write,
and a rollback restores the previous version (crashes and concurrent runs:
tests/integration/test_publish_faults.py).

Runs are real: `python -m orchestration.cli materialize` in its own process (as `make run`),
or the job in this process; readers are separate processes with read-only DuckDB connections.
Every test starts on a copy of the session's generated build (the version users hold when the
next run starts) and runs on other generated data, so the run has changes to write. Runs leave
out the figures and the report: what is tested here ends at the publish. A full build costs
about a minute, so one copy serves three subjects in turn: a run that fails on a full disk, the
next run (space again) while SQL users read, and the two versions it leaves for rollback.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.warehouse.publish import REPLACED_UNCHANGED_CHECK
from orchestration.settings import DUCKDB_WRITER_POOL, PROJECT_ROOT, Settings
from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.wap.versions import PublishTarget, current_version, list_versions
from tests.conftest import make_settings
from tests.integration.builds import Build, exported_settings
from tests.integration.harness import PublishedState, check_evaluations, file_sha256, published_version_id, run_warehouse
from tests.integration.publish_runs import MATERIALIZE, cli, published_count_mismatches


@pytest.fixture(scope="module")
def first_version(generated_build) -> Build:
    """One run published: the version users hold when the next run starts."""
    return generated_build


# ------------------------------------------------------------------------------------------
# A full disk, then the next run with SQL users reading throughout
# ------------------------------------------------------------------------------------------


LARGER = "1.5"  # the generator's scale of a run that needs more room than the session's build (1x)


def start_readers(settings: Settings, stop: Path, out_dir: Path) -> list[tuple[Path, subprocess.Popen]]:
    """Five SQL users in their own processes (tests/integration/published_reader.py), reading
    until `stop` appears; one keeps a session open throughout. Returns once each has answered."""
    readers = []
    for index in range(5):
        out = out_dir / f"reader-{index}.json"
        hold = ["--hold"] if index == 4 else []
        readers.append((out, subprocess.Popen(
            [sys.executable, "-m", "tests.integration.published_reader",
             str(settings.duckdb_path), str(stop), str(out), *hold],
            cwd=PROJECT_ROOT, env=dict(os.environ))))
    deadline = time.monotonic() + 60
    while not all(Path(f"{out}.ready").exists() for out, _ in readers):
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.05)
    return readers


@dataclass(frozen=True)
class FullDiskThenReaders:
    """A run on more data than the build's that hit a full disk, then the next run (space
    again) while five SQL users read: what each step left, for the tests to judge."""

    build: Build
    """The copy after both runs: the build's version, then the recovery's (rollback's two)."""
    failed_run: subprocess.CompletedProcess
    before: PublishedState
    after_failure: PublishedState
    mismatches_after_failure: dict[str, tuple[int, int]]
    recovery: dg.ExecuteInProcessResult
    after: PublishedState
    answers: dict[str, list[dict]]
    reader_exit_codes: list[int]


@pytest.fixture(scope="module")
def full_disk_then_readers(first_version, tmp_path_factory) -> FullDiskThenReaders:
    """A full disk, simulated without root: the run's process may not write any file past the
    working database's current size (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails with
    EFBIG, as on a full disk). The run is on more data than the build's, so it must grow the
    working database (a run on less fits in the blocks it frees). Then, with space again, the
    next run (in this process) while five readers query the published warehouse."""
    root = tmp_path_factory.mktemp("full_disk_then_readers")
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = first_version.copy(root, monkeypatch, WAREHOUSE_GENERATOR_SEED="3", WAREHOUSE_GENERATOR_SCALE=LARGER,
                                      WAREHOUSE_GENERATED_DIR=str(root / "generated-3"))
        generate_snapshot(settings.generated_dir, seed=3, scale=float(LARGER))
        before = PublishedState.of(settings)
        limit = settings.working_duckdb_path.stat().st_size

        def disk_full_past_the_working_database() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        failed_run = subprocess.run(
            [sys.executable, "-m", "orchestration.cli", *MATERIALIZE], cwd=PROJECT_ROOT, env=dict(os.environ),
            capture_output=True, text=True, timeout=1200, preexec_fn=disk_full_past_the_working_database,
        )
        after_failure = PublishedState.of(settings)
        mismatches_after_failure = published_count_mismatches(settings)

        stop = root / "stop"
        readers = start_readers(settings, stop, root)
        recovery = run_warehouse(settings, accept_volume_change=True)
        time.sleep(1.0)
        stop.touch()
        codes = [process.wait(timeout=60) for _, process in readers]
        answers = {out.name: json.loads(out.read_text()) for out, _ in readers if out.exists()}
        return FullDiskThenReaders(Build(root, exported_settings()), failed_run, before, after_failure,
                                   mismatches_after_failure, recovery, PublishedState.of(settings), answers, codes)


def test_a_full_disk_at_the_working_database_fails_the_run_and_loses_nothing(full_disk_then_readers):
    """The run that hits the full disk fails; the published warehouse is untouched; the next
    run, with space again, needs no clean-up and publishes, and verified the file it replaced."""
    done = full_disk_then_readers
    output = done.failed_run.stdout + done.failed_run.stderr
    assert done.failed_run.returncode != 0, output[-3000:]
    assert "File too large" in output, output[-3000:]
    assert done.after_failure == done.before, "the published file changed"
    assert done.mismatches_after_failure == {}, "the published warehouse opens complete"

    assert done.recovery.success, "with space again, the next run needs no clean-up"
    assert done.after.version_id > done.before.version_id
    assert published_count_mismatches(done.build.settings) == {}
    replaced = check_evaluations(done.recovery)[f"published/warehouse:{REPLACED_UNCHANGED_CHECK}"]
    assert replaced.passed and replaced.metadata["status"].text == "ok", "the file it replaced was verified"


def test_sql_users_read_complete_versions_during_a_full_materialisation(full_disk_then_readers):
    done = full_disk_then_readers
    assert done.reader_exit_codes == [0] * 5
    assert done.recovery.success, "the run was not disturbed by five readers"
    before, after = done.after_failure, done.after  # what users held when the run started
    assert after.version_id > before.version_id
    for name, reader_answers in done.answers.items():
        assert [a["error"] for a in reader_answers if a["error"]] == [], f"{name} saw errors"
        assert all(a["complete"] for a in reader_answers), f"{name} saw an incomplete version"
        assert {a["version_id"] for a in reader_answers} <= {before.version_id, after.version_id}
    held = done.answers["reader-4.json"]
    assert {a["version_id"] for a in held} == {before.version_id}, "a connected reader keeps its view"
    for index in range(4):
        reader_answers = done.answers[f"reader-{index}.json"]
        assert len(reader_answers) > 20
        assert reader_answers[0]["version_id"] == before.version_id
        assert reader_answers[-1]["version_id"] == after.version_id, "a new connection sees the new version"


# ------------------------------------------------------------------------------------------
# Rollback and the SQL shell
# ------------------------------------------------------------------------------------------


@pytest.fixture
def two_versions(full_disk_then_readers, tmp_path, monkeypatch) -> Settings:
    """The build's version and the recovery run's after it (a version to roll back to); each
    test's own copy, since a rollback changes what is published."""
    return full_disk_then_readers.build.copy(tmp_path, monkeypatch)


def test_rollback_restores_the_previous_version(two_versions):
    settings = two_versions
    target = PublishTarget.from_settings(settings)
    *_, first, second = list_versions(target)
    assert current_version(target) == second

    rolled = cli("rollback")

    assert rolled.returncode == 0, rolled.stderr
    assert f"now serves {first.version_id} (was {second.version_id})" in rolled.stdout
    assert file_sha256(settings.duckdb_path) == file_sha256(first.path)
    assert published_version_id(settings) == first.version_id
    listing = cli("versions").stdout
    assert f" * {first.version_id}" in listing and f"   {second.version_id}" in listing

    oldest = list_versions(target)[0]
    assert cli("rollback", "--to", oldest.version_id.split("-")[0]).returncode == 0
    again = cli("rollback")
    assert again.returncode == 2 and "no version before" in again.stderr

    forward = cli("rollback", "--to", second.version_id.split("-")[0])
    assert forward.returncode == 0 and published_version_id(settings) == second.version_id


def test_sql_shell_is_read_only_on_the_published_warehouse(two_versions):
    query = cli("sql", "-csv", "-c", "select count(*) > 0 as filled from marts.dim_models")
    assert query.returncode == 0, query.stderr
    assert query.stdout.split() == ["filled", "true"]

    write = cli("sql", "-c", "create table marts.scratch as select 1")
    assert write.returncode != 0
    assert "read-only" in (write.stdout + write.stderr)


def test_sql_shell_says_when_nothing_is_published(tmp_path, monkeypatch):
    make_settings(tmp_path, monkeypatch)
    missing = cli("sql", "-c", "select 1")
    assert missing.returncode == 1 and "does not exist yet: run `make run` first" in missing.stderr


def test_every_writer_is_in_the_one_writer_pool(first_version):
    from orchestration.definitions import build_definitions

    graph = build_definitions(first_version.settings).resolve_asset_graph()
    pools = {key.to_user_string(): graph.get(key).pools for key in graph.get_all_asset_keys()
             if graph.get(key).is_materializable}
    writers = {key for key in pools if key.split("/")[0] in {"raw", "staging", "intermediate", "seeds",
                                                               "marts", "published"}}
    assert writers and all(pools[key] == {DUCKDB_WRITER_POOL} for key in writers)
    assert all(not pools[key] for key in pools if key.startswith("figures/")), "figures only read"
