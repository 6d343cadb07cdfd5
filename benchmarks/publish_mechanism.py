"""Benchmark: what it costs to publish a built DuckDB warehouse to readers.

Write-audit-publish needs a last step that makes an audited build visible to readers
atomically. This script measures four candidate mechanisms on an already built warehouse
file (the one `python -m orchestration.cli materialize` writes):

  A  whole-file copy      shutil.copyfile(source, tmp) + fsync, os.replace(tmp, published)
  B  selective copy       fresh in-memory DuckDB, ATTACH source (READ_ONLY) and a new file,
                          CREATE TABLE new.s.t AS SELECT * FROM src.s.t for every table of
                          the published schemas, DETACH (checkpoints), fsync, os.replace
  C  Parquet + catalog    COPY every such table TO <version dir>/<schema>/<table>.parquet,
                          a small catalog DuckDB file of views over read_parquet(...),
                          fsync, os.replace of the catalog file
  D  atomic swap alone    os.link(version_file, tmp); os.replace(tmp, published), many times
  P  the project's own    orchestration.wap.versions.publish(): checkpoint, byte copy, drop all
                          but the published schemas, add `meta`, verify every published table
                          against the working one (row count + content hash), fsync, swap
                          (measured in docs/architecture.md with a hard link; now a second byte
                          copy, hashed) — what the `published/warehouse` asset runs

  B2 (COPY FROM DATABASE) is not measured: it only takes (SCHEMA) or (DATA), it cannot be
  restricted to some schemas or tables, so it would copy raw and staging as well.

Each mechanism runs once per repeat in its own subprocess, so the peak RSS reported is that
mechanism's alone (os.wait4 rusage of the child). For A, B and C a fresh reader process then
opens the published result read-only, counts every mart table and runs one aggregate on the
largest mart; the same reader is run on the source file as a baseline.

`--check-reader-consistency` verifies that a reader connected to the published file before
an os.replace() keeps reading the old version consistently, and that new connections see the
new one.

The page cache is not dropped between runs: numbers are warm-cache, except that every
published file is fsync'ed before it is swapped in, so write costs are real. The swap of A, B
and C replaces the previous published file, so it also pays for unlinking that file when
nothing else links to it; D keeps every version linked, so its swap pays only the rename.

Usage:
  python publish_mechanism.py --source data/warehouse.duckdb --workdir /tmp/pubbench/work \\
      --repeat 3 [--mechanisms A,B,C,D] [--check-reader-consistency] [--results out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb

from orchestration.wap.state import fsync_path

DEFAULT_SCHEMAS = ("marts", "intermediate", "seeds")
MART_SCHEMA = "marts"
ROWCOUNT_SCHEMAS = ("raw", "intermediate", "marts")
MECHANISMS = ("A", "B", "C", "D", "P")
MECHANISM_NAMES = {
    "A": "whole-file copy",
    "B": "selective copy (CTAS)",
    "C": "parquet + view catalog",
    "D": "hard-link + os.replace",
    "P": "project publish() (copy, prune, audit, link)",
}

# A representative aggregate for the marts this project builds; any other largest mart
# gets a generic one (see aggregate_sql).
KNOWN_AGGREGATES = {
    "dim_models": (
        "SELECT architecture_group, date_trunc('month', week_start) AS month, count(*) AS n, "
        "avg(average) AS mean_score, max(hub_likes) AS max_likes "
        "FROM marts.dim_models GROUP BY ALL ORDER BY ALL"
    ),
    "model_improvements": (
        "SELECT model_type, benchmark, count(*) AS n, avg(improvement) AS mean_improvement, "
        "quantile_cont(improvement, 0.5) AS median_improvement "
        "FROM marts.model_improvements GROUP BY ALL ORDER BY ALL"
    ),
}


# --------------------------------------------------------------------------- helpers


def qi(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ql(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def fsync_tree(root: Path) -> None:
    """fsync every file and directory under root, root included."""
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            fsync_path(Path(dirpath) / name)
        fsync_path(Path(dirpath))


def swap_into_place(tmp: Path, published: Path) -> None:
    """Atomically make tmp the published file and make the rename durable."""
    os.replace(tmp, published)
    fsync_path(published.parent)


def disk_bytes(path: Path) -> int:
    """Apparent size of a file, or of every file under a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    """(schema, table) of every base table of `catalog` in `schemas`, sorted."""
    # Literals, not bound parameters: the first parameterised execute() of a Python process
    # costs ~0.7 s of client-side set-up, which would swamp the numbers at small scale.
    wanted = ", ".join(ql(s) for s in schemas)
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        f"WHERE database_name = {ql(catalog)} AND schema_name IN ({wanted}) ORDER BY 1, 2"
    ).fetchall()
    return [(s, t) for s, t in rows]


