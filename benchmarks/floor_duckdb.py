"""The floor: every mart of the full build computed by DuckDB straight from the source files, in
memory, with no persistence, no checks and no orchestration.

Each raw table is a view over its source file (`raw_views`), read by the product's own SELECT
(`snapshot_select_sql` of the paper snapshot's reader, `csv_export_select_sql` of HFCommunity's):
the same columns, text and lineage, but nothing is written, and DuckDB reads only the columns the
models use (projection pushdown through the views). The lineage columns the models read are
there: `_source_checksum` (the era models join on it: every file is hashed, as the loaders do, and
timed apart), `_source_row` (the tie-breaks) and `_source_file`. Repository cards are parsed by the
reader's own `parse_cards` (each distinct card once, into an in-memory table the view joins).
HFCommunity is read from its CSV export, the form the benchmark's inputs use
(benchmarks/inputs.py): a SQL dump can only be read through the product's streaming parser, so the
floor refuses one rather than measure that parser as the floor.

Then every model is dbt's compiled SQL (`dbt compile` into `dbt_project/target/bench_compiled`,
read from its manifest.json), run in dependency order as a view or a table, as dbt materialises
it, in an in-memory database named `working` (the compiled SQL names relations
`"working"."<schema>"."<table>"`). Seeds are read with DuckDB's CSV reader and cast to their
configured column types. Left out, because they are not computing the marts: the structure
checks of the files, dbt's and GX's tests, the publish, figures and the report, and Dagster.

`marts` narrows the floor to some marts: only the models and seeds they are built from, over
views of only the source files they read (the benchmark's *floor for the peer's marts*, the
like-for-like DuckDB counterpart of the pandas peer).

`run_floor_with_loaders` is the breakdown beside it: the raw tables loaded by the product's
loaders (without their GX audit) into a DuckDB file, then the same models. Its distance from the
floor is what loading costs before any check.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.pipeline_run import upstream_of
from orchestration.defs.hfcommunity.reader import (
    CARD_COLUMNS,
    HFC_SCHEMA,
    HFC_TABLES,
    csv_export_select_sql,
    csv_table_path,
    dump_form,
    load_hfcommunity_dump,
    parse_cards,
    raw_table_name,
)
from orchestration.defs.paper_snapshot.reader import (
    LEADERBOARD_LAYOUTS,
    SNAPSHOT_FILES,
    V1_FINAL_LAYOUTS,
    SnapshotFile,
    load_snapshot_file,
    raw_column_names,
    read_header,
    snapshot_select_sql,
)
from orchestration.loading import LINEAGE_COLUMNS, file_checksum, quote_identifier, read_csv_header
from orchestration.settings import DBT_PROJECT_DIR, WORKING_DATABASE_NAME, load_settings

COMPILED_TARGET = DBT_PROJECT_DIR / "target" / "bench_compiled"
# The catalog the compiled SQL names: the working database file's stem, as DuckDB names it.
WORKING_CATALOG = Path(WORKING_DATABASE_NAME).stem
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


def build_order(manifest: Mapping, marts: Collection[str] | None = None) -> list[dict]:
    """Seeds and models of the full build (no weekly v2 models), each after what it reads;
    with `marts`, only those the marts are built from."""
    wanted = upstream_of(manifest, marts)[0] if marts is not None else None
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("seed", "model") and WEEKLY_TAG not in node.get("tags", [])
        and (wanted is None or uid in wanted)
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


def snapshot_sources(generated_dir: Path) -> list[tuple[SnapshotFile, Path]]:
    """The paper snapshot's files the full build reads, each with its layout: the scrape, the
    repo details and commit data, and the final v1 table the era models read beside the scrape."""
    specs = (LEADERBOARD_LAYOUTS["paper_scrape"], SNAPSHOT_FILES["repo_details"], SNAPSHOT_FILES["commit_data"],
             V1_FINAL_LAYOUTS["final_table"])  # fmt: skip
    return [(spec, generated_dir / spec.file_name) for spec in specs]


def hfcommunity_csv_export(hfcommunity_dump: Path) -> Path:
    """The floor reads HFCommunity's CSV export directly; a SQL dump only the product's parser reads."""
    if dump_form(hfcommunity_dump) != "csv":
        raise ValueError(f"{hfcommunity_dump}: the floor reads HFCommunity's per-table CSV export (a directory); "
                         "a SQL dump can only be read through the product's streaming parser (run_floor_with_loaders)")  # fmt: skip
    return hfcommunity_dump


def raw_views(
    conn: duckdb.DuckDBPyConnection, generated_dir: Path, hfcommunity_dump: Path, sources: Collection[str] | None = None
) -> dict[str, float]:
    """Each raw table of the full build (or those of `sources`, by table name) as a view over
    its source file (module docstring); return the seconds spent hashing the files and parsing
    the cards."""
    loaded_at = datetime.now(UTC)
    csv_dir = hfcommunity_csv_export(hfcommunity_dump)
    started = time.perf_counter()
    snapshot = [(spec, path, file_checksum(path)) for spec, path in snapshot_sources(generated_dir)
                if sources is None or spec.table.removeprefix("raw.") in sources]  # fmt: skip
    hfcommunity = [(table, csv_table_path(csv_dir, table)) for table in HFC_TABLES
                   if sources is None or raw_table_name(table) in sources]  # fmt: skip
    hfcommunity = [(table, path, file_checksum(path)) for table, path in hfcommunity]
    hashed = time.perf_counter()
    conn.execute("create schema if not exists raw")
    for spec, path, checksum in snapshot:
        names = raw_column_names(spec, read_header(spec, path))
        select = snapshot_select_sql(spec, path, names, source_file=str(path), checksum=checksum, loaded_at=loaded_at)
        conn.execute(f"create or replace view {spec.table} as {select}")
    for table, path, checksum in hfcommunity:
        header = read_csv_header(path, ",", expected=f"the `{table}` table of the CSV export")
        select = csv_export_select_sql(table, path, header, checksum=checksum, loaded_at=loaded_at)
        if table == "repository":
            select = _with_parsed_cards(conn, select)
        conn.execute(f"create or replace view raw.{raw_table_name(table)} as {select}")
    finished = time.perf_counter()
    return {"checksum_seconds": hashed - started, "views_and_cards_seconds": finished - hashed}


FLOOR_CARDS = "floor_parsed_cards"


def _with_parsed_cards(conn: duckdb.DuckDBPyConnection, repository_select: str) -> str:
    """raw.hfc_repository's SELECT: the file's rows with their cards' columns, from an in-memory
    table of each distinct card parsed once (the reader's parse_cards, as its loader does)."""
    parse_cards(conn, f"({repository_select})", FLOOR_CARDS)
    columns = [*(f"file.{quote_identifier(c)}" for c in HFC_SCHEMA["repository"].columns),
               *(f"cards.{c}" for c in CARD_COLUMNS), *(f"file.{c}" for c in LINEAGE_COLUMNS)]  # fmt: skip
    return (f"select {', '.join(columns)} from ({repository_select}) as file "
            f"left join {FLOOR_CARDS} as cards on file.card_data is not distinct from cards.card_data")  # fmt: skip


def build_models(conn: duckdb.DuckDBPyConnection, manifest: Mapping, marts: Collection[str] | None = None) -> None:
    for node in build_order(manifest, marts):
        for statement in node_statements(node):
            conn.execute(statement)


@contextmanager
def built_floor(
    manifest_path: Path, generated_dir: Path, hfcommunity_dump: Path, scratch_dir: Path, *, memory_limit: str | None = None,
    marts: Collection[str] | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict]]:
    """Build every mart (or only `marts`) in an in-memory database from views over the source
    files; yield its connection (still open: the marts live only there) and the timings.
    `scratch_dir`: where DuckDB spills what does not fit in `memory_limit` (DuckDB's default
    when None)."""
    manifest = json.loads(manifest_path.read_text())
    sources = upstream_of(manifest, marts)[1] if marts is not None else None
    scratch_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = {"temp_directory": str(scratch_dir), **({"memory_limit": memory_limit} if memory_limit else {})}
    with duckdb.connect(config=config) as conn:
        conn.execute(f"attach ':memory:' as {WORKING_CATALOG}")
        conn.execute(f"use {WORKING_CATALOG}")
        conn.execute("set TimeZone = 'UTC'")  # as dbt's profile
        parts = raw_views(conn, generated_dir, hfcommunity_dump, sources)
        sourced = time.perf_counter()
        build_models(conn, manifest, marts)
        finished = time.perf_counter()
        yield conn, {**parts, "sources_seconds": sourced - started, "models_seconds": finished - sourced,
                     "total_seconds": finished - started}  # fmt: skip


