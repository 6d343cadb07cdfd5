"""The one module that touches the Great Expectations API (GX 1.x).

Suites are data: `expectations/<suite>.json`, in GX 1.x suite JSON (`name`, `expectations` as
`{type, kwargs, meta}`, suite `meta`). Two additions the helper reads from that JSON:

- `meta.casts`: `{"number": [...], "datetime": [...], "iso_datetime": [...]}`. Raw tables hold
  text, so for each listed column the helper adds `<column>__as_number` (`pd.to_numeric`) or
  `<column>__as_datetime` (`datetime`: `%Y-%m-%d %H:%M:%S%z`; `iso_datetime`: any ISO 8601
  form such as `2024-05-05T12:22:44Z`, a time without offset taken as UTC), with unparseable
  values coerced to null. Range expectations name
  those derived columns; the raw text keeps its own parseability expectation, so `'abc'` in a
  score column is reported as unparseable rather than silently skipped by the range check.
  Failures on a derived column are reported against the source column, with the raw text value.
- each expectation's `meta.family` (the check family) and `meta.failure` (what a failure means,
  in words: "values outside 0–100"), used in the summary line.

`$PARAMETER latest_plausible_timestamp` is supplied at validation time: now + 1 day (UTC).

GX runs in one in-memory (ephemeral) context per process, analytics and progress bars off;
nothing is written to disk. Validation uses result_format COMPLETE with `_source_row` as the
unexpected index column, so every failure names its file rows (samples capped at SAMPLE_SIZE;
every offending row kept for the quarantine, orchestration/checks/quarantine.py).
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from orchestration.settings import EXPECTATIONS_DIR

ROW_COLUMN = "_source_row"
FILE_COLUMN = "_source_file"
_FALLBACK_ROW_COLUMN = "_frame_row"  # 1-based position, used only when `_source_row` is absent
CAST_SUFFIXES = {"number": "__as_number", "datetime": "__as_datetime", "iso_datetime": "__as_datetime"}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S%z"
LATEST_PLAUSIBLE_PARAMETER = "latest_plausible_timestamp"
SAMPLE_SIZE = 5

_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# Outcome: plain data, independent of GX
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    """One offending value: where it is (file, 1-based data row, column) and what it is."""

    source_file: str | None
    source_row: int | None
    """`_source_row`: the 1-based data row in the file (header excluded); None if the frame lacks it."""
    column: str | None
    value: Any
    frame_row: int | None = None
    """1-based position in the validated frame, set only when `_source_row` is missing."""


@dataclass(frozen=True)
class FailedExpectation:
    expectation_type: str
    column: str | None
    """The raw column (a derived `<col>__as_number` is reported as `<col>`); None for table-level."""
    unexpected_count: int | None
    unexpected_percent: float | None
    """Unexpected values as a percentage of all rows checked."""
    sample_rows: tuple[SampleRow, ...] = ()
    family: str | None = None
    failure: str | None = None
    """What the failure means, from the suite: "values outside 0–100"."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    observed_value: Any = None
    exception: str | None = None
    """Set when GX could not evaluate the expectation (e.g. the column is missing)."""
    unexpected_rows: tuple[int, ...] = ()
    """Every offending `_source_row` (not only the samples): what a quarantine rule moves aside.
    Left out of `to_dict`, so check metadata stays small however many rows fail."""
    position: int = 0
    """The expectation's place in its suite: failures are reported in suite order."""

    @property
    def label(self) -> str:
        return f"{self.expectation_type}({self.column})" if self.column else self.expectation_type

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sample_rows"] = [asdict(s) for s in self.sample_rows]
        data["kwargs"] = dict(self.kwargs)
        del data["unexpected_rows"], data["position"]
        return data


@dataclass(frozen=True)
class SuiteOutcome:
    suite_name: str
    table: str
    source_file: str
    """The file name the table was loaded from (from `_source_file`, else the suite's meta)."""
    success: bool
    evaluated_expectations: int
    successful_expectations: int
    rows_checked: int
    failed_expectations: tuple[FailedExpectation, ...]
    elapsed_seconds: float
    suite_part: str | None = None
    """None: the whole suite; `rows` or `table`: one part of it (a table validated in chunks);
    `cleared`: the expectations the screen cleared (checks/screen.py)."""
    cleared_by_screen: int = 0
    """Expectations DuckDB's screen found no row to fail on (checks/screen.py): passed without
    being handed to GX. Counted in `evaluated_expectations`, as GX would have passed them."""

    @property
    def summary(self) -> str:
        if self.success:
            return (
                f"{self.table}: all {self.evaluated_expectations} expectations passed "
                f"on {self.rows_checked:,} rows of {self.source_file}"
            )
        failed = len(self.failed_expectations)
        parts = _summary_parts(self)
        shown = "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more" if len(parts) > 3 else "")
        return f"{self.table}: {failed} of {self.evaluated_expectations} expectations failed — {shown}"


