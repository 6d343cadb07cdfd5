import json
from datetime import date

import pytest

from orchestration.defs.warehouse.dbt import build_dbt_args, dbt_window_env


def test_a_build_leaves_dbt_unit_tests_to_make_test():
    assert build_dbt_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert build_dbt_args("test", select=["test_type:unit"]) == ["test", "--select", "test_type:unit"]


def test_selection_vars_and_full_refresh():
    args = build_dbt_args(
        "build", select=["tag:weekly", "marts"], exclude=["dim_models"], vars={"window_start": "2024-07-07", "window_end": date(2024, 7, 21)},
        full_refresh=True
    )
    assert args[:7] == ["build", "--exclude-resource-type", "unit_test", "--select", "tag:weekly marts",
                        "--exclude", "dim_models"]
    assert args[7] == "--vars"
    assert json.loads(args[8]) == {"window_start": "2024-07-07", "window_end": "2024-07-21"}
    assert args[-1] == "--full-refresh"


def test_rejects_unknown_commands_and_misplaced_full_refresh():
    with pytest.raises(ValueError, match="unsupported"):
        build_dbt_args("run-operation")
    with pytest.raises(ValueError, match="full-refresh"):
        build_dbt_args("test", full_refresh=True)


@pytest.mark.parametrize("vars_, message", [
    ({"window_start": "2024-07-07'; drop table marts.dim_models; --"}, "ISO date"),
    ({"window_start": "2024-13-01"}, "ISO date"),
    ({"window_start": "20240707"}, "ISO date"),
    ({"window_end": "{{ run_query('select 1') }}"}, "ISO date"),
    ({"schema": "marts"}, "unknown dbt var"),
])
def test_dbt_vars_are_validated_before_dbt_starts(vars_, message):
    with pytest.raises(ValueError, match=message):
        build_dbt_args("build", vars=vars_)
    with pytest.raises(ValueError, match=message):
        dbt_window_env(vars_)


def test_the_window_reaches_dbt_through_the_environment():
    """Not `--vars`: a change of vars makes dbt re-parse the whole project (macro window_var)."""
    assert dbt_window_env({"window_start": date(2024, 7, 7), "window_end": "2024-07-14"}) == {
        "WAREHOUSE_WINDOW_START": "2024-07-07", "WAREHOUSE_WINDOW_END": "2024-07-14",
    }


def test_invocations_write_beside_the_working_database_from_the_last_partial_parse(tmp_path):
    """Each dbt invocation gets its own directory under the working database's target directory,
    holding a copy of the newest partial parse there (dbt's partial parse is valid only for the
    profile, i.e. the working database, it was made with); only the newest few are kept."""
    import time

    from orchestration.resources import WarehouseDbtCliResource, dbt_cli_resource
    from orchestration.settings import load_settings

    resource = dbt_cli_resource(load_settings({}), target_dir=tmp_path / "dbt")
    first = resource._get_unique_target_path(context=None)
    assert first.parent == tmp_path / "dbt" and not (first / "partial_parse.msgpack").exists()
    (first / "partial_parse.msgpack").write_bytes(b"first")
    time.sleep(0.01)
    second = resource._get_unique_target_path(context=None)
    assert (second / "partial_parse.msgpack").read_bytes() == b"first"
    (second / "partial_parse.msgpack").write_bytes(b"second")
    for _ in range(WarehouseDbtCliResource.KEEP_INVOCATIONS + 2):
        time.sleep(0.01)
        latest = resource._get_unique_target_path(context=None)
    assert (latest / "partial_parse.msgpack").read_bytes() == b"second"
    assert len(list((tmp_path / "dbt").iterdir())) == WarehouseDbtCliResource.KEEP_INVOCATIONS
    assert not first.exists()