def load_raw(conn: duckdb.DuckDBPyConnection, generated_dir: Path, hfcommunity_dump: Path) -> None:
    """The raw tables of the full build, by the product's loaders, without their audit."""
    for spec, path in snapshot_sources(generated_dir):
        load_snapshot_file(conn, spec, path)
    load_hfcommunity_dump(conn, hfcommunity_dump)


def run_floor_with_loaders(manifest_path: Path, database_dir: Path, generated_dir: Path, hfcommunity_dump: Path) -> dict:
    """The breakdown: load the raw files with the product's loaders into
    database_dir/working.duckdb and build every mart there; return timings."""
    manifest = json.loads(manifest_path.read_text())
    database_dir.mkdir(parents=True, exist_ok=True)
    database = database_dir / WORKING_DATABASE_NAME
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(database)) as conn:
        conn.execute("set TimeZone = 'UTC'")  # as dbt's profile
        load_raw(conn, generated_dir, hfcommunity_dump)
        loaded = time.perf_counter()
        build_models(conn, manifest)
        conn.execute("checkpoint")
    finished = time.perf_counter()
    return {"ingest_seconds": loaded - started, "models_seconds": finished - loaded, "total_seconds": finished - started}


def main(task_path: str) -> int:
    """One measured run: `with_loaders` in the task picks the breakdown; the floor's marts, which
    live only in its process, are checked against the truth there, after its clock stops."""
    from benchmarks.truth import verify_truth

    task = json.loads(Path(task_path).read_text())
    paths = Path(task["manifest"]), Path(task["generated_dir"]), Path(task["hfcommunity_dump"])
    if task.get("with_loaders"):
        result = run_floor_with_loaders(paths[0], Path(task["database_dir"]), *paths[1:])
    else:
        floor = built_floor(*paths, Path(task["scratch_dir"]), memory_limit=task.get("memory_limit"), marts=task.get("marts"))
        with floor as (conn, timings):
            result = {**timings, "truth": verify_truth(conn, task["truth"]).record()}
    Path(task["result"]).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1]))