def catalog_name_of(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def rss_mb(kilobytes: int) -> float:
    return round(kilobytes / 1024, 1)


# --------------------------------------------------------------------------- mechanisms
# Each returns a dict with at least "seconds" (total wall time of the publish) and
# "output_bytes"; they run inside a worker subprocess.


def build_selective(source: Path, out: Path, schemas: tuple[str, ...], threads: int | None) -> dict[str, Any]:
    """Copy the tables of `schemas` from source into a new DuckDB file `out` (no publish)."""
    if out.exists():
        out.unlink()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"ATTACH {ql(str(source))} AS src (READ_ONLY)")
    con.execute(f"ATTACH {ql(str(out))} AS dst")
    tables = list_tables(con, "src", schemas)
    for schema in sorted({s for s, _ in tables}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS dst.{qi(schema)}")
    for schema, table in tables:
        con.execute(f"CREATE TABLE dst.{qi(schema)}.{qi(table)} AS SELECT * FROM src.{qi(schema)}.{qi(table)}")
    con.execute("DETACH dst")  # checkpoints the new file
    con.close()
    return {"tables": len(tables)}


def publish_built_file(published: Path, build_phase: str, build) -> dict[str, Any]:
    """Time `build(tmp)` writing a complete file, then its fsync and the swap into place."""
    tmp = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    t0 = time.perf_counter()
    info = build(tmp)
    t1 = time.perf_counter()
    fsync_path(tmp)
    t2 = time.perf_counter()
    swap_into_place(tmp, published)
    t3 = time.perf_counter()
    return {
        "seconds": t3 - t0,
        "phases": {build_phase: t1 - t0, "fsync": t2 - t1, "swap": t3 - t2},
        "output_bytes": disk_bytes(published),
        **info,
    }


def mechanism_a(source: Path, published: Path, **_: Any) -> dict[str, Any]:
    def copy(tmp: Path) -> dict[str, Any]:
        shutil.copyfile(source, tmp)
        return {}

    return publish_built_file(published, "copy", copy)


def mechanism_p(source: Path, published: Path, **_: Any) -> dict[str, Any]:
    """The project's publish step, end to end, on `source` as the working database."""
    from orchestration.wap.versions import PublicationInfo, PublishTarget, publish

    target = PublishTarget(published, published.parent / f"{published.stem}.versions", keep=2)
    t0 = time.perf_counter()
    version, audits = publish(target, source, PublicationInfo("bench", "bench", "generated", str(source)))
    t1 = time.perf_counter()
    return {
        "seconds": t1 - t0,
        "phases": {"publish": t1 - t0},
        "output_bytes": disk_bytes(version.path),
        "tables": len(audits),
    }


def mechanism_b(source: Path, published: Path, schemas: tuple[str, ...], threads: int | None, **_: Any) -> dict[str, Any]:
    return publish_built_file(
        published, "copy_and_checkpoint", lambda tmp: build_selective(source, tmp, schemas, threads)
    )


def mechanism_c(
    source: Path,
    published: Path,
    schemas: tuple[str, ...],
    threads: int | None,
    parquet_compression: str,
    **_: Any,
) -> dict[str, Any]:
    versions = published.parent / "versions"
    version_dir = versions / time.strftime("%Y%m%dT%H%M%S") / uuid.uuid4().hex[:8]
    tmp = published.with_name(f".{published.name}.{uuid.uuid4().hex}.tmp")
    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"ATTACH {ql(str(source))} AS src (READ_ONLY)")
    tables = list_tables(con, "src", schemas)
    files: list[tuple[str, str, Path]] = []
    for schema, table in tables:
        (version_dir / schema).mkdir(parents=True, exist_ok=True)
        target = version_dir / schema / f"{table}.parquet"
        con.execute(
            f"COPY src.{qi(schema)}.{qi(table)} TO {ql(str(target))} "
            f"(FORMAT parquet, COMPRESSION {parquet_compression})"
        )
        files.append((schema, table, target))
    con.close()
    t1 = time.perf_counter()
    cat = duckdb.connect(str(tmp))
    for schema in sorted({s for s, _, _ in files}):
        cat.execute(f"CREATE SCHEMA IF NOT EXISTS {qi(schema)}")
    for schema, table, target in files:
        cat.execute(f"CREATE VIEW {qi(schema)}.{qi(table)} AS SELECT * FROM read_parquet({ql(str(target))})")
    cat.execute("CHECKPOINT")
    cat.close()
    t2 = time.perf_counter()
    fsync_tree(version_dir)
    fsync_path(tmp)
    t3 = time.perf_counter()
    swap_into_place(tmp, published)
    t4 = time.perf_counter()
    return {
        "seconds": t4 - t0,
        "phases": {"parquet_export": t1 - t0, "catalog": t2 - t1, "fsync": t3 - t2, "swap": t4 - t3},
        "output_bytes": disk_bytes(version_dir) + disk_bytes(published),
        "parquet_bytes": disk_bytes(version_dir),
        "catalog_bytes": disk_bytes(published),
        "version_dir": str(version_dir),
        "tables": len(files),
    }