def test_dbt_gets_the_settings_and_the_calls_variables_in_its_own_process_only(tmp_path, monkeypatch):
    """A real dbt process (`dbt debug`: it renders profiles.yml and connects, ~5 s) sees the
    resource's settings (the memory limit) and the variables of its call (here the working
    database's path, as a partition window is passed), while this process's environment is
    left exactly as it was: nothing of either is written to os.environ."""
    import os

    from orchestration.resources import dbt_cli_resource
    from orchestration.settings import load_settings

    for name in ("WAREHOUSE_WORKING_DUCKDB_PATH", "WAREHOUSE_DUCKDB_MEMORY_LIMIT"):
        monkeypatch.delenv(name, raising=False)  # profiles.yml has no defaults: dbt fails without them
    settings = load_settings({"WAREHOUSE_WORK_DIR": str(tmp_path / "work"), "WAREHOUSE_DUCKDB_MEMORY_LIMIT": "123MiB"})
    called_with = tmp_path / "called_with.duckdb"
    environ_before = dict(os.environ)

    invocation = dbt_cli_resource(settings, target_dir=tmp_path / "dbt").cli(
        ["debug"], env={"WAREHOUSE_WORKING_DUCKDB_PATH": str(called_with)}, raise_on_error=False)
    output = "\n".join(str(event.raw_event["info"]["msg"]) for event in invocation.stream_raw_events())

    assert invocation.is_successful(), output
    assert f"path: {called_with}" in output and "'memory_limit': '123MiB'" in output
    assert called_with.exists() and not settings.working_duckdb_path.exists()  # the call's variable won
    assert dict(os.environ) == environ_before


def test_the_dbt_resource_skips_the_version_subprocess_and_the_unused_adapter(monkeypatch):
    """WarehouseDbtCliResource overrides two private methods of dagster-dbt's resource: they
    must still exist there (else the override would silently stop applying), and ours must not
    run `dbt --version` or build an adapter."""
    import subprocess
    from importlib.metadata import version

    import dagster_dbt.core.resource as dagster_dbt_resource
    from dagster_dbt import DbtCliResource

    from orchestration.resources import WarehouseDbtCliResource, dbt_cli_resource
    from orchestration.settings import load_settings

    assert isinstance(DbtCliResource.__dict__["_cli_version"], dagster_dbt_resource.cached_property)
    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])
    assert callable(DbtCliResource.__dict__["_get_unique_target_path"])

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dbt run as a subprocess: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = dbt_cli_resource(load_settings({}))
    assert isinstance(resource, WarehouseDbtCliResource)
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_every_variable_the_dbt_project_reads_is_given_to_dbts_process():
    """Nothing writes the settings into os.environ: each WAREHOUSE_ variable the dbt project
    reads (profiles.yml, models, macros) must be one that the dbt resource (Settings.dbt_env) or
    the dbt assets (a partition window, Spark's landed raw tables) give the dbt process."""
    import re

    from orchestration.defs.warehouse.dbt import SPARK_RAW_TABLES_ENV, WINDOW_ENV
    from orchestration.settings import DBT_PROJECT_DIR, load_settings

    files = [DBT_PROJECT_DIR / "profiles.yml", DBT_PROJECT_DIR / "dbt_project.yml",
             *(path for folder in ("models", "macros", "tests") for path in (DBT_PROJECT_DIR / folder).rglob("*")
               if path.suffix in (".sql", ".yml"))]
    source = "\n".join(path.read_text(encoding="utf-8") for path in files)
    read = set(re.findall(r"env_var\(\s*['\"](WAREHOUSE_[A-Z0-9_]+)['\"]", source))
    given = set(load_settings({}).dbt_env()) | set(WINDOW_ENV.values()) | {SPARK_RAW_TABLES_ENV}
    assert "WAREHOUSE_WORKING_DUCKDB_PATH" in read and read <= given, sorted(read - given)
    # macro window_var builds its variable's name: 'WAREHOUSE_' ~ name | upper, i.e. WINDOW_ENV's
    assert "env_var('WAREHOUSE_' ~ name | upper" in source
