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