def mechanism_d(published: Path, swap_iterations: int, **_: Any) -> dict[str, Any]:
    """Time os.link + os.replace alone, and the same with an fsync of the directory."""
    # Two versions, published alternately: rename(2) of two links to one inode is a no-op
    # that leaves tmp in place. The size of the linked files does not matter.
    versions = [published.with_name(f"version{i}.bin") for i in (1, 2)]
    for version_file in versions:
        with open(version_file, "wb") as fh:
            fh.write(os.urandom(1 << 20))
            fh.flush()
            os.fsync(fh.fileno())
    tmp = published.with_name(f".{published.name}.tmp")
    results: dict[str, Any] = {}
    for label, durable in (("link_replace", False), ("link_replace_dirfsync", True)):
        samples = []
        for i in range(swap_iterations):
            version_file = versions[i % 2]
            t0 = time.perf_counter_ns()
            os.link(version_file, tmp)
            os.replace(tmp, published)
            if durable:
                fsync_path(published.parent)
            samples.append(time.perf_counter_ns() - t0)
        samples.sort()
        results[label] = {
            "iterations": swap_iterations,
            "median_us": statistics.median(samples) / 1000,
            "p99_us": samples[min(len(samples) - 1, int(len(samples) * 0.99))] / 1000,
            "max_us": samples[-1] / 1000,
            "total_s": sum(samples) / 1e9,
        }
    return {
        "seconds": results["link_replace"]["median_us"] / 1e6,  # per swap
        "swap": results,
        "output_bytes": 0,
    }


# --------------------------------------------------------------------------- readers


def aggregate_sql(con: duckdb.DuckDBPyConnection, largest_mart: str) -> str:
    if largest_mart in KNOWN_AGGREGATES:
        return KNOWN_AGGREGATES[largest_mart]
    first_col = con.execute(f"SELECT * FROM {MART_SCHEMA}.{qi(largest_mart)} LIMIT 0").description[0][0]
    return (
        f"SELECT {qi(first_col)}, count(*) FROM {MART_SCHEMA}.{qi(largest_mart)} "
        "GROUP BY ALL ORDER BY 2 DESC LIMIT 100"
    )


