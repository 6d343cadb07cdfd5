from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_are_absolute_and_inside_the_project():
    settings = load_settings({})
    assert settings.duckdb_path == PROJECT_ROOT / "data" / "warehouse.duckdb"
    assert settings.figures_dir == PROJECT_ROOT / "data" / "figures"
    assert settings.dagster_home == PROJECT_ROOT / ".dagster_home"
    assert settings.snapshot_dir is None
    assert settings.source_name == "generated"
    assert settings.source_dir == settings.generated_dir


def test_relative_paths_resolve_against_the_project_root(tmp_path: Path):
    settings = load_settings(
        {
            "WAREHOUSE_DUCKDB_PATH": "elsewhere/w.duckdb",
            "WAREHOUSE_SNAPSHOT_DIR": str(tmp_path),
            "WAREHOUSE_GENERATOR_SCALE": "0.5",
        }
    )
    assert settings.duckdb_path == PROJECT_ROOT / "elsewhere" / "w.duckdb"
    assert settings.snapshot_dir == tmp_path
    assert settings.source_name == "snapshot"
    assert settings.generator_scale == 0.5


def test_dbt_env_carries_the_warehouse_path_and_no_telemetry(tmp_path: Path):
    env = load_settings({"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "x.duckdb")}).dbt_env()
    assert env["WAREHOUSE_DUCKDB_PATH"] == str(tmp_path / "x.duckdb")
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"WAREHOUSE_DUCKDB_PATH": "data/raw.duckdb"}, "clashes with the warehouse schema 'raw'"),
        ({"WAREHOUSE_GENERATOR_SCALE": "big"}, "WAREHOUSE_GENERATOR_SCALE"),
        ({"WAREHOUSE_GENERATOR_SCALE": "0"}, "must be positive"),
        ({"WAREHOUSE_GENERATOR_SEED": "1.5"}, "WAREHOUSE_GENERATOR_SEED"),
    ],
)
def test_bad_settings_are_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)
