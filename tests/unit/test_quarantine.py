"""The quarantine's life cycle on a real DuckDB file: the same file again keeps it, a fixed file
clears it, the threshold rejects a file whole, and a rejected load leaves no quarantine row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.checks.quarantine import QUARANTINE_TABLE
from orchestration.checks.raw_checks import RawGate
from orchestration.synthetic.snapshot import generate_snapshot
from orchestration.defs.paper_snapshot.reader import LEADERBOARD, load_snapshot_file
from tests.bad_inputs import set_cell


@pytest.fixture(scope="module")
def good_leaderboard(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("snapshot")
    generate_snapshot(directory, seed=5, scale=0.1)
    return directory / LEADERBOARD.file_name


def load(conn, path: Path, *, run_id: str, max_share: float = 0.01):
    gate = RawGate("leaderboard", layout=LEADERBOARD.layout, run_id=run_id, max_share=max_share)
    return load_snapshot_file(conn, LEADERBOARD, path, audit=gate), gate


@pytest.fixture
def bad(good_leaderboard, tmp_path) -> Path:
    """The good file with one HellaSwag score of 101 (row 4)."""
    path = tmp_path / "leaderboard.csv"
    shutil.copy(good_leaderboard, path)
    set_cell("HellaSwag", 4, "101")(path, LEADERBOARD.delimiter)
    return path


def quarantine(conn) -> list[tuple]:
    return conn.execute(f"select source_row, column_name, value, run_id from {QUARANTINE_TABLE} order by all").fetchall()


def test_the_same_file_again_keeps_its_quarantine_and_a_fixed_file_clears_it(good_leaderboard, bad, tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        first, _ = load(conn, bad, run_id="run-1")
        assert first.accepted and quarantine(conn) == [(4, "hellaswag", "101", "run-1")]
        again, gate = load(conn, bad, run_id="run-2")
        assert again.accepted and not again.reloaded
        assert quarantine(conn) == [(4, "hellaswag", "101", "run-1")], "the row is not quarantined twice"
        assert gate.last.quarantine.rows == 1 and gate.last.quarantine.rows_read == first.rows + 1
        fixed, _ = load(conn, good_leaderboard, run_id="run-3")
        assert fixed.accepted and quarantine(conn) == []
        assert conn.execute("select count(*) from raw.leaderboard where _source_row = 4").fetchone()[0] == 1


def test_past_the_threshold_the_whole_file_is_rejected_and_nothing_is_quarantined(good_leaderboard, bad, tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        good, _ = load(conn, good_leaderboard, run_id="good")
        rejected, gate = load(conn, bad, run_id="strict", max_share=0.0)
        assert not rejected.accepted and not gate.last.quarantine.within_threshold
        assert "above WAREHOUSE_MAX_QUARANTINE_SHARE=0.00%" in gate.last.quarantine.summary
        assert quarantine(conn) == [], "the rejected load's quarantine rolled back with it"
        assert conn.execute("select count(*) from raw.leaderboard").fetchone()[0] == good.rows
