"""A SQL user in another process: queries the published warehouse in a loop until told to stop.

    python -m tests.integration.published_reader PATH STOP_FILE OUT_JSON [--hold]

Each answer records the version it came from and whether it is complete: every table's row
count equals the count recorded in that version's `meta.table_row_counts`. With `--hold` the
reader keeps one connection open for its whole life (a notebook left open); without it, it
opens a fresh read-only connection per query (a BI tool). Errors are recorded, not raised.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb


def one_answer(conn: duckdb.DuckDBPyConnection) -> dict:
    (version_id,) = conn.execute("select version_id from meta.publication").fetchone()
    recorded = dict(conn.execute("select table_name, row_count from meta.table_row_counts").fetchall())
    actual = {
        table: conn.execute(f"select count(*) from {table}").fetchone()[0] for table in recorded
    }
    # A typical analyst's query, to keep the reader busy in the file.
    conn.execute("select model_type, count(*) from marts.dim_models group by all order by all").fetchall()
    return {"version_id": version_id, "complete": actual == recorded and len(recorded) > 0, "error": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("stop_file")
    parser.add_argument("out")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args()
    answers: list[dict] = []
    held = duckdb.connect(args.path, read_only=True) if args.hold else None
    ready = Path(args.out + ".ready")
    while not Path(args.stop_file).exists():
        started = time.monotonic()
        try:
            if held is not None:
                answer = one_answer(held)
            else:
                with duckdb.connect(args.path, read_only=True) as conn:
                    answer = one_answer(conn)
        except Exception as exc:  # noqa: BLE001 - the test asserts there are none
            answer = {"version_id": None, "complete": False, "error": f"{type(exc).__name__}: {exc}"}
        answer["seconds"] = round(time.monotonic() - started, 4)
        answers.append(answer)
        ready.touch()
        # A user querying every 200 ms: hundreds of reads across a run, and CPU left for it (at
        # 50 ms the five readers took 167 CPU-seconds of the suite's two cores, stop 29).
        time.sleep(0.2)
    # One last answer after the run: a fresh connection must see the newest version.
    if held is None:
        with duckdb.connect(args.path, read_only=True) as conn:
            answers.append({**one_answer(conn), "final": True})
    Path(args.out).write_text(json.dumps(answers), encoding="utf-8")


if __name__ == "__main__":
    main()
