from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_are_absolute_and_inside_the_project():
    settings = load_settings({})
    assert settings.duckdb_path == PROJECT_ROOT / "data" / "warehouse.duckdb"
    assert settings.figures_dir == PROJECT_ROOT / "data" / "figures"
    assert settings.report_dir == PROJECT_ROOT / "data" / "report"
    assert settings.dagster_home == PROJECT_ROOT / ".dagster_home"
    assert settings.snapshot_dir is None
    assert settings.source == "generated"
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
    assert settings.source == "snapshot"
    assert settings.generator_scale == 0.5


def test_dbt_writes_the_working_database_never_the_published_one(tmp_path: Path):
    settings = load_settings(
        {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "x.duckdb"), "WAREHOUSE_WORK_DIR": str(tmp_path / "w")}
    )
    env = settings.dbt_env()
    # Relative to the directory dbt runs in, the work directory: one profile for every warehouse.
    assert env["WAREHOUSE_WORKING_DUCKDB_PATH"] == "working.duckdb"
    assert settings.work_dir / env["WAREHOUSE_WORKING_DUCKDB_PATH"] == tmp_path / "w" / "working.duckdb"
    assert str(tmp_path / "x.duckdb") not in env.values()
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"


def test_published_versions_sit_beside_the_published_file(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "wh.duckdb"), "WAREHOUSE_KEEP_VERSIONS": "3"})
    assert settings.versions_dir == tmp_path / "wh.versions"
    assert settings.keep_versions == 3
    assert settings.work_dir == PROJECT_ROOT / "data" / "work"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"WAREHOUSE_DUCKDB_PATH": "data/raw.duckdb"}, "clashes with the warehouse schema 'raw'"),
        ({"WAREHOUSE_GENERATOR_SCALE": "big"}, "WAREHOUSE_GENERATOR_SCALE"),
        ({"WAREHOUSE_GENERATOR_SCALE": "0"}, "must be positive"),
        ({"WAREHOUSE_GENERATOR_SEED": "1.5"}, "WAREHOUSE_GENERATOR_SEED"),
        ({"WAREHOUSE_DUCKDB_PATH": "data/meta.duckdb"}, "clashes with the warehouse schema 'meta'"),
        ({"WAREHOUSE_KEEP_VERSIONS": "1"}, "at least 2"),
        ({"WAREHOUSE_KEEP_VERSIONS": "all"}, "WAREHOUSE_KEEP_VERSIONS"),
        ({"WAREHOUSE_DUCKDB_PATH": "/tmp/w/working.duckdb", "WAREHOUSE_WORK_DIR": "/tmp/w"}, "must differ"),
        ({"WAREHOUSE_ENGINE": "snowflake"}, "WAREHOUSE_ENGINE='snowflake': expected one of duckdb, spark"),
        ({"WAREHOUSE_SPARK_MASTER": "local[*]; rm -rf /"}, "WAREHOUSE_SPARK_MASTER"),
        ({"WAREHOUSE_SPARK_GX_MAX_ROWS": "0"}, "WAREHOUSE_SPARK_GX_MAX_ROWS"),
        ({"WAREHOUSE_SPARK_JAVA_OPTIONS": "-Xmx4g; rm -rf /"}, "WAREHOUSE_SPARK_JAVA_OPTIONS"),
        ({"WAREHOUSE_SPARK_JAVA_OPTIONS": "TieredStopAtLevel=1"}, "expected JVM flags"),
    ],
)
def test_bad_settings_are_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)


# -- WAREHOUSE_V1_SOURCE, WAREHOUSE_V1_FINAL_TABLE ---------------------------------------------------


def test_the_v1_source_defaults_to_the_papers_scrape():
    settings = load_settings({})
    assert settings.v1_source == "paper_scrape"
    assert settings.v1_final_table is None
    assert settings.v1_final_table_path == settings.generated_dir / "leaderboard_v1_final.csv"


