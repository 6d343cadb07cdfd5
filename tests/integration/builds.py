"""Warehouses built once per test session, and copied for each test that changes one.

A build is a real `build_warehouse` run (and, where named, a weekly backfill run) on a Dagster
instance in its own DAGSTER_HOME, exactly as `make run` leaves it. `Build.copy` gives a test its
own working database and published versions (and its DAGSTER_HOME, figures and report when it
asks) in a fraction of a second, with the
build's inputs (generated files, real snapshots, landing directories) shared read-only: a test
that edits an input copies that input itself.

The session builds (fixtures in tests/conftest.py):
- `generated_build`: `make run` on the offline default (figures and report included);
- `real_snapshot_build`: the real paper snapshot (figures and report included);
- `real_weekly_build`: every real weekly v2 file, one backfill run (no paper build).
docs/testing.md says which tests use which, and how to add a test without adding a build.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar
from pathlib import Path

import dagster as dg
import pytest
from filelock import FileLock

from orchestration.settings import Settings
from tests.conftest import make_settings

# Where a build writes (a copy gets its own); every other setting names an input (shared).
OUTPUT_SETTINGS = (
    "WAREHOUSE_DUCKDB_PATH", "WAREHOUSE_WORK_DIR", "WAREHOUSE_FIGURES_DIR", "WAREHOUSE_REPORT_DIR",
    "DAGSTER_HOME", "WAREHOUSE_SPARK_DIR",
)
GENERATOR_SETTINGS = ("WAREHOUSE_GENERATOR_SEED", "WAREHOUSE_GENERATOR_SCALE")


@dataclass(frozen=True)
class Build:
    """A built warehouse: the settings it was built with and the runs that built it."""

    root: Path
    environment: Mapping[str, str]
    """The settings as environment variables, outputs under `root` (make_settings' layout)."""
    results: Mapping[str, dg.ExecuteInProcessResult] = field(default_factory=dict)
    """The runs that built it, by name (`core`: build_warehouse, `weekly`: the backfill)."""

    @property
    def settings(self) -> Settings:
        from orchestration.settings import load_settings

        return load_settings(self.environment)

    @property
    def inputs(self) -> dict[str, str]:
        return {name: value for name, value in self.environment.items() if name not in OUTPUT_SETTINGS}

    def copy(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, outputs: bool = False,
             dagster_home: bool = False, **overrides: str) -> Settings:
        """Settings for a copy of this warehouse under `tmp_path`, exported to the environment:
        the working database and the published versions (the version files hard-linked, since
        the project never writes one again; the served file a byte copy, as `publish` makes it);
        with `outputs` the figures and report, with `dagster_home` the build's DAGSTER_HOME
        (runs then record there, as `make run`'s do: about 4 s more per run for Dagster's
        SQLite storage; without it, the harness runs on an ephemeral instance).
        Inputs stay shared; overrides name other inputs (give a new WAREHOUSE_GENERATED_DIR with
        a new seed or scale, or the generator would rewrite the shared files)."""
        if set(overrides) & set(GENERATOR_SETTINGS) and "WAREHOUSE_GENERATED_DIR" not in overrides:
            raise ValueError("another generator seed or scale needs its own WAREHOUSE_GENERATED_DIR")
        source = self.settings
        settings = make_settings(tmp_path, monkeypatch, **{**self.inputs, **overrides})
        copy_warehouse(source, settings, outputs=outputs, dagster_home=dagster_home)
        return settings

    RECORD: ClassVar[str] = "build.json"

    def save(self) -> None:
        """Record the build beside it (its settings and its runs' ids) for `load`."""
        runs = {name: result.run_id for name, result in self.results.items()}
        (self.root / self.RECORD).write_text(json.dumps({"environment": dict(self.environment), "runs": runs}))

    @classmethod
    def load(cls, root: Path) -> Build:
        """The build `save` recorded under `root`, its runs read back from its DAGSTER_HOME."""
        record = json.loads((root / cls.RECORD).read_text())
        with dg.DagsterInstance.from_config(record["environment"]["DAGSTER_HOME"]) as instance:
            results = {name: recorded_result(instance, run_id) for name, run_id in record["runs"].items()}
        return cls(root, record["environment"], results)


def recorded_result(instance: dg.DagsterInstance, run_id: str) -> dg.ExecuteInProcessResult:
    """A finished run as `execute_in_process` returned it (its events, its run), read back from
    the instance that recorded it: what tests read of a build's runs (`success`, the events, the
    materialisations and check evaluations) without the job definition."""
    events = [entry.dagster_event for entry in instance.all_logs(run_id) if entry.is_dagster_event]
    return dg.ExecuteInProcessResult(event_list=events, dagster_run=instance.get_run_by_id(run_id),
                                     output_capture=None, job_def=None)


def once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """`make(root)` run once per test session, however many pytest-xdist workers ask: the first
    worker to ask makes it under a directory every worker shares, the others wait for it and use
    it (`make test` runs two workers, and each would otherwise build the same warehouse). Under a
    single process, the session's own temporary directory. A failure is reported to every worker
    that asks, not retried on a half-made directory."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        root = tmp_path_factory.mktemp(name)
        make(root)
        return root
    root = tmp_path_factory.getbasetemp().parent / name
    done, failed = root.with_name(f"{name}.done"), root.with_name(f"{name}.failed")
    with FileLock(str(root.with_name(f"{name}.lock"))):
        if failed.exists():
            pytest.fail(f"the shared session build {name} failed in another worker: {failed.read_text()}")
        if not done.exists():
            root.mkdir()
            try:
                make(root)
            except BaseException as error:
                failed.write_text(f"{type(error).__name__}: {error}")
                raise
            done.touch()
    return root


def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, **build_arguments) -> Build:
    """`build(...)` once per test session (once_per_session), shared by every worker."""
    made: list[Build] = []

    def make(root: Path) -> None:
        made.append(build(root, **build_arguments))
        made[0].save()

    root = once_per_session(tmp_path_factory, name, make)
    return made[0] if made else Build.load(root)


def copy_warehouse(source: Settings, target: Settings, *, outputs: bool = False, dagster_home: bool = False) -> None:
    """Give `target` a copy of `source`'s working database (without its dbt artifacts) and its
    published versions, the published file a byte copy of the same current version (found by
    its own `meta` until the next publish records it); with `outputs` its figures and report,
    with `dagster_home` its DAGSTER_HOME."""
    from orchestration.wap.versions import SERVED_RECORD_NAME, PublishTarget, current_version

    shutil.copytree(source.work_dir, target.work_dir, dirs_exist_ok=True,
                    ignore=lambda directory, names: ["dbt"] if Path(directory) == source.work_dir else [])
    target.versions_dir.mkdir(parents=True, exist_ok=True)
    for path in source.versions_dir.iterdir():
        if path.suffix == ".duckdb":
            os.link(path, target.versions_dir / path.name)
        elif path.is_file() and path.name != SERVED_RECORD_NAME:  # it names the source's served file
            shutil.copy2(path, target.versions_dir / path.name)
    current = current_version(PublishTarget.from_settings(source))
    if current is not None:
        shutil.copyfile(current.path, target.duckdb_path)
    if dagster_home and source.dagster_home.exists():
        shutil.copytree(source.dagster_home, target.dagster_home, dirs_exist_ok=True)
    if outputs:
        for directory, copy in ((source.figures_dir, target.figures_dir), (source.report_dir, target.report_dir)):
            if directory.exists():
                shutil.copytree(directory, copy, dirs_exist_ok=True)


EVERY_WEEK = "every week with a file"
"""`weeks` of `build`: what `make run`'s backfill loads, every week with a file in the landing
directory (or among the generated weekly files)."""


def landed_weeks(settings: Settings) -> tuple[str, str]:
    """The first and last week `make run`'s backfill would load."""
    from orchestration.cli import backfill_weeks
    from orchestration.partitions import WEEKLY_PARTITIONS
    from orchestration.resources import build_resources

    weekly_dir = build_resources(settings)["weekly_source"].resolve_dir()
    return backfill_weeks(weekly_dir, None, None, WEEKLY_PARTITIONS.get_partition_keys())


def build(root: Path, *, figures: bool, weeks: tuple[str, str] | str | None = None, core: bool = True,
          **environment: str) -> Build:
    """Build a warehouse under `root` as `make run` does: `build_warehouse` (without figures and
    report unless `figures`), then the weekly backfill of `weeks` (a range, or EVERY_WEEK; with `figures`
    the v2 figures and the report again, as the weekly job ends), on a Dagster instance in the build's own
    DAGSTER_HOME."""
    from orchestration.cli import prepare_dagster_home
    from tests.integration.harness import run_warehouse, run_weekly

    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = make_settings(root, monkeypatch, **environment)
        prepare_dagster_home(settings)
        results = {}
        with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
            if core:
                results["core"] = run_warehouse(settings, figures=figures, instance=instance)
                assert results["core"].success, f"the session build under {root} failed"
            if weeks:
                results["weekly"] = run_weekly(settings, instance, *(landed_weeks(settings) if weeks == EVERY_WEEK else weeks),
                                               figures=figures)
                assert results["weekly"].success, f"the session backfill under {root} failed"
        return Build(root, exported_settings(), results)


def exported_settings() -> dict[str, str]:
    """The settings exported to this process's environment now (by make_settings)."""
    from tests.conftest import SETTING_NAMES

    return {name: os.environ[name] for name in SETTING_NAMES if os.environ.get(name)}
