"""Every mart and every mart column is described, in dbt's docs and in the Dagster UI.

That the documented columns are exactly the columns a build publishes needs a build: see
test_every_published_mart_column_is_documented in tests/integration/test_generated_default.py."""

import dagster as dg
import pytest

from tests.mart_docs import load_manifest, mart_nodes, undescribed_columns


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


@pytest.fixture(scope="module")
def marts(manifest):
    marts = mart_nodes(manifest)
    assert len(marts) >= 20, "the manifest lists the marts"
    return marts


def test_every_mart_states_its_grain_and_describes_every_column(marts):
    without_grain = [name for name, node in marts.items() if "one row per" not in node["description"].lower()]
    assert without_grain == [], "a mart's description states its grain: 'One row per …'"
    without_columns = [name for name, node in marts.items() if not node["columns"]]
    assert without_columns == [], "a mart's YAML lists its columns"
    undescribed = {name: columns for name, node in marts.items() if (columns := undescribed_columns(node))}
    assert undescribed == {}, "every mart column has a description"


def test_every_column_a_dbt_unit_test_expects_of_a_mart_is_documented(manifest, marts):
    # A cheap early warning: the build comparison (integration) is the complete one.
    undocumented = {}
    for unit_test in manifest["unit_tests"].values():
        documented = marts.get(unit_test["model"], {}).get("columns")
        if documented is None:
            continue
        expected = {column for row in unit_test["expect"]["rows"] for column in row}
        if missing := sorted(expected - set(documented)):
            undocumented[unit_test["name"]] = missing
    assert undocumented == {}


def column_schema(graph, mart: str) -> dg.TableSchema | None:
    """The column schema the Dagster UI shows on a mart's asset page."""
    return graph.get(dg.AssetKey(["marts", mart])).metadata.get("dagster/column_schema")


def test_dagster_shows_every_mart_column_with_its_description(settings_factory, marts):
    """dagster-dbt turns the manifest's columns into each asset's `dagster/column_schema`, which
    the asset's page shows; the project's translator must keep it."""
    from orchestration.definitions import build_definitions

    graph = build_definitions(settings_factory()).resolve_asset_graph()
    assert "dim_models" in marts
    for name, node in marts.items():
        schema = column_schema(graph, name)
        assert schema is not None, f"marts/{name} has no column schema"
        shown = {column.name: column.description for column in schema.columns}
        assert shown == {column: documented["description"] for column, documented in node["columns"].items()}, name
        assert all(description.strip() for description in shown.values()), f"marts/{name} shows a column undescribed"
