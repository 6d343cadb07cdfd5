"""Shared fixtures: the dbt manifest once per session, settings for a temporary warehouse per
test, the real data, and the warehouses built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No telemetry from any tool under test.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from orchestration.settings import SETTINGS, Settings, load_settings, real_data_dir  # noqa: E402

# The variables that choose a warehouse (every setting but the tests' own), cleared by make_settings.
SETTING_NAMES = tuple(setting.name for setting in SETTINGS if setting.group != "tests")


def pytest_configure(config: pytest.Config) -> None:
    """`dbt parse` before any test module imports the dbt assets (they read the manifest): once,
    in the main process; pytest-xdist's workers (make test) start after it and read it."""
    from orchestration.cli import prepare_manifest

    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        prepare_manifest(load_settings())


# The longest files first (by their measured time): with `make test`'s workers (a whole file
# each, in this order), none is left alone with a long file at the end while the other idles. The
# first two need different session builds, so each worker starts by building its own.
LONGEST_FIRST = (
    "tests/integration/test_spark_engine.py",
    "tests/integration/test_weekly_history.py",
    "tests/integration/test_publish_faults.py",
    "tests/integration/test_publish.py",
    "tests/browser/test_browser.py",
    "tests/integration/test_gates.py",
    "tests/integration/test_huggingface_source.py",
    "tests/integration/test_v1_final_table.py",
    "tests/integration/test_generated_default.py",
    "tests/integration/test_era_verdicts.py",
    "tests/integration/test_weekly_automation.py",
    "tests/integration/test_real_snapshot.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a file's tests keep their order


def make_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **overrides: str) -> Settings:
    """Settings for one test: every path under tmp_path, set in the environment (as a user sets
    them) for the code that reads the settings again, e.g. a subprocess."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    values = {
        "WAREHOUSE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "WAREHOUSE_WORK_DIR": str(tmp_path / "work"),
        "WAREHOUSE_GENERATED_DIR": str(tmp_path / "generated"),
        "WAREHOUSE_FIGURES_DIR": str(tmp_path / "figures"),
        "WAREHOUSE_REPORT_DIR": str(tmp_path / "report"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "WAREHOUSE_SPARK_DIR": str(tmp_path / "spark"),
        **overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@pytest.fixture
def settings_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def factory(**overrides: str) -> Settings:
        return make_settings(tmp_path, monkeypatch, **overrides)

    return factory


@pytest.fixture(scope="session")
def real_weekly_dir() -> Path:
    path = real_data_dir() / "open-llm-leaderboard" / "v2_weekly"
    if not any(path.glob("huggingface_v2_*.csv.gz")):
        pytest.fail(f"the real weekly v2 snapshots are missing at {path} (set WAREHOUSE_REAL_DATA_DIR)")
    return path


# ------------------------------------------------------------------------------------------
# Warehouses built once per session (tests/integration/builds.py; docs/testing.md): a test
# that changes one takes `<build>.copy(tmp_path, monkeypatch)`.
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory):
    """`make run` on the offline default: the paper's warehouse with its figures and report,
    then every generated week in one backfill run."""
    from tests.integration.builds import EVERY_WEEK, shared_build

    return shared_build(tmp_path_factory, "generated_build", figures=True, weeks=EVERY_WEEK)


@pytest.fixture(scope="session")
def real_snapshot_dir() -> Path:
    path = real_data_dir() / "paper-snapshot-2024-05"
    if not (path / "leaderboard.csv").exists():
        pytest.fail(f"the real paper snapshot is missing at {path} (set WAREHOUSE_REAL_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def real_final_table() -> Path:
    """The real final v1 table (v1_2024-07-07.csv)."""
    path = real_data_dir() / "open-llm-leaderboard" / "v1_2024-07-07.csv"
    if not path.is_file():
        pytest.fail(f"the real final v1 table is missing at {path} (set WAREHOUSE_REAL_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def real_snapshot_build(tmp_path_factory, real_snapshot_dir):
    """The paper's warehouse from the real paper snapshot, with its figures and report."""
    from tests.integration.builds import shared_build

    return shared_build(tmp_path_factory, "real_snapshot_build", figures=True,
                        WAREHOUSE_SNAPSHOT_DIR=str(real_snapshot_dir))


REAL_FIRST_WEEK, REAL_LAST_WEEK = "2024-07-07", "2025-02-02"


@pytest.fixture(scope="session")
def real_weekly_build(tmp_path_factory, real_weekly_dir):
    """Every real weekly v2 file loaded, audited and published by one backfill run (no paper build)."""
    from tests.integration.builds import shared_build

    return shared_build(tmp_path_factory, "real_weekly_build", figures=False, core=False,
                        weeks=(REAL_FIRST_WEEK, REAL_LAST_WEEK), WAREHOUSE_LANDING_DIR=str(real_weekly_dir))


@pytest.fixture(scope="session")
def hub_snapshot(tmp_path_factory) -> Path:
    """A small generated snapshot made consistent with what the Hub serves (tests/hub_server.py):
    the data behind the fake Hub and the HFCommunity dump written from it."""
    from orchestration.synthetic.snapshot import generate_snapshot
    from tests.hub_server import hub_consistent_snapshot
    from tests.integration.builds import once_per_session

    def make(root: Path) -> None:
        generate_snapshot(root / "generated", seed=7, scale=0.05)
        hub_consistent_snapshot(root / "generated", root / "snapshot")

    return once_per_session(tmp_path_factory, "hub_snapshot", make) / "snapshot"


@pytest.fixture(scope="session")
def hub_snapshot_build(tmp_path_factory, hub_snapshot):
    """`hub_snapshot` read as a snapshot (final v1 table layout): what the huggingface and the
    hfcommunity sources of the same data must equal, mart for mart."""
    from tests.integration.builds import shared_build

    return shared_build(tmp_path_factory, "hub_snapshot_build", figures=False, WAREHOUSE_SOURCE="snapshot",
                        WAREHOUSE_SNAPSHOT_DIR=str(hub_snapshot), WAREHOUSE_V1_SOURCE="final_table")
