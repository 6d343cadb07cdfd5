"""The floor: the warehouse's own mart SQL run directly in DuckDB, with no orchestration.

No logic is written twice: the raw tables are loaded by the product's loaders (without their GX
audit), and every model is dbt's compiled SQL (`dbt compile` into
`dbt_project/target/bench_compiled`, read from its manifest.json), run in dependency order as
a view or a table, as dbt materialises it. Seeds are read with DuckDB's CSV reader and cast to
their configured column types. Left out, because they are not computing the marts: dbt's and
GX's tests, the publish, figures and the report, and Dagster.

The compiled SQL names relations `"working"."<schema>"."<table>"`, so the floor's database file
is also called working.duckdb (in its own directory).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, WORKING_DATABASE_NAME, load_settings
from orchestration.defs.hfcommunity.reader import load_hfcommunity_dump
from orchestration.defs.paper_snapshot.reader import (
    LEADERBOARD_LAYOUTS,
    SNAPSHOT_FILES,
    V1_FINAL_LAYOUTS,
    load_snapshot_file,
)

COMPILED_TARGET = DBT_PROJECT_DIR / "target" / "bench_compiled"
# The weekly v2 models belong to the partitioned job, not to the full build the floor matches.
WEEKLY_TAG = "weekly_v2"


def compile_models(scratch_dir: Path) -> Path:
    """`dbt compile` into COMPILED_TARGET (dbt connects to a scratch working database named as
    the real one, so relation names match); return the manifest's path."""
    from orchestration.resources import dbt_cli_resource

    scratch_dir.mkdir(parents=True, exist_ok=True)
    env_path = scratch_dir / WORKING_DATABASE_NAME
    settings = load_settings()
    dbt = dbt_cli_resource(settings)
    command = [dbt.dbt_executable, "compile", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(COMPILED_TARGET)]  # fmt: skip
    env = {**os.environ, **settings.dbt_env(), "WAREHOUSE_WORKING_DUCKDB_PATH": str(env_path)}
    subprocess.run(command, check=True, env=env, cwd=DBT_PROJECT_DIR, stdout=subprocess.DEVNULL)
    return COMPILED_TARGET / "manifest.json"


def build_order(manifest: Mapping) -> list[dict]:
    """Seeds and models of the full build (no weekly v2 models), each after what it reads."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("seed", "model") and WEEKLY_TAG not in node.get("tags", [])
    }
    ordered: list[dict] = []
    done: set[str] = set()

    def visit(uid: str, path: tuple[str, ...]) -> None:
        if uid in done:
            return
        if uid in path:
            raise ValueError(f"dependency cycle through {uid}")
        for parent in nodes[uid]["depends_on"].get("nodes", []):
            if parent in nodes:
                visit(parent, (*path, uid))
        done.add(uid)
        ordered.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid, ())
    return ordered


def node_statements(node: Mapping) -> Iterator[str]:
    """The SQL that materialises one seed or model, as dbt does (views stay views)."""
    relation = node["relation_name"]
    schema = relation.rsplit(".", 1)[0]
    yield f"create schema if not exists {schema}"
    if node["resource_type"] == "seed":
        path = DBT_PROJECT_DIR / node["original_file_path"]
        types = node["config"].get("column_types") or {}
        casts = ", ".join(f'cast("{column}" as {kind}) as "{column}"' for column, kind in types.items())
        select = f"select * exclude ({', '.join(repr(c) for c in types)}), {casts}" if types else "select *"
        yield f"create or replace table {relation} as {select} from read_csv('{path}', header = true)"
        return
    kind = "view" if node["config"]["materialized"] == "view" else "table"
    yield f"create or replace {kind} {relation} as {node['compiled_code']}"


def load_raw(conn: duckdb.DuckDBPyConnection, generated_dir: Path, hfcommunity_dump: Path) -> None:
    """The raw tables of the full build, by the product's loaders, without their audit."""
    load_snapshot_file(conn, LEADERBOARD_LAYOUTS["paper_scrape"], generated_dir / LEADERBOARD_LAYOUTS["paper_scrape"].file_name)
    for name in ("repo_details", "commit_data"):
        load_snapshot_file(conn, SNAPSHOT_FILES[name], generated_dir / SNAPSHOT_FILES[name].file_name)
    final = V1_FINAL_LAYOUTS["final_table"]  # the era verdicts' final v1 table, beside the scrape
    load_snapshot_file(conn, final, generated_dir / final.file_name)
    load_hfcommunity_dump(conn, hfcommunity_dump)


def run_floor(manifest_path: Path, database_dir: Path, generated_dir: Path, hfcommunity_dump: Path) -> dict:
    """Load the raw files and build every mart in database_dir/working.duckdb; return timings."""
    manifest = json.loads(manifest_path.read_text())
    database_dir.mkdir(parents=True, exist_ok=True)
    database = database_dir / WORKING_DATABASE_NAME
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(database)) as conn:
        conn.execute("set TimeZone = 'UTC'")  # as dbt's profile
        load_raw(conn, generated_dir, hfcommunity_dump)
        loaded = time.perf_counter()
        for node in build_order(manifest):
            for statement in node_statements(node):
                conn.execute(statement)
        conn.execute("checkpoint")
    finished = time.perf_counter()
    return {"ingest_seconds": loaded - started, "models_seconds": finished - loaded, "total_seconds": finished - started}


def main(task_path: str) -> int:
    task = json.loads(Path(task_path).read_text())
    result = run_floor(Path(task["manifest"]), Path(task["database_dir"]), Path(task["generated_dir"]),
                       Path(task["hfcommunity_dump"]))  # fmt: skip
    Path(task["result"]).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1]))