def reader_run(path: Path, largest_mart: str | None, custom_sql: str | None) -> dict[str, Any]:
    """What a fresh reader pays: open read-only, count every mart, one aggregate."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    t1 = time.perf_counter()
    catalog = catalog_name_of(con)
    # views (mechanism C) count as mart relations too
    marts = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_catalog = {ql(catalog)} AND table_schema = {ql(MART_SCHEMA)} ORDER BY 1"
        ).fetchall()
    ]
    counts = {t: con.execute(f"SELECT count(*) FROM {MART_SCHEMA}.{qi(t)}").fetchone()[0] for t in marts}
    t2 = time.perf_counter()
    target = largest_mart or max(counts, key=counts.get)
    sql = custom_sql or aggregate_sql(con, target)
    n_result_rows = len(con.execute(sql).fetchall())
    t3 = time.perf_counter()
    con.close()
    return {
        "open_s": t1 - t0,
        "count_marts_s": t2 - t1,
        "aggregate_s": t3 - t2,
        "total_s": t3 - t0,
        "mart_rows": counts,
        "aggregate_table": target,
        "aggregate_result_rows": n_result_rows,
    }


# --------------------------------------------------------------------------- reader consistency


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Row count and an order-independent hash of every row of every mart table, plus marker."""
    catalog = catalog_name_of(con)
    out: dict[str, Any] = {}
    for schema, table in list_tables(con, catalog, (MART_SCHEMA, "main")):
        n, h = con.execute(f"SELECT count(*), sum(hash(t))::VARCHAR FROM {qi(schema)}.{qi(table)} AS t").fetchone()
        out[f"{schema}.{table}"] = [n, h]
    return out


def fingerprint_file(path: Path) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return fingerprint(con)
    finally:
        con.close()


def consistency_reader(published: Path) -> None:
    """Worker side of --check-reader-consistency, driven over stdin/stdout."""
    con = duckdb.connect(str(published), read_only=True)
    catalog = catalog_name_of(con)
    small = list_tables(con, catalog, (MART_SCHEMA,))[0]
    con.execute(f"SELECT count(*) FROM {qi(small[0])}.{qi(small[1])}").fetchone()  # catalog loaded, data not
    print("READY", flush=True)
    assert sys.stdin.readline().strip() == "SWAPPED"
    report: dict[str, Any] = {}
    report["old_connection_after_swap"] = fingerprint(con)  # data blocks are read only now
    same = duckdb.connect(str(published), read_only=True)  # while the old one is still open
    report["new_connection_same_process_old_open"] = fingerprint(same)
    same.close()
    report["old_connection_again"] = fingerprint(con)
    con.close()
    fresh = duckdb.connect(str(published), read_only=True)  # after every connection closed
    report["new_connection_same_process_after_close"] = fingerprint(fresh)
    fresh.close()
    print(json.dumps(report), flush=True)


