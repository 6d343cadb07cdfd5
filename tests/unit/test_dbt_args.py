import json

import pytest

from orchestration.assets.dbt import build_dbt_args


def test_default_is_a_plain_build():
    assert build_dbt_args() == ["build"]


def test_selection_vars_and_full_refresh():
    args = build_dbt_args(
        "build", select=["tag:weekly", "marts"], exclude=["dim_models"], vars={"b": 2, "a": "x"}, full_refresh=True
    )
    assert args[:5] == ["build", "--select", "tag:weekly marts", "--exclude", "dim_models"]
    assert args[5] == "--vars"
    assert json.loads(args[6]) == {"a": "x", "b": 2}
    assert args[-1] == "--full-refresh"


def test_rejects_unknown_commands_and_misplaced_full_refresh():
    with pytest.raises(ValueError, match="unsupported"):
        build_dbt_args("run-operation")
    with pytest.raises(ValueError, match="full-refresh"):
        build_dbt_args("test", full_refresh=True)
