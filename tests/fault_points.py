"""The faults the tests inject, as rows of docs/reliability.md (rendered by tests/bad_inputs.py).

Kept apart from the integration tests that inject them (tests/integration/test_publish.py), so
the document can be rendered without importing Dagster."""

FAULT_ROWS: list[tuple[str, str, str]] = [
    ("SIGKILL of `cli materialize` and its dbt child", "during a raw load",
     "published warehouse unchanged and opens; working database marked not audited; next run publishes without clean-up"),
    ("SIGKILL of `cli materialize` and its dbt child", "while dbt builds",
     "published warehouse unchanged and opens; working database marked not audited; next run publishes without clean-up"),
    ("SIGKILL of `cli materialize` and its dbt child", "while the version file is written",
     "published warehouse unchanged and opens; the audited build stays publishable; the temporary file is removed by the next run"),
    ("two runs launched at once", "every writer step", "both succeed, one writer at a time (pool `duckdb_writer`)"),
    ("five SQL readers during a run", "the published file", "every read sees a complete version; a held session keeps its version"),
]