def check_reader_consistency(source: Path, workdir: Path, schemas: tuple[str, ...], threads: int | None) -> dict[str, Any]:
    """Publish v1 with mechanism B, connect a reader, swap in v2 with os.replace, compare."""
    base = workdir / "consistency"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    published = base / source.name
    v1, v2 = base / "v1.build", base / "v2.build"
    build_selective(source, v1, schemas, threads)
    build_selective(source, v2, schemas, threads)
    con = duckdb.connect(str(v2))  # make v2 visibly different: half of the largest mart, a marker
    marts = list_tables(con, catalog_name_of(con), (MART_SCHEMA,))
    largest = max(marts, key=lambda st: con.execute(f"SELECT count(*) FROM {qi(st[0])}.{qi(st[1])}").fetchone()[0])
    con.execute(f"DELETE FROM {qi(largest[0])}.{qi(largest[1])} WHERE rowid % 2 = 0")
    con.execute("CREATE TABLE main.publish_marker AS SELECT 2 AS version")
    con.execute("CHECKPOINT")
    con.close()
    expected_v1, expected_v2 = fingerprint_file(v1), fingerprint_file(v2)
    assert expected_v1 != expected_v2
    fsync_path(v1)
    swap_into_place(v1, published)

    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--worker", json.dumps({"role": "consistency", "published": str(published)})],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "READY"
    fsync_path(v2)
    swap_into_place(v2, published)  # the reader's open file is now unlinked
    proc.stdin.write("SWAPPED\n")
    proc.stdin.flush()
    report = json.loads(proc.stdout.readline())
    proc.wait()
    new_process = fingerprint_file(published)

    def which(fp: dict[str, Any]) -> str:
        return "v1 (old)" if fp == expected_v1 else "v2 (new)" if fp == expected_v2 else "NEITHER (inconsistent)"

    observed = {k: which(v) for k, v in report.items()}
    observed["new_process_after_swap"] = which(new_process)
    ok = (
        observed["old_connection_after_swap"] == "v1 (old)"
        and observed["old_connection_again"] == "v1 (old)"
        and observed["new_process_after_swap"] == "v2 (new)"
        and observed["new_connection_same_process_after_close"] == "v2 (new)"
    )
    return {
        "passed": ok,
        "observed": observed,
        "changed_table": f"{largest[0]}.{largest[1]}",
        "v1_rows": expected_v1[f"{largest[0]}.{largest[1]}"][0],
        "v2_rows": expected_v2[f"{largest[0]}.{largest[1]}"][0],
        "note": (
            "the Python client caches database instances by path: a second connect() in a process "
            "that still holds a connection to the published path gets the same (old) instance"
            if observed["new_connection_same_process_old_open"] == "v1 (old)"
            else ""
        ),
    }


# --------------------------------------------------------------------------- subprocess plumbing


def run_worker(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task in a fresh interpreter; return its result plus wall time and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as fh:
        result_path = fh.name
    task = {**task, "result_path": result_path}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(task)])
    _pid, status, rusage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"worker {task['role']} failed with exit code {proc.returncode}")
        result = json.loads(Path(result_path).read_text())
    finally:
        os.unlink(result_path)
    result["process_wall_s"] = wall
    result["peak_rss_mb"] = rss_mb(rusage.ru_maxrss)
    return result


def worker_main(task: dict[str, Any]) -> None:
    role = task["role"]
    if role == "consistency":
        consistency_reader(Path(task["published"]))
        return
    if role == "mechanism":
        fn = {"A": mechanism_a, "B": mechanism_b, "C": mechanism_c, "D": mechanism_d, "P": mechanism_p}[
            task["mechanism"]
        ]
        result = fn(
            source=Path(task["source"]),
            published=Path(task["published"]),
            schemas=tuple(task["schemas"]),
            threads=task["threads"],
            parquet_compression=task["parquet_compression"],
            swap_iterations=task["swap_iterations"],
        )
    elif role == "reader":
        result = reader_run(Path(task["path"]), task.get("largest_mart"), task.get("aggregate_sql"))
    elif role == "baseline":
        result = {}
    else:
        raise SystemExit(f"unknown worker role {role!r}")
    Path(task["result_path"]).write_text(json.dumps(result))


# --------------------------------------------------------------------------- reporting


def summarize(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def source_facts(source: Path) -> dict[str, Any]:
    con = duckdb.connect(str(source), read_only=True)
    catalog = catalog_name_of(con)
    largest: dict[str, Any] = {}
    for schema in ROWCOUNT_SCHEMAS:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {qi(s)}.{qi(t)}").fetchone()[0]
            for s, t in list_tables(con, catalog, (schema,))
        }
        if counts:
            name = max(counts, key=counts.get)
            largest[schema] = {"table": name, "rows": counts[name], "all": counts}
    con.close()
    return {"path": str(source), "bytes": source.stat().st_size, "largest_tables": largest}


def machine_facts(paths: list[Path]) -> dict[str, Any]:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    mounts: list[tuple[str, str]] = []
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            mounts.append((fields[1], fields[2]))
    except OSError:
        pass

    def fstype(path: Path) -> str:
        """Type of the longest mount point that contains path (the last one mounted wins)."""
        resolved = str(path.resolve())
        best = ("", "?")
        for mnt, typ in mounts:
            inside = mnt == "/" or resolved == mnt or resolved.startswith(mnt + "/")
            if inside and len(mnt) >= len(best[0]):
                best = (mnt, typ)
        return best[1]

    return {
        "cpus": os.cpu_count(),
        "mem_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
        "filesystems": {str(p): fstype(p) for p in paths},
    }


