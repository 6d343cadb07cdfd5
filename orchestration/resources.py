"""Resources: the working DuckDB database, the published warehouse, the raw source files, the
figures and report directories, dbt."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.settings import (
    DBT_PROJECT_DIR,
    HFCOMMUNITY_GENERATED_NAME,
    WEEKLY_GENERATED,
    WEEKLY_LANDING,
    Settings,
)
from orchestration.defs.paper_snapshot.reader import LEADERBOARD_LAYOUTS, SNAPSHOT_FILES, V1_FINAL_BESIDE, V1_FINAL_LAYOUTS, SnapshotFile
from orchestration.wap.inputs import LoadedInput, forget_loaded_inputs, read_loaded_inputs, record_loaded_inputs
from orchestration.wap.state import AUDITED, BUILDING, CORE, KEEP, AuditState, read_state, write_state
from orchestration.wap.versions import PublishTarget, Version, connect_read_only, current_version
from orchestration.wap.writer_lock import hold_writer_lock


class SourceFilesResource(dg.ConfigurableResource):
    """Where the three snapshot files come from: a real snapshot directory, or the generator.

    With no snapshot directory, the generator writes the offline default into `generated_dir`
    (deterministic by seed and scale, so regenerating never changes the files). The v1
    leaderboard is the paper's scrape in that directory, or (v1_source `final_table`) the final
    v1 table at `v1_final_table` (by default leaderboard_v1_final.csv in that directory), or
    (v1_source `dataset_parquet`) the v1 dataset's parquet, leaderboard_v1.parquet in it.
    """

    source: str = "generated"
    snapshot_dir: str | None = None
    generated_dir: str
    generator_seed: int = 42
    generator_scale: float = 1.0
    v1_source: str = "paper_scrape"
    v1_final_table: str | None = None
    hfcommunity_dump: str | None = None
    """WAREHOUSE_HFCOMMUNITY_DUMP; None = the generated dump in `hfcommunity_generated_dir`."""
    hfcommunity_generated_dir: str | None = None
    hfcommunity_landing_dir: str | None = None
    """With source hfcommunity: where repo_details.csv and commit_data.csv are cut from the dump."""
    max_quarantine_share: float = 0.01
    """WAREHOUSE_MAX_QUARANTINE_SHARE (orchestration/checks/quarantine.py)."""

    def hfcommunity_dump_path(self) -> Path:
        """The HFCommunity dump raw/hfc_* loads (the generated one is generated first, once)."""
        if self.hfcommunity_dump:
            return Path(self.hfcommunity_dump)
        from orchestration.synthetic.hfcommunity import SQL_DUMP_NAME, ensure_generated_hfcommunity

        generated_dir = Path(self.hfcommunity_generated_dir or Path(self.generated_dir) / HFCOMMUNITY_GENERATED_NAME)
        return ensure_generated_hfcommunity(
            generated_dir, seed=self.generator_seed, scale=self.generator_scale, forms=("zip",)
        ) / SQL_DUMP_NAME

    def locate(self, name: str) -> tuple[SnapshotFile, Path] | None:
        """The layout and file that raw.<name> is loaded from, under the configured sources; None
        for the final v1 table beside the scrape when none is configured."""
        directory = self.resolve_dir()  # generates the offline default first, if that is the source
        if name == V1_FINAL_BESIDE:
            return self.locate_v1_final(directory)
        if name == "leaderboard":
            if self.v1_source not in LEADERBOARD_LAYOUTS:
                raise ValueError(
                    f"unknown v1 source {self.v1_source!r}; expected one of {', '.join(LEADERBOARD_LAYOUTS)}"
                )
            spec = LEADERBOARD_LAYOUTS[self.v1_source]
            if spec.layout == "final_table" and self.v1_final_table:
                return spec, Path(self.v1_final_table)
            return spec, directory / spec.file_name
        spec = SNAPSHOT_FILES[name]
        if self.source == "hfcommunity" and name in ("repo_details", "commit_data"):
            return spec, Path(self.hfcommunity_landing_dir) / spec.file_name
        return spec, directory / spec.file_name

    def locate_v1_final(self, directory: Path) -> tuple[SnapshotFile, Path] | None:
        """The final v1 table that raw.leaderboard_v1_final loads beside raw.leaderboard: the v1
        dataset's parquet where that is the v1 source (what the huggingface source lands), the
        file raw.leaderboard reads where it is the final table, else WAREHOUSE_V1_FINAL_TABLE,
        else leaderboard_v1_final.csv in the source directory if there is one (the generator
        writes it; the paper's snapshot has none), else None."""
        if self.v1_source == "dataset_parquet":
            spec = V1_FINAL_LAYOUTS["dataset_parquet"]
            return spec, directory / spec.file_name
        spec = V1_FINAL_LAYOUTS["final_table"]
        if self.v1_final_table:
            return spec, Path(self.v1_final_table)
        path = directory / spec.file_name
        return (spec, path) if self.v1_source == "final_table" or path.exists() else None

    def resolve_dir(self) -> Path:
        if self.snapshot_dir:
            return Path(self.snapshot_dir)
        from orchestration.synthetic.snapshot import ensure_generated_snapshot

        return ensure_generated_snapshot(
            Path(self.generated_dir), seed=self.generator_seed, scale=self.generator_scale
        )


class WeeklySourceResource(dg.ConfigurableResource):
    """The landing directory of weekly v2 files, or the generator's offline default."""

    landing_dir: str | None = None
    generated_dir: str
    generator_seed: int = 42
    generator_scale: float = 1.0

    @property
    def source(self) -> str:
        """`landing` or `generated`, as Settings.weekly_source."""
        return WEEKLY_LANDING if self.landing_dir else WEEKLY_GENERATED

    def watched_dir(self) -> Path:
        """The directory the landing sensor watches and runs read (never generates anything)."""
        return Path(self.landing_dir or self.generated_dir)

    def resolve_dir(self) -> Path:
        if self.landing_dir:
            return Path(self.landing_dir)
        from orchestration.synthetic.weekly import ensure_generated_weekly

        return ensure_generated_weekly(Path(self.generated_dir), seed=self.generator_seed, scale=self.generator_scale)


class FiguresResource(dg.ConfigurableResource):
    """The directory figures are written to (PNG, SVG and self-contained HTML)."""

    figures_dir: str

    def path(self) -> Path:
        path = Path(self.figures_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path


class ReportResource(dg.ConfigurableResource):
    """The directory the findings report is written to (findings.html)."""

    report_dir: str

    def path(self) -> Path:
        path = Path(self.report_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path


class WarehouseResource(dg.ConfigurableResource):
    """The two sides of write-audit-publish: the working database that runs write (through the
    `duckdb` resource and dbt) and audit, and the published versions that users read."""

    working_duckdb_path: str
    published_duckdb_path: str
    versions_dir: str
    keep_versions: int = 5

    @property
    def work_dir(self) -> Path:
        return Path(self.working_duckdb_path).parent

    def publish_target(self) -> PublishTarget:
        return PublishTarget(Path(self.published_duckdb_path), Path(self.versions_dir), self.keep_versions)

    def audit_state(self) -> AuditState:
        return read_state(self.work_dir)

    def mark_building(self, run_id: str, *, step: str, area: str = CORE, built_from: dict | None | str = KEEP) -> AuditState:
        return write_state(self.work_dir, BUILDING, run_id=run_id, step=step, area=area, built_from=built_from)

    def mark_audited(self, run_id: str, *, step: str, area: str = CORE, built_from: dict | None | str = KEEP) -> AuditState:
        return write_state(self.work_dir, AUDITED, run_id=run_id, step=step, area=area, built_from=built_from)

    def loaded_inputs(self) -> dict[str, LoadedInput]:
        return read_loaded_inputs(self.work_dir)

    def record_loaded_inputs(self, loads: dict[str, LoadedInput]) -> None:
        record_loaded_inputs(self.work_dir, loads)

    def forget_loaded_inputs(self, tables: list[str]) -> None:
        forget_loaded_inputs(self.work_dir, tables)

    def current_version(self) -> Version | None:
        return current_version(self.publish_target())

    def connect_published(self) -> duckdb.DuckDBPyConnection:
        """Read-only, on the current version's own file: a user holding the public path (even
        read-write, by mistake) cannot block the project's readers."""
        version = self.current_version()
        return connect_read_only(version.path if version else Path(self.published_duckdb_path))


class WriterLockResource(dg.ConfigurableResource):
    """Held for the whole run by every run that writes the working database (each asset of the
    `duckdb_writer` pool requires it), so the steps of two runs never interleave:
    orchestration/wap/writer_lock.py."""

    work_dir: str

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WriterLockResource]:
        log = context.log.info if context.log else print
        with hold_writer_lock(Path(self.work_dir), context.run_id, log=log):
            yield self


class EngineResource(dg.ConfigurableResource):
    """WAREHOUSE_ENGINE: where dbt builds (`duckdb`, the working database; or `spark`), and on
    Spark where raw tables land and how they are read back (orchestration/engines/spark.py)."""

    engine: str = "duckdb"
    spark_dir: str = ""
    spark_master: str = "local[*]"
    spark_java_options: str = ""
    spark_gx_max_rows: int = 1_000_000

    @property
    def is_spark(self) -> bool:
        return self.engine == "spark"

    def land(self, conn: duckdb.DuckDBPyConnection, names, suites: dict[str, str] | None = None):
        """Land raw.<name> of each name as Parquet (read back and validated by Spark): the
        landings, none swapped in unless every one was accepted."""
        from orchestration.engines.spark import land_raw_tables

        return land_raw_tables(conn, names, spark_dir=Path(self.spark_dir), master=self.spark_master,
                               java_options=self.spark_java_options, suites=suites, max_rows=self.spark_gx_max_rows)

    def landed_raw_tables(self) -> list[str]:
        from orchestration.engines.spark import landed_raw_tables

        return landed_raw_tables(Path(self.spark_dir))

    def copy_models_to_working(self, conn: duckdb.DuckDBPyConnection, models) -> dict[str, int]:
        from orchestration.engines.spark import copy_models_to_working

        return copy_models_to_working(conn, models, spark_dir=Path(self.spark_dir))


@contextmanager
def short_connection(resource: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writer's connection to the working database, closed however the block ends.

    DuckDBResource retries the connect while another process holds the file, but leaves the
    connection open when the block raises; an open handle would lock out the next writer.
    """
    with resource.get_connection() as conn:
        try:
            yield conn
        finally:
            conn.close()


# Starts dbt with variables added to the environment dagster-dbt gives it (a copy of this
# process's, with no parameter for more): POSIX env(1), which execs dbt in the same process.
ENV_EXECUTABLE = "/usr/bin/env"


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's resource with the settings dbt reads given to each dbt process, the working
    database's own dbt target directory, and without two costs it pays before every dbt
    invocation that this project never uses.

    * `env` (Settings.dbt_env: the working database, the engine, the memory limit), and the
      variables a call adds (a partition window), reach the dbt process only: os.environ is
      never written, so two resources (two warehouses) in one process cannot leak into each other.
    * dbt runs in `directory` (the work directory), where the profile's relative path names the
      working database: one profile for every warehouse, so dbt's partial parse holds across them.
    * Every invocation writes its artifacts under `target_dir` (beside the working database),
      starting from the partial parse of the last invocation there: dbt's partial parse holds the
      profile, so it is reused only by invocations on the same working database (the project's
      `target/` is shared by every warehouse and test). The newest KEEP_INVOCATIONS are kept.
    * No `dbt --version` in a subprocess to learn the dbt version: the dbt run is the dbt-core
      installed beside this interpreter, whose version the package metadata gives.
    * No in-process dbt adapter (profile, macros, a DuckDB handle), used only to fetch column
      metadata and row counts after a run (`fetch_column_metadata`/`fetch_row_counts`), which the
      assets do not ask for: they only `stream()` dbt's events.

    These are private methods of dagster-dbt (pinned); tests/unit/test_dbt_args.py fails if they
    are renamed, so the overrides cannot silently stop applying."""

    target_dir: str | None = None
    """Where invocations write (None: dagster-dbt's default, the project's `target/`)."""
    env: dict[str, str] = {}
    """Variables added to every dbt process's environment (Settings.dbt_env)."""
    directory: str | None = None
    """The directory dbt runs in (None: dagster-dbt's, the project directory)."""

    KEEP_INVOCATIONS: ClassVar[int] = 5

    def cli(self, args, *, env: Mapping[str, str] | None = None, **kwargs):
        """dagster-dbt's `cli(args)`, dbt started as `env NAME=VALUE… dbt …` with this resource's
        `env` and this call's."""
        added = {**self.env, **(env or {})}
        if not added and self.directory is None:
            return super().cli(args, **kwargs)
        launcher = self.model_copy(update={
            "dbt_executable": ENV_EXECUTABLE,
            "global_config_flags": [*([f"--chdir={self.directory}"] if self.directory else []),
                                    *(f"{name}={value}" for name, value in added.items()),
                                    self.dbt_executable, *self.global_config_flags],
            "env": {},
            "directory": None,
        })
        return launcher.cli(args, **kwargs)

    @property
    def _cli_version(self):
        from importlib.metadata import version as package_version

        from packaging import version

        return version.parse(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None

    def _get_unique_target_path(self, *, context) -> Path:
        path = super()._get_unique_target_path(context=context)
        if self.target_dir is None:
            return path
        base = Path(self.target_dir)
        earlier = sorted((p for p in base.glob("*/partial_parse.msgpack")), key=lambda p: p.stat().st_mtime)
        path = base / path.name
        path.mkdir(parents=True, exist_ok=True)
        if earlier:
            # dagster-dbt copies the project's partial parse only where none is present yet.
            shutil.copyfile(earlier[-1], path / "partial_parse.msgpack")
        invocations = sorted((p for p in base.iterdir() if p.is_dir() and p != path), key=lambda p: p.stat().st_mtime)
        for old in invocations[: max(0, len(invocations) - self.KEEP_INVOCATIONS + 1)]:
            shutil.rmtree(old, ignore_errors=True)
        return path


def dbt_cli_resource(settings: Settings, *, target_dir: Path | None = None) -> WarehouseDbtCliResource:
    """dbt from this interpreter's environment, so a bare `.venv/bin/python` finds it too, with
    the settings' dbt environment; invocations write under `target_dir` (a working database's
    own) when given."""
    beside_python = Path(sys.executable).with_name("dbt")
    executable = str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    return WarehouseDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=executable,
        target_dir=str(target_dir) if target_dir else None, env=settings.dbt_env(),
        directory=str(settings.work_dir),
    )


def build_resources(settings: Settings) -> dict[str, object]:
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    return {
        # Writers open the working database only, with short connections (retried on a lock).
        "duckdb": DuckDBResource(
            database=str(settings.working_duckdb_path), connection_config={"memory_limit": settings.duckdb_memory_limit}
        ),
        "writer_lock": WriterLockResource(work_dir=str(settings.work_dir)),
        "warehouse": WarehouseResource(
            working_duckdb_path=str(settings.working_duckdb_path),
            published_duckdb_path=str(settings.duckdb_path),
            versions_dir=str(settings.versions_dir),
            keep_versions=settings.keep_versions,
        ),
        "source_files": SourceFilesResource(
            source=settings.source,
            # The Hugging Face connector lands its files in a snapshot directory of its own.
            snapshot_dir=str(settings.source_dir) if settings.snapshot_dir or settings.source == "huggingface" else None,
            generated_dir=str(settings.generated_dir),
            generator_seed=settings.generator_seed,
            generator_scale=settings.generator_scale,
            v1_source=settings.v1_source,
            v1_final_table=str(settings.v1_final_table) if settings.v1_final_table else None,
            hfcommunity_dump=str(settings.hfcommunity_dump) if settings.hfcommunity_dump else None,
            hfcommunity_generated_dir=str(settings.hfcommunity_generated_dir),
            hfcommunity_landing_dir=str(settings.hfcommunity_landing_dir),
            max_quarantine_share=settings.max_quarantine_share,
        ),
        "figures": FiguresResource(figures_dir=str(settings.figures_dir)),
        "report": ReportResource(report_dir=str(settings.report_dir)),
        "weekly_source": WeeklySourceResource(
            landing_dir=str(settings.weekly_source_dir) if settings.weekly_source == WEEKLY_LANDING else None,
            generated_dir=str(settings.generated_dir / "leaderboard_v2"),
            generator_seed=settings.generator_seed,
            generator_scale=settings.generator_scale,
        ),
        "dbt": dbt_cli_resource(settings, target_dir=settings.dbt_target_dir),
        "engine": EngineResource(
            engine=settings.engine, spark_dir=str(settings.spark_dir), spark_master=settings.spark_master,
            spark_java_options=settings.spark_java_options, spark_gx_max_rows=settings.spark_gx_max_rows,
        ),
        # A plain value, not a ConfigurableResource: Dagster shows a resource's config in the
        # UI, and this one holds HF_TOKEN (its repr hides it).
        "huggingface": settings.huggingface,
    }

