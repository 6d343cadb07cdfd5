"""What the write-audit-publish tests share (tests/integration/test_publish.py and
test_publish_faults.py, two files so that `make test`'s workers run them side by side): `make
run`'s command in its own process, the other generated data each next run writes, and the check
that the published warehouse opens complete."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DUCKDB_WRITER_POOL, PROJECT_ROOT, Settings
from tests.integration.builds import Build
from tests.integration.harness import WITHOUT_FIGURES

SCALE = "0.2"
# The other data is a fifth of the build's size: a fall the publish step's volume and coverage
# gate blocks (tests/integration/test_gates.py). Here publishing itself is the subject, so every
# run accepts that fall for itself, as `make run ACCEPT_CHANGE=1` does.
MATERIALIZE = ("materialize", "--select", WITHOUT_FIGURES, "--accept-volume-change")
# Dagster's log line for the start of a raw load's step: the run has begun to write.
WRITING_STARTED = 'STEP_START - Started execution of step "raw__'


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=timeout,
    )


def start_run(*options: str) -> tuple[subprocess.Popen, list[str]]:
    """`make run`'s command (without figures and report) in its own process group; its output
    collected line by line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *MATERIALIZE, *options],
        cwd=PROJECT_ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return process, lines


def other_data(seed: int, tmp_path: Path) -> dict[str, str]:
    """Generated files other than the build's: the next run has real changes to write."""
    return {"WAREHOUSE_GENERATOR_SEED": str(seed), "WAREHOUSE_GENERATOR_SCALE": SCALE,
            "WAREHOUSE_GENERATED_DIR": str(tmp_path / f"generated-{seed}")}


def use_other_data(first_version: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> Settings:
    """A copy of the published build, its next run on other generated data."""
    return first_version.copy(tmp_path, monkeypatch, **other_data(seed, tmp_path))


def published_count_mismatches(settings: Settings) -> dict[str, tuple[int, int]]:
    """Tables of the published warehouse whose row count is not the one its version recorded
    (recorded, actual); {"meta.table_row_counts": (0, 0)} when it records nothing."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        recorded = dict(conn.execute("select table_name, row_count from meta.table_row_counts").fetchall())
        actual = {table: conn.execute(f"select count(*) from {table}").fetchone()[0] for table in recorded}
    if not recorded:
        return {"meta.table_row_counts": (0, 0)}
    return {table: (rows, actual[table]) for table, rows in recorded.items() if actual[table] != rows}


def assert_published_opens_complete(settings: Settings) -> None:
    assert published_count_mismatches(settings) == {}


def writer_steps(settings: Settings) -> set[str]:
    """The step keys of the `duckdb_writer` pool's assets under these settings, from the
    definitions rather than listed by hand (a hand list once missed `raw_hfcommunity`)."""
    from orchestration.definitions import build_definitions

    graph = build_definitions(settings).resolve_asset_graph()
    return {a.node_def.name for a in graph.assets_defs if a.is_executable and a.node_def.pool == DUCKDB_WRITER_POOL}