def test_the_final_table_defaults_to_the_source_directory(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_V1_SOURCE": "final_table", "WAREHOUSE_SNAPSHOT_DIR": str(tmp_path)})
    assert settings.v1_source == "final_table"
    assert settings.v1_final_table_path == tmp_path / "leaderboard_v1_final.csv"


def test_the_final_table_path_is_resolved_like_every_path(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_V1_SOURCE": " final_table ", "WAREHOUSE_V1_FINAL_TABLE": "elsewhere/v1.csv"})
    assert settings.v1_source == "final_table"
    assert settings.v1_final_table == settings.v1_final_table_path == PROJECT_ROOT / "elsewhere" / "v1.csv"
    absolute = load_settings({"WAREHOUSE_V1_FINAL_TABLE": str(tmp_path / "v1_2024-07-07.csv")})
    assert absolute.v1_final_table_path == tmp_path / "v1_2024-07-07.csv"
    assert absolute.v1_source == "paper_scrape"  # the path alone does not switch the source
    assert load_settings({"WAREHOUSE_V1_SOURCE": ""}).v1_source == "paper_scrape"


@pytest.mark.parametrize("value", ["final", "FINAL_TABLE", "paper-scrape", "v1_2024-07-07.csv"])
def test_a_bad_v1_source_is_named_with_the_choices(value):
    with pytest.raises(SettingsError) as error:
        load_settings({"WAREHOUSE_V1_SOURCE": value})
    message = str(error.value)
    assert f"WAREHOUSE_V1_SOURCE={value!r}" in message
    assert "paper_scrape" in message and "final_table" in message and "dataset_parquet" in message


def test_the_huggingface_source_reads_what_its_connector_lands(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_SOURCE": "huggingface", "WAREHOUSE_HF_CACHE_DIR": str(tmp_path),
                              "HF_TOKEN": "hf_secret_in_settings", "WAREHOUSE_HF_BACKOFF_SECONDS": "0.5"})
    assert settings.source_dir == tmp_path / "snapshot"
    assert settings.weekly_source_dir == tmp_path / "leaderboard_v2"
    # the v1 dataset's parquet, landed as it is (orchestration/defs/hub_api/connector.py)
    assert settings.v1_source == "dataset_parquet"
    assert settings.huggingface.backoff_seconds == 0.5
    assert "hf_secret_in_settings" not in repr(settings)
    landing = load_settings({"WAREHOUSE_SOURCE": "huggingface", "WAREHOUSE_LANDING_DIR": str(tmp_path / "in")})
    assert landing.weekly_source_dir == tmp_path / "in"
    assert settings.weekly_source == landing.weekly_source == "landing"


def test_weekly_files_come_from_the_landing_dir_when_one_is_set(tmp_path: Path):
    generated = load_settings({"WAREHOUSE_GENERATED_DIR": str(tmp_path / "generated")})
    assert (generated.weekly_source, generated.weekly_source_dir) == ("generated", tmp_path / "generated" / "leaderboard_v2")
    landing = load_settings({"WAREHOUSE_LANDING_DIR": str(tmp_path / "in")})
    assert (landing.weekly_source, landing.weekly_source_dir) == ("landing", tmp_path / "in")


@pytest.mark.parametrize("layout", ["paper_scrape", "final_table"])
def test_the_huggingface_source_refuses_the_csv_layouts(layout):
    with pytest.raises(SettingsError, match="WAREHOUSE_SOURCE=huggingface.*dataset_parquet"):
        load_settings({"WAREHOUSE_SOURCE": "huggingface", "WAREHOUSE_V1_SOURCE": layout})
    assert load_settings({"WAREHOUSE_SOURCE": "huggingface", "WAREHOUSE_V1_SOURCE": "dataset_parquet"}).v1_source == (
        "dataset_parquet")


def test_the_v1_dataset_parquet_is_a_v1_source(tmp_path: Path):
    settings = load_settings({"WAREHOUSE_V1_SOURCE": "dataset_parquet", "WAREHOUSE_SNAPSHOT_DIR": str(tmp_path)})
    assert settings.v1_source == "dataset_parquet" and settings.source == "snapshot"


def test_duckdb_memory_limit_is_a_size_duckdb_takes():
    import os

    assert load_settings({"WAREHOUSE_DUCKDB_MEMORY_LIMIT": "4GiB"}).duckdb_memory_limit == "4GiB"
    assert load_settings({"WAREHOUSE_DUCKDB_MEMORY_LIMIT": "512 MB"}).duckdb_memory_limit == "512MB"
    physical_mib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    default = load_settings({}).duckdb_memory_limit
    assert default.endswith("MiB") and abs(int(default[:-3]) - 0.8 * physical_mib) <= 1
    assert load_settings({}).dbt_env()["WAREHOUSE_DUCKDB_MEMORY_LIMIT"] == default
    for bad in ("lots", "4 parsecs", "0%", "150%"):
        with pytest.raises(SettingsError, match="WAREHOUSE_DUCKDB_MEMORY_LIMIT"):
            load_settings({"WAREHOUSE_DUCKDB_MEMORY_LIMIT": bad})


def test_bench_dir_defaults_under_the_data_directory(tmp_path: Path):
    assert load_settings({}).bench_dir == PROJECT_ROOT / "data" / "bench"
    assert load_settings({"WAREHOUSE_BENCH_DIR": str(tmp_path)}).bench_dir == tmp_path


# -- WAREHOUSE_ENGINE and the Spark settings ----------------------------------------------------


def test_the_engine_defaults_to_duckdb_and_spark_reaches_dbt(tmp_path: Path):
    assert load_settings({}).engine == "duckdb"
    settings = load_settings({"WAREHOUSE_ENGINE": "Spark", "WAREHOUSE_SPARK_DIR": str(tmp_path / "lake"),
                              "WAREHOUSE_SPARK_MASTER": "spark://head:7077"})
    assert (settings.engine, settings.spark_dir, settings.spark_master) == ("spark", tmp_path / "lake", "spark://head:7077")
    assert settings.spark_gx_max_rows == 1_000_000
    assert settings.spark_java_options == "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
    # profiles.yml picks its target and the Spark session's paths from these.
    env = settings.dbt_env()
    assert (env["WAREHOUSE_ENGINE"], env["WAREHOUSE_SPARK_DIR"], env["WAREHOUSE_SPARK_MASTER"]) == (
        "spark", str(tmp_path / "lake"), "spark://head:7077")
    flags = load_settings({"WAREHOUSE_SPARK_JAVA_OPTIONS": " -XX:TieredStopAtLevel=4  -Duser.timezone=UTC "})
    assert flags.dbt_env()["WAREHOUSE_SPARK_JAVA_OPTIONS"] == "-XX:TieredStopAtLevel=4 -Duser.timezone=UTC"
    assert load_settings({}).spark_dir == PROJECT_ROOT / "data" / "spark"


def test_dbt_writes_its_log_file_at_info_unless_configured():
    assert load_settings({}).dbt_env()["DBT_LOG_LEVEL_FILE"] == "info"
    assert load_settings({"WAREHOUSE_DBT_FILE_LOG_LEVEL": " Debug "}).dbt_env()["DBT_LOG_LEVEL_FILE"] == "debug"
    with pytest.raises(SettingsError, match="WAREHOUSE_DBT_FILE_LOG_LEVEL='verbose': expected one of debug, info"):
        load_settings({"WAREHOUSE_DBT_FILE_LOG_LEVEL": "verbose"})


# -- the registry and what is generated from it -------------------------------------------------


def test_docs_settings_md_and_env_example_are_generated_from_the_registry():
    """`make settings-docs` rewrites them; otherwise they must equal what SETTINGS gives."""
    from orchestration.settings_docs import REGENERATE, stale_files

    assert stale_files() == [], f"out of date: run `{REGENERATE}`"


def test_settings_docs_check_names_a_stale_file_and_the_command_rewrites_it(tmp_path, capsys):
    from orchestration import cli
    from orchestration.settings_docs import render_settings_md

    assert cli.main(["settings-docs", "--check"]) == 0  # this checkout's, as the test above
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "settings.md").write_text(render_settings_md(), encoding="utf-8")
    (tmp_path / ".env.example").write_text("WAREHOUSE_DUCKDB_PATH=somewhere/else.duckdb\n", encoding="utf-8")

    assert cli.settings_docs(check=True, root=tmp_path) == 1
    assert capsys.readouterr().err == "settings-docs: .env.example is out of date: run `make settings-docs`\n"
    assert (tmp_path / ".env.example").read_text(encoding="utf-8").startswith("WAREHOUSE_DUCKDB_PATH=somewhere")
    assert cli.settings_docs(root=tmp_path) == 0 and cli.settings_docs(check=True, root=tmp_path) == 0
    # the example, as a .env, is the defaults
    example = (tmp_path / ".env.example").read_text(encoding="utf-8").splitlines()
    assert load_settings(dict(line.split("=", 1) for line in example if line and not line.startswith("#"))) == (
        load_settings({}))


def test_every_setting_is_documented_once_with_its_default():
    from orchestration.settings import GROUPS, SETTINGS
    from orchestration.settings_docs import render_env_example, render_settings_md

    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    table, env_example = render_settings_md(), render_env_example()
    for setting in SETTINGS:
        assert table.count(f"| `{setting.name}` |") == 1
        assert f"\n{setting.name}={setting.default or ''}\n" in env_example
    assert [group for group in GROUPS if any(s.group == group for s in SETTINGS)] == list(GROUPS)


def test_v2_as_of_reaches_dbt_as_a_checked_date():
    assert load_settings({}).dbt_env()["WAREHOUSE_V2_AS_OF"] == ""
    assert load_settings({"WAREHOUSE_V2_AS_OF": " 2024-12-01 "}).dbt_env()["WAREHOUSE_V2_AS_OF"] == "2024-12-01"
    for value in ("2024-13-01", "20241201", "latest"):
        with pytest.raises(SettingsError, match=f"WAREHOUSE_V2_AS_OF={value!r}"):
            load_settings({"WAREHOUSE_V2_AS_OF": value})
