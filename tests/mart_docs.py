"""The marts as dbt's manifest documents them (dbt_project/models/marts/<mart>.yml): what a SQL
user reads in `make docs` and in the Dagster UI's column schema.

tests/unit/test_mart_docs.py checks that every documented column is described;
tests/integration/test_generated_default.py that the documented columns are the published ones."""

from __future__ import annotations

import json
from typing import Any

from orchestration.defs.warehouse.dbt import dbt_project

MARTS_SCHEMA = "marts"


def load_manifest() -> dict[str, Any]:
    """The manifest the Dagster definitions load (`dbt parse`, run by tests/conftest.py)."""
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def mart_nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each dbt model of schema `marts`, by name: its manifest node (description, columns)."""
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA}


def undescribed_columns(node: dict[str, Any]) -> list[str]:
    """The columns of a model's YAML without a description."""
    return [name for name, column in node["columns"].items() if not column.get("description", "").strip()]
