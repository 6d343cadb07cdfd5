"""The code location loads, with the whole graph raw → staging → intermediate → marts → figures."""

import dagster as dg

from orchestration.definitions import build_definitions, defs
from tests.integration.harness import FIGURE_MARTS, MARTS


def all_keys(definitions: dg.Definitions) -> set[str]:
    return {key.to_user_string() for key in definitions.resolve_all_asset_keys()}


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)


def test_expected_assets_by_group(settings_factory):
    definitions = build_definitions(settings_factory())
    keys = all_keys(definitions)
    assert {"raw/leaderboard", "raw/repo_details", "raw/commit_data"} <= keys
    assert {"staging/stg_leaderboard", "staging/stg_repo_details", "staging/stg_commit_data"} <= keys
    assert {"intermediate/int_declared_base_models", "seeds/architecture_groups"} <= keys
    assert {f"marts/{mart}" for mart in MARTS} <= keys
    assert {f"figures/{mart}" for mart in FIGURE_MARTS} <= keys

    graph = definitions.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups["raw/leaderboard"] == "raw"
    assert groups["staging/stg_leaderboard"] == "staging"
    assert groups["intermediate/int_repo_details"] == "intermediate"
    assert groups["marts/dim_models"] == "marts"
    assert groups["figures/weekly_models_by_type"] == "figures"
    # One figure is one mart and one chart, with the same name.
    for mart in FIGURE_MARTS:
        assert dg.AssetKey(["marts", mart]) in graph.get(dg.AssetKey(["figures", mart])).parent_keys


def test_gates_are_blocking_checks(settings_factory):
    graph = build_definitions(settings_factory()).resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    for source in ("leaderboard", "repo_details", "commit_data"):
        assert checks[(f"raw/{source}", f"{source}_expectations")].blocking
    dbt_checks = [spec for (key, _), spec in checks.items() if key.startswith("marts/")]
    assert dbt_checks, "dbt tests on marts are asset checks"
    assert all(spec.blocking for spec in dbt_checks), "error-severity dbt tests block downstream"


def test_every_asset_has_kinds(settings_factory):
    graph = build_definitions(settings_factory()).resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            assert node.kinds, f"{key.to_user_string()} has no kinds"


def test_weekly_assets_are_partitioned_by_sunday_week_with_single_run_backfills(settings_factory):
    from orchestration.partitions import WEEKLY_PARTITIONS

    definitions = build_definitions(settings_factory())
    graph = definitions.resolve_asset_graph()
    weekly = ["raw/leaderboard_v2", "staging/stg_leaderboard_v2", "intermediate/int_leaderboard_v2_observations",
              "marts/leaderboard_v2_history", "marts/weekly_leaderboard_v2"]
    for name in weekly:
        node = graph.get(dg.AssetKey(name.split("/")))
        assert node.partitions_def == WEEKLY_PARTITIONS, name
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), name
    assert WEEKLY_PARTITIONS.get_first_partition_key() == "2024-07-07"
    published = graph.get(dg.AssetKey(["published", "warehouse"]))
    assert published.partitions_def is None
    assert {dg.AssetKey(["marts", "leaderboard_v2_history"]), dg.AssetKey(["marts", "weekly_leaderboard_v2"])} <= published.parent_keys
    # The paper's job leaves the partitioned assets to the weekly job, which publishes.
    build = definitions.resolve_job_def("build_warehouse").asset_layer.selected_asset_keys
    assert not {dg.AssetKey(n.split("/")) for n in weekly} & build
    weekly_job = definitions.resolve_job_def("leaderboard_v2_weekly")
    assert weekly_job.partitions_def == WEEKLY_PARTITIONS
    assert dg.AssetKey(["published", "warehouse"]) in weekly_job.asset_layer.selected_asset_keys
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert checks[("raw/leaderboard_v2", "leaderboard_v2_header_known")].blocking
    assert not checks[("raw/leaderboard_v2", "leaderboard_v2_snapshot_present")].blocking


def test_every_writer_holds_the_writer_lock_for_its_run_and_nothing_else_does(settings_factory):
    """The pool serialises steps; the `writer_lock` resource, initialised once per run before
    its first step, serialises whole writing runs (orchestration/wap/writer_lock.py). An asset
    that writes the working database without it could run between another run's dbt build and
    its publish."""
    from orchestration.settings import DUCKDB_WRITER_POOL

    for source in ("generated", "huggingface"):
        graph = build_definitions(settings_factory(WAREHOUSE_SOURCE=source)).resolve_asset_graph()
        executable = [a for a in graph.assets_defs if a.is_executable]
        writers = {a.node_def.name for a in executable if a.node_def.pool == DUCKDB_WRITER_POOL}
        holders = {a.node_def.name for a in executable if "writer_lock" in a.required_resource_keys}
        assert {"raw_hfcommunity", "warehouse_dbt_models", "weekly_v2_dbt_models", "published__warehouse"} <= writers
        assert writers == holders, source
    assert "raw__hub_models" in writers, "the Hub connector's raw load is a writer too"
