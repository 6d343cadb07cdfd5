"""Row-for-row comparison of two warehouses' tables (the DuckDB and the Spark builds)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import duckdb

# Doubles agree to this many significant digits: the engines add a column's values in
# different orders (parallel sums), which moves the last bits, nothing more.
SIGNIFICANT_DIGITS = 12


def _normalised(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, list | tuple):
        return tuple(_normalised(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _normalised(v)) for k, v in value.items()))
    return value


def table_rows(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[list[str], list[tuple]]:
    """Column names and every row, values normalised, rows sorted (order is not content)."""
    cursor = conn.execute(f"select * from {table}")
    columns = [d[0] for d in cursor.description]
    rows = [tuple(_normalised(v) for v in row) for row in cursor.fetchall()]
    return columns, sorted(rows, key=repr)


def table_differences(
    left: duckdb.DuckDBPyConnection, right: duckdb.DuckDBPyConnection, tables: Iterable[str]
) -> dict[str, str]:
    """For each table that differs: how (columns, row counts, or the first differing rows)."""
    differences = {}
    for table in tables:
        left_columns, left_rows = table_rows(left, table)
        right_columns, right_rows = table_rows(right, table)
        if left_columns != right_columns:
            differences[table] = f"columns {left_columns} != {right_columns}"
        elif left_rows != right_rows:
            left_set, right_set = set(left_rows), set(right_rows)
            only_left = [r for r in left_rows if r not in right_set][:3]
            only_right = [r for r in right_rows if r not in left_set][:3]
            differences[table] = (f"{len(left_rows)} rows != {len(right_rows)} rows; only left: {only_left}; "
                                  f"only right: {only_right}")
    return differences
