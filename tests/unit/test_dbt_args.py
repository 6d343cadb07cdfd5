import json
from datetime import date

import pytest

from orchestration.assets.dbt import build_dbt_args


def test_default_is_a_plain_build():
    assert build_dbt_args() == ["build"]


def test_selection_vars_and_full_refresh():
    args = build_dbt_args(
        "build", select=["tag:weekly", "marts"], exclude=["dim_models"], vars={"window_start": "2024-07-07", "window_end": date(2024, 7, 21)},
        full_refresh=True
    )
    assert args[:5] == ["build", "--select", "tag:weekly marts", "--exclude", "dim_models"]
    assert args[5] == "--vars"
    assert json.loads(args[6]) == {"window_start": "2024-07-07", "window_end": "2024-07-21"}
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


def test_the_dbt_resource_skips_the_version_subprocess_and_the_unused_adapter(monkeypatch):
    """WarehouseDbtCliResource overrides two private methods of dagster-dbt's resource: they
    must still exist there (else the override would silently stop applying), and ours must not
    run `dbt --version` or build an adapter."""
    import subprocess
    from importlib.metadata import version

    import dagster_dbt.core.resource as dagster_dbt_resource
    from dagster_dbt import DbtCliResource

    from orchestration.resources import WarehouseDbtCliResource, dbt_cli_resource

    assert isinstance(DbtCliResource.__dict__["_cli_version"], dagster_dbt_resource.cached_property)
    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dbt run as a subprocess: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = dbt_cli_resource()
    assert isinstance(resource, WarehouseDbtCliResource)
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