def _summary_parts(outcome: SuiteOutcome) -> list[str]:
    missing = {
        f.column for f in outcome.failed_expectations if f.expectation_type == "expect_column_to_exist"
    }
    parts = []
    for f in outcome.failed_expectations:
        if f.expectation_type == "expect_column_to_exist":
            parts.append(f"column {f.column!r} is missing from {outcome.source_file}")
        elif f.column in missing:
            continue  # its other expectations fail only because the column is missing
        elif f.exception:
            where = f"column {f.column!r}" if f.column else "table"
            parts.append(f"{where}: could not be evaluated ({f.exception})")
        elif f.column is None:
            observed = f" (observed {f.observed_value})" if f.observed_value is not None else ""
            parts.append(f"{outcome.source_file}: {f.failure or f.expectation_type}{observed}")
        else:
            rows = [s.source_row for s in f.sample_rows if s.source_row is not None]
            noun = "row"
            if not rows:  # no `_source_row`: fall back to positions in the validated frame
                rows = [s.frame_row for s in f.sample_rows if s.frame_row is not None]
                noun = "frame row"
            more = (f.unexpected_count or 0) - len(rows)
            row_text = ", ".join(str(r) for r in rows) + (f" and {more} more" if more > 0 else "")
            values = ", ".join(_short(s.value) for s in f.sample_rows[:3])
            noun = noun if len(rows) == 1 and more <= 0 else noun + "s"
            parts.append(
                f"column {f.column!r} {noun} {row_text} of {outcome.source_file}: "
                f"{f.failure or f.expectation_type} ({values})"
            )
    return parts


def _short(value: Any, limit: int = 40) -> str:
    text = "null" if value is None else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Suites as data
# --------------------------------------------------------------------------------------------


def suite_path(suite_name: str) -> Path:
    return EXPECTATIONS_DIR / f"{suite_name}.json"


@functools.cache
def load_suite_spec(suite_name: str) -> dict[str, Any]:
    """The suite JSON, checked: every range expectation on a derived column has a declared cast."""
    path = suite_path(suite_name)
    if not path.is_file():
        known = sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json"))
        raise ValueError(f"no expectation suite {suite_name!r} ({path} does not exist); known: {known}")
    spec = json.loads(path.read_text(encoding="utf-8"))
    if spec.get("name") != suite_name:
        raise ValueError(f"{path}: suite name {spec.get('name')!r} does not match the file name")
    derived = set(_derived_columns(spec))
    for i, exp in enumerate(spec.get("expectations", [])):
        column = exp.get("kwargs", {}).get("column", "")
        if column.endswith(tuple(CAST_SUFFIXES.values())) and column not in derived:
            raise ValueError(
                f"{path}: expectation {i} ({exp.get('type')}) reads {column!r}, "
                "but meta.casts does not declare its source column"
            )
    return spec


