"""Resources: the DuckDB warehouse, the raw source files, the figures directory, dbt."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.settings import DBT_PROJECT_DIR, Settings


class SourceFilesResource(dg.ConfigurableResource):
    """Where the three snapshot files come from: a real snapshot directory, or the generator.

    With no snapshot directory, the generator writes the offline default into `generated_dir`
    (deterministic by seed and scale, so regenerating never changes the files).
    """

    snapshot_dir: str | None = None
    generated_dir: str
    generator_seed: int = 42
    generator_scale: float = 1.0

    @property
    def source_name(self) -> str:
        return "snapshot" if self.snapshot_dir else "generated"

    def resolve_dir(self) -> Path:
        if self.snapshot_dir:
            return Path(self.snapshot_dir)
        from orchestration.sources.generator import ensure_generated_snapshot

        return ensure_generated_snapshot(
            Path(self.generated_dir), seed=self.generator_seed, scale=self.generator_scale
        )


class FiguresResource(dg.ConfigurableResource):
    """The directory figures are written to (PNG, SVG and self-contained HTML)."""

    figures_dir: str

    def path(self) -> Path:
        path = Path(self.figures_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path


def dbt_cli_resource() -> DbtCliResource:
    """dbt from this interpreter's environment, so a bare `.venv/bin/python` finds it too."""
    beside_python = Path(sys.executable).with_name("dbt")
    executable = str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=executable
    )


def build_resources(settings: Settings) -> dict[str, object]:
    settings.export()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=str(settings.duckdb_path)),
        "source_files": SourceFilesResource(
            snapshot_dir=str(settings.snapshot_dir) if settings.snapshot_dir else None,
            generated_dir=str(settings.generated_dir),
            generator_seed=settings.generator_seed,
            generator_scale=settings.generator_scale,
        ),
        "figures": FiguresResource(figures_dir=str(settings.figures_dir)),
        "dbt": dbt_cli_resource(),
    }