def print_table(results: dict[str, Any]) -> None:
    mb = 1024 * 1024
    src = results["source"]
    print(f"\nsource {src['path']}: {src['bytes'] / mb:.1f} MB")
    for schema, info in src["largest_tables"].items():
        print(f"  largest {schema:<13} {info['table']:<32} {info['rows']:>12,} rows")
    print(f"worker baseline (python + duckdb import) peak RSS: {results['baseline_rss_mb']} MB")
    print(
        f"\n{'mech':<5}{'what':<26}{'median s':>10}{'min-max s':>18}{'out MB':>10}{'RSS MB':>9}"
        f"{'rd open s':>11}{'rd count s':>11}{'rd agg s':>10}"
    )
    for key, m in results["mechanisms"].items():
        s = m["seconds"]
        rd = m.get("reader")
        rd_cols = (
            f"{rd['open_s']['median']:>11.4f}{rd['count_marts_s']['median']:>11.4f}{rd['aggregate_s']['median']:>10.4f}"
            if rd
            else f"{'-':>11}{'-':>11}{'-':>10}"
        )
        if key == "D":
            sw = m["runs"][0]["swap"]
            spread = f"{min(r['swap']['link_replace']['median_us'] for r in m['runs']):.1f}-{max(r['swap']['link_replace']['median_us'] for r in m['runs']):.1f} us"
            print(
                f"{key:<5}{MECHANISM_NAMES[key]:<26}{s['median'] * 1e6:>8.1f}us{spread:>18}{0:>10.1f}"
                f"{m['peak_rss_mb']['median']:>9.1f}{rd_cols}"
            )
            print(
                f"     per swap over {sw['link_replace']['iterations']} iterations: p99 "
                f"{sw['link_replace']['p99_us']:.1f} us, max {sw['link_replace']['max_us']:.1f} us; with dir fsync "
                f"median {sw['link_replace_dirfsync']['median_us']:.1f} us, p99 {sw['link_replace_dirfsync']['p99_us']:.1f} us"
            )
            continue
        print(
            f"{key:<5}{MECHANISM_NAMES[key]:<26}{s['median']:>10.3f}{s['min']:>9.3f}-{s['max']:<8.3f}"
            f"{m['output_mb']:>10.1f}{m['peak_rss_mb']['median']:>9.1f}{rd_cols}"
        )
    if results.get("source_reader"):
        rd = results["source_reader"]
        print(
            f"{'src':<5}{'(read source directly)':<26}{'':>10}{'':>18}{src['bytes'] / mb:>10.1f}"
            f"{rd['peak_rss_mb']['median']:>9.1f}{rd['open_s']['median']:>11.4f}{rd['count_marts_s']['median']:>11.4f}"
            f"{rd['aggregate_s']['median']:>10.4f}"
        )
    if results.get("reader_consistency"):
        rc = results["reader_consistency"]
        print(f"\nreader consistency: {'PASSED' if rc['passed'] else 'FAILED'}")
        for k, v in rc["observed"].items():
            print(f"  {k:<42} sees {v}")
        if rc.get("note"):
            print(f"  note: {rc['note']}")