def _derived_columns(spec: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """derived column → (source column, cast kind)."""
    casts = spec.get("meta", {}).get("casts", {})
    unknown = set(casts) - set(CAST_SUFFIXES)
    if unknown:
        raise ValueError(f"suite {spec.get('name')!r}: unknown cast kind(s) {sorted(unknown)}")
    return {f"{col}{CAST_SUFFIXES[kind]}": (col, kind) for kind, cols in casts.items() for col in cols}


def _with_casts(df: pd.DataFrame, spec: Mapping[str, Any]) -> pd.DataFrame:
    frame = df.reset_index(drop=True)
    added: dict[str, pd.Series] = {}
    for derived, (col, kind) in _derived_columns(spec).items():
        if col not in frame.columns:
            continue  # expect_column_to_exist reports it; the range check errors on the absent column
        if kind == "number":
            added[derived] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        elif kind == "iso_datetime":
            added[derived] = pd.to_datetime(frame[col], format="ISO8601", utc=True, errors="coerce")
        else:
            added[derived] = pd.to_datetime(frame[col], format=TIMESTAMP_FORMAT, utc=True, errors="coerce")
    if ROW_COLUMN not in frame.columns:
        added[_FALLBACK_ROW_COLUMN] = pd.Series(range(1, len(frame) + 1), dtype="int64")
    return frame.assign(**added) if added else frame


# --------------------------------------------------------------------------------------------
# GX: one ephemeral context per process
# --------------------------------------------------------------------------------------------


@functools.cache
def _gx_batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("raw_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _build_suite(spec: Mapping[str, Any]):
    from great_expectations.core import ExpectationSuite

    expectations = [
        {**exp, "meta": {"position": i, **exp.get("meta", {})}} for i, exp in enumerate(spec["expectations"])
    ]
    suite = ExpectationSuite(name=spec["name"], expectations=expectations, meta=dict(spec.get("meta", {})))
    if len(suite.expectations) != len(expectations):  # GX logs and drops invalid configurations
        raise ValueError(
            f"{suite_path(spec['name'])}: GX rejected {len(expectations) - len(suite.expectations)} "
            "expectation(s); see the log for the invalid configuration"
        )
    return suite


# Expectations over more than one row at a time: a table validated in chunks runs them once, on
# the whole table (projected onto the columns they read), and every other expectation per chunk.
TABLE_EXPECTATIONS = frozenset({
    "expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique", "expect_table_row_count_to_be_between",
})  # fmt: skip
ROW_COUNT_EXPECTATIONS = frozenset({"expect_table_row_count_to_be_between"})
# part → whether an expectation type belongs to it. `rows` and `table` split a suite for a table
# validated in chunks; `rows`, `unique` and `row_count` for a screened one (checks/screen.py).
SUITE_PARTS = {
    "rows": lambda kind: kind not in TABLE_EXPECTATIONS,
    "table": lambda kind: kind in TABLE_EXPECTATIONS,
    "unique": lambda kind: kind in TABLE_EXPECTATIONS - ROW_COUNT_EXPECTATIONS,
    "row_count": lambda kind: kind in ROW_COUNT_EXPECTATIONS,
}


def suite_part(spec: Mapping[str, Any], part: str, positions: Collection[int] | None = None) -> dict[str, Any]:
    """The suite's expectations of one part (SUITE_PARTS): `rows` holds those true of a table
    when true of each of its rows, the others read several rows at once; only those at
    `positions` in the suite, if given. Each keeps its position."""
    if part not in SUITE_PARTS:
        raise ValueError(f"unknown suite part {part!r}; expected one of {tuple(SUITE_PARTS)}")
    expectations = [
        {**exp, "meta": {**exp.get("meta", {}), "position": i}}
        for i, exp in enumerate(spec["expectations"])
        if SUITE_PARTS[part](exp["type"]) and (positions is None or i in positions)
    ]
    return {**spec, "expectations": expectations}


def cleared_outcome(suite_name: str, cleared: int, rows_checked: int) -> SuiteOutcome:
    """The outcome of the `cleared` expectations of a suite that DuckDB's screen found no row
    to fail on (checks/screen.py): passed, without GX; merged with what GX judged."""
    spec = load_suite_spec(suite_name)
    return SuiteOutcome(
        suite_name=suite_name,
        table=spec.get("meta", {}).get("table", suite_name),
        source_file=spec.get("meta", {}).get("source_file", "the source file"),
        success=True,
        evaluated_expectations=cleared,
        successful_expectations=cleared,
        rows_checked=rows_checked,
        failed_expectations=(),
        elapsed_seconds=0.0,
        suite_part="cleared",
        cleared_by_screen=cleared,
    )


def table_part_columns(spec: Mapping[str, Any]) -> list[str]:
    """The columns the table part of a suite reads."""
    columns: list[str] = []
    for exp in suite_part(spec, "table")["expectations"]:
        kwargs = exp.get("kwargs", {})
        columns += [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list", []))
    return list(dict.fromkeys(columns))


def merge_outcomes(outcomes: Sequence[SuiteOutcome], rows_checked: int) -> SuiteOutcome:
    """One outcome from the outcomes of a table's parts (its table part and its chunks): a
    failure met in several chunks is one failure, with its counts added, its samples the first
    SAMPLE_SIZE and every offending row; an expectation evaluated on every chunk counts once."""
    if not outcomes:
        raise ValueError("no outcome to merge")
    merged: dict[str, FailedExpectation] = {}
    for outcome in outcomes:
        for failed in outcome.failed_expectations:
            earlier = merged.get(failed.label)
            if earlier is None:
                merged[failed.label] = failed
                continue
            count = (earlier.unexpected_count or 0) + (failed.unexpected_count or 0)
            merged[failed.label] = replace(
                earlier,
                unexpected_count=count if earlier.unexpected_count is not None or failed.unexpected_count is not None else None,
                sample_rows=(earlier.sample_rows + failed.sample_rows)[:SAMPLE_SIZE],
                unexpected_rows=earlier.unexpected_rows + failed.unexpected_rows,
            )
    failures = tuple(
        replace(f, unexpected_percent=round(100.0 * f.unexpected_count / rows_checked, 4) if rows_checked else None)
        if f.unexpected_count is not None else f
        for f in sorted(merged.values(), key=lambda f: f.position)
    )  # fmt: skip
    # Each part's expectations once (the chunks of the `rows` part share theirs).
    by_suite_part: dict[str | None, SuiteOutcome] = {}
    for outcome in outcomes:
        by_suite_part.setdefault(outcome.suite_part, outcome)
    evaluated = sum(o.evaluated_expectations for o in by_suite_part.values())
    files = [o.source_file for o in outcomes if o.suite_part == "rows"] or [outcomes[0].source_file]
    return SuiteOutcome(
        suite_name=outcomes[0].suite_name,
        table=outcomes[0].table,
        source_file=files[0],
        success=all(o.success for o in outcomes),
        evaluated_expectations=evaluated,
        successful_expectations=evaluated - len(failures),
        rows_checked=rows_checked,
        failed_expectations=failures,
        elapsed_seconds=sum(o.elapsed_seconds for o in outcomes),
        cleared_by_screen=sum(o.cleared_by_screen for o in by_suite_part.values()),
    )


def validate_frame(
    df: pd.DataFrame, suite_name: str, *, now: datetime | None = None, part: str | None = None,
    positions: Collection[int] | None = None,
) -> SuiteOutcome:
    """Validate a raw table (as a DataFrame, lineage columns included) against a suite, or
    against one part of it (`suite_part`), or only its expectations at `positions` in that part."""
    spec = load_suite_spec(suite_name)
    if part is not None:
        spec = suite_part(spec, part, positions)
    elif positions is not None:
        raise ValueError("positions select expectations within a part")
    frame = _with_casts(df, spec)
    row_column = ROW_COLUMN if ROW_COLUMN in frame.columns else _FALLBACK_ROW_COLUMN
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    started = time.perf_counter()
    with _lock:
        batch = _gx_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            _build_suite(spec),
            result_format={
                # COMPLETE: every offending row's index, for the quarantine (samples stay capped).
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [row_column],
                "partial_unexpected_count": SAMPLE_SIZE,
            },
            expectation_parameters={LATEST_PLAUSIBLE_PARAMETER: latest.isoformat()},
        )
    elapsed = time.perf_counter() - started

    derived = _derived_columns(spec)
    source_file = _source_file_name(frame, spec)
    failed = [
        _failed_expectation(r, frame, derived, row_column)
        for r in sorted(result.results, key=lambda r: r.expectation_config.meta.get("position", 0))
        if not r.success
    ]
    stats = result.statistics
    return SuiteOutcome(
        suite_name=suite_name,
        table=spec.get("meta", {}).get("table", suite_name),
        source_file=source_file,
        success=bool(result.success),
        evaluated_expectations=int(stats["evaluated_expectations"]),
        successful_expectations=int(stats["successful_expectations"]),
        rows_checked=len(frame),
        failed_expectations=tuple(failed),
        elapsed_seconds=elapsed,
        suite_part=part,
    )


def _source_file_name(frame: pd.DataFrame, spec: Mapping[str, Any]) -> str:
    if FILE_COLUMN in frame.columns:
        files = frame[FILE_COLUMN].dropna()
        if len(files):
            return Path(str(files.iloc[0])).name
    return spec.get("meta", {}).get("source_file", "the source file")


def _failed_expectation(result, frame: pd.DataFrame, derived, row_column: str) -> FailedExpectation:
    config = result.expectation_config
    kwargs = {k: _jsonable(v) for k, v in config.kwargs.items() if k != "batch_id"}
    gx_column = config.kwargs.get("column")
    column = derived[gx_column][0] if gx_column in derived else gx_column
    details = result.result or {}
    exception = None
    info = result.exception_info or {}
    if info.get("raised_exception") is None:  # keyed by metric id when a metric raised
        messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
        exception = "; ".join(dict.fromkeys(m for m in messages if m)) or None
    elif info.get("raised_exception"):
        exception = info.get("exception_message")

    samples = []
    file_by_row = _file_lookup(frame, row_column)
    raw_by_row = _value_lookup(frame, row_column, column) if column else None
    for item in details.get("partial_unexpected_index_list") or []:
        if not isinstance(item, Mapping):
            continue
        row = _int_or_none(item.get(row_column))
        value = item.get(gx_column)
        if raw_by_row is not None and gx_column != column and row in raw_by_row:
            value = raw_by_row[row]  # report the raw text, not the coerced number or timestamp
        from_lineage = row_column == ROW_COLUMN
        samples.append(
            SampleRow(
                source_file=file_by_row.get(row),
                source_row=row if from_lineage else None,
                column=column,
                value=_jsonable(value),
                frame_row=None if from_lineage else row,
            )
        )
    unexpected_rows = ()
    if row_column == ROW_COLUMN:
        unexpected_rows = tuple(sorted({
            row for item in details.get("unexpected_index_list") or [] if isinstance(item, Mapping)
            for row in [_int_or_none(item.get(row_column))] if row is not None
        }))
    # share of all rows checked (GX's own unexpected_percent leaves out null values)
    percent = details.get("unexpected_percent_total", details.get("unexpected_percent"))
    return FailedExpectation(
        expectation_type=config.type,
        column=column,
        unexpected_count=_int_or_none(details.get("unexpected_count")),
        unexpected_percent=None if percent is None else round(float(percent), 4),
        sample_rows=tuple(samples),
        family=config.meta.get("family"),
        failure=config.meta.get("failure"),
        kwargs=kwargs,
        observed_value=_jsonable(details.get("observed_value")),
        exception=exception,
        unexpected_rows=unexpected_rows,
        position=int(config.meta.get("position", 0)),
    )


def _file_lookup(frame: pd.DataFrame, row_column: str) -> dict[int, str]:
    if FILE_COLUMN not in frame.columns:
        return {}
    return _value_lookup(frame, row_column, FILE_COLUMN)


def _value_lookup(frame: pd.DataFrame, row_column: str, column: str) -> dict[int, Any]:
    if column not in frame.columns or row_column not in frame.columns:
        return {}
    pairs = frame[[row_column, column]].drop_duplicates(subset=row_column)
    return {int(r): v for r, v in zip(pairs[row_column], pairs[column], strict=True) if not pd.isna(r)}


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars, timestamps and NaN/NaT become int/float/str/None."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None if math.isnan(value) else str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, (str, int, float, bool)) else str(value)


# --------------------------------------------------------------------------------------------
# Dagster
# --------------------------------------------------------------------------------------------


def to_check_result(
    outcome: SuiteOutcome, *, asset_key: dg.AssetKey | Sequence[str] | str | None = None,
    check_name: str | None = None,
) -> dg.AssetCheckResult:
    """A blocking-grade check result: severity ERROR, metadata naming file, row and column."""
    failed = [f.to_dict() for f in outcome.failed_expectations]
    return dg.AssetCheckResult(
        passed=outcome.success,
        asset_key=asset_key,
        check_name=check_name,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.summary,
        metadata={
            "summary": dg.MetadataValue.text(outcome.summary),
            "suite": dg.MetadataValue.text(outcome.suite_name),
            "evaluated_expectations": dg.MetadataValue.int(outcome.evaluated_expectations),
            "failed_expectation_count": dg.MetadataValue.int(len(outcome.failed_expectations)),
            "rows_checked": dg.MetadataValue.int(outcome.rows_checked),
            "cleared_by_screen": dg.MetadataValue.int(outcome.cleared_by_screen),
            "failed_expectations": dg.MetadataValue.json(failed),
            "unexpected_counts": dg.MetadataValue.json(
                {f.label: f.unexpected_count for f in outcome.failed_expectations}
            ),
            "sample_rows": dg.MetadataValue.md(sample_rows_markdown(outcome)),
            "validation_seconds": dg.MetadataValue.float(round(outcome.elapsed_seconds, 3)),
        },
    )


def sample_rows_markdown(outcome: SuiteOutcome) -> str:
    if not outcome.failed_expectations:
        return f"All {outcome.evaluated_expectations} expectations passed; no offending rows."
    lines = [
        "| file | row | column | value | expectation | failure |",
        "|---|---|---|---|---|---|",
    ]
    for f in outcome.failed_expectations:
        samples = f.sample_rows or (SampleRow(None, None, f.column, None),)
        for s in samples:
            file_name = Path(s.source_file).name if s.source_file else outcome.source_file
            row = "" if s.source_row is None else str(s.source_row)
            if s.source_row is None and s.frame_row is not None:
                row = f"frame row {s.frame_row}"
            detail = f.failure or ""
            if f.exception and not f.sample_rows:
                detail = f"{detail} (not evaluated: {f.exception})".strip()
            value = "" if not f.sample_rows else _short(s.value, 60)
            cells = [file_name, row, s.column or "(table)", value, f.expectation_type, detail]
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