def reader_stats(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        key: summarize([r[key] for r in runs])
        for key in ("open_s", "count_marts_s", "aggregate_s", "total_s", "peak_rss_mb")
    } | {"aggregate_table": runs[0]["aggregate_table"], "mart_rows": runs[0]["mart_rows"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="the built (checkpointed) warehouse DuckDB file")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "publish_mechanism",
                        help="where published outputs are written (same filesystem as a real publish target)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mechanism (default 3)")
    parser.add_argument("--mechanisms", default=",".join(MECHANISMS), help="comma-separated subset of A,B,C,D,P")
    parser.add_argument("--schemas", default=",".join(DEFAULT_SCHEMAS), help="schemas that B and C publish")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads for B and C (default: DuckDB's)")
    parser.add_argument("--parquet-compression", default="snappy", help="Parquet codec for C (default snappy)")
    parser.add_argument("--swap-iterations", type=int, default=1000, help="iterations of D per repeat")
    parser.add_argument("--aggregate-sql", default=None, help="reader aggregate query (default: one per largest mart)")
    parser.add_argument("--no-readers", action="store_true", help="skip the reader measurements")
    parser.add_argument("--check-reader-consistency", action="store_true",
                        help="verify that an open reader keeps the old version across an os.replace")
    parser.add_argument("--results", type=Path, default=None, help="JSON results file (default WORKDIR/results.json)")
    parser.add_argument("--keep-outputs", action="store_true", help="keep old Parquet version dirs of C")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker_main(json.loads(args.worker))
        return 0
    if args.source is None:
        parser.error("--source is required")
    source = args.source.resolve()
    if not source.is_file():
        parser.error(f"--source {source} is not a file")
    mechanisms = [m.strip().upper() for m in args.mechanisms.split(",") if m.strip()]
    unknown = set(mechanisms) - set(MECHANISMS)
    if unknown:
        parser.error(f"unknown mechanisms {sorted(unknown)}")
    schemas = tuple(s.strip() for s in args.schemas.split(",") if s.strip())
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "machine": machine_facts([source.parent, workdir]),
        "source": source_facts(source),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "worker"},
        "baseline_rss_mb": run_worker({"role": "baseline"})["peak_rss_mb"],
        "mechanisms": {},
    }
    mart_rows = results["source"]["largest_tables"].get(MART_SCHEMA, {})
    largest_mart = mart_rows.get("table")
    reader_task = {"role": "reader", "largest_mart": largest_mart, "aggregate_sql": args.aggregate_sql}

    for mech in mechanisms:
        target_dir = workdir / mech
        shutil.rmtree(target_dir, ignore_errors=True)
        target_dir.mkdir(parents=True)
        # keep the source's file name: dbt's views name their catalog after it
        published = target_dir / source.name
        runs, readers = [], []
        for i in range(args.repeat):
            run = run_worker({
                "role": "mechanism", "mechanism": mech, "source": str(source), "published": str(published),
                "schemas": list(schemas), "threads": args.threads, "parquet_compression": args.parquet_compression,
                "swap_iterations": args.swap_iterations,
            })
            runs.append(run)
            print(f"{mech} run {i + 1}/{args.repeat}: {run['seconds']:.6f} s, {run['output_bytes'] / 2**20:.1f} MB, "
                  f"peak RSS {run['peak_rss_mb']} MB", flush=True)
            if mech in ("A", "B", "C", "P") and not args.no_readers:
                readers.append(run_worker({**reader_task, "path": str(published)}))
            if mech == "C" and not args.keep_outputs:  # older versions: no reader of this benchmark needs them
                current = Path(run["version_dir"])
                for old in (published.parent / "versions").glob("*/*"):
                    if old != current:
                        shutil.rmtree(old)
        entry: dict[str, Any] = {
            "name": MECHANISM_NAMES[mech],
            "seconds": summarize([r["seconds"] for r in runs]),
            "peak_rss_mb": summarize([r["peak_rss_mb"] for r in runs]),
            "output_mb": runs[-1]["output_bytes"] / 2**20,
            "runs": runs,
        }
        if readers:
            entry["reader"] = reader_stats(readers)
        results["mechanisms"][mech] = entry

    if not args.no_readers:
        results["source_reader"] = reader_stats([run_worker({**reader_task, "path": str(source)}) for _ in range(args.repeat)])
    if args.check_reader_consistency:
        results["reader_consistency"] = check_reader_consistency(source, workdir, schemas, args.threads)

    out = args.results or workdir / "results.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    print(f"\nresults written to {out}")
    if args.check_reader_consistency and not results["reader_consistency"]["passed"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
