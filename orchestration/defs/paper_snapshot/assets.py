"""Raw assets (group `raw`): each snapshot file loaded into the working database's `raw` schema
with lineage columns, gated by its GX suite before it replaces the previous table.

raw/leaderboard loads the v1 leaderboard layout that WAREHOUSE_V1_SOURCE selects (the paper's
scrape, the final v1 table at WAREHOUSE_V1_FINAL_TABLE, or the v1 dataset's own parquet), gated
by that layout's suite.

With WAREHOUSE_SOURCE=huggingface the files are landed by the Hugging Face connector first:
raw/leaderboard pulls the v1 dataset itself (its parquet, as it is: layout dataset_parquet); raw/repo_details and raw/commit_data load what
raw/hub_models fetched (orchestration/defs/hub_api/assets.py), and `_source_file` names the dataset or
API the rows came from. With WAREHOUSE_SOURCE=hfcommunity, raw/repo_details and raw/commit_data
load the leaderboard models' rows cut from the loaded HFCommunity dump
(orchestration/defs/hfcommunity/paper_files.py)."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.checks.gx_suite import to_check_result
from orchestration.checks.quarantine import QuarantinedRows
from orchestration.checks.raw_checks import RawGate, raw_check_spec, raw_quarantine_check_spec
from orchestration.loading import SourceFileError, file_checksum
from orchestration.resources import EngineResource, SourceFilesResource, WarehouseResource, WriterLockResource, short_connection
from orchestration.settings import DUCKDB_WRITER_POOL, HuggingFaceSettings
from orchestration.defs.hfcommunity.paper_files import LANDERS as DUMP_LANDERS
from orchestration.defs.hub_api.connector import V1_DATASET, download_dataset, land_v1_leaderboard
from orchestration.defs.paper_snapshot.paper_layout import read_source_label
from orchestration.defs.paper_snapshot.reader import (
    LEADERBOARD_LAYOUTS,
    SNAPSHOT_FILES,
    V1_FINAL_BESIDE,
    V1_FINAL_LAYOUTS,
    SnapshotFile,
    held_checksum,
    load_snapshot_file,
    matching_layouts,
)
from orchestration.wap.inputs import LoadedInput, full_refresh_requested, is_unchanged

# Sources with several layouts, name → {layout: spec}: the v1 leaderboard, and the final v1 table
# loaded beside it.
LAYOUTS: dict[str, dict[str, SnapshotFile]] = {"leaderboard": LEADERBOARD_LAYOUTS, V1_FINAL_BESIDE: V1_FINAL_LAYOUTS}


def _file_description(spec: SnapshotFile) -> str:
    layouts = LAYOUTS.get(spec.name)
    if not layouts:
        return f"`{spec.file_name}`"
    if spec.name == V1_FINAL_BESIDE:
        return ("The final v1 table beside the v1 leaderboard, for the era verdicts: the v1 dataset's parquet "
                "where that is the v1 source, else WAREHOUSE_V1_FINAL_TABLE, else leaderboard_v1_final.csv in "
                "the source directory; with none, an empty table that says no final table is configured")
    choices = "; ".join(f"`{layout}`: {s.description}" for layout, s in layouts.items())
    return f"The v1 leaderboard that WAREHOUSE_V1_SOURCE selects ({choices})"


def _layout_hint(spec: SnapshotFile, path) -> str:
    """For a v1 leaderboard whose header does not fit the configured layout but fits another
    one: say so."""
    others = [s for s in LAYOUTS.get(spec.name, {}).values() if s is not spec]
    fits = [s.layout for s in matching_layouts(path, others)]
    if not fits:
        return ""
    return f" The file has the {fits[0]!r} layout, not {spec.layout!r}: set WAREHOUSE_V1_SOURCE={fits[0]}?"


def _layout_metadata(layout: SnapshotFile, suite: str) -> dict[str, str]:
    """Which layout of a multi-layout source was loaded, and the suite that gated it."""
    return {"layout": layout.layout or "", "layout_description": layout.description, "suite": suite}


# The asset that lands repo_details.csv and commit_data.csv under the huggingface source.
HUB_MODELS_KEY = dg.AssetKey(["raw", "hub_models"])
HUB_LANDED = ("repo_details", "commit_data")


# Under the hfcommunity source, what the cut of the dump's repo_details and commit_data reads.
DUMP_CUT_DEPS = [dg.AssetKey(["raw", "leaderboard"])] + [
    dg.AssetKey(["raw", f"hfc_{table}"]) for table in ("repository", "model", "tags_in_repo", "commits")
]


def _upstream(spec: SnapshotFile, source: str) -> list[dg.AssetKey]:
    if source == "huggingface" and spec.name == V1_FINAL_BESIDE:
        return [dg.AssetKey(["raw", "leaderboard"])]  # which lands the v1 dataset's parquet
    if source == "huggingface" and spec.name in HUB_LANDED:
        return [HUB_MODELS_KEY]
    if source == "hfcommunity" and spec.name in DUMP_LANDERS:
        return DUMP_CUT_DEPS
    return []


def build_raw_asset(spec: SnapshotFile, source: str = "generated") -> dg.AssetsDefinition:
    check_spec = raw_check_spec(spec.name)
    quarantine_spec = raw_quarantine_check_spec(spec.name)
    from_hub = source == "huggingface"
    from_dump = source == "hfcommunity" and spec.name in DUMP_LANDERS

    @dg.asset(
        key=["raw", spec.name],
        deps=_upstream(spec, source),
        group_name="raw",
        kinds={"duckdb", "csv"},
        pool=DUCKDB_WRITER_POOL,
        check_specs=[check_spec, quarantine_spec],
        description=(
            f"{_file_description(spec)} loaded as text into `{spec.table}` of the working database, with "
            "lineage columns (_source_file, _source_checksum, _loaded_at, _source_row). The rows "
            f"replace the table only if `{check_spec.name}` passes; rows breaking a row-level rule go "
            f"to audit.quarantine, and `{quarantine_spec.name}` bounds their share. Reloads only when "
            "the file's checksum changes."
        ),
    )
    def _raw_asset(
        context: dg.AssetExecutionContext,
        duckdb: DuckDBResource,
        writer_lock: WriterLockResource,  # held for the run: one writing run at a time
        source_files: SourceFilesResource,
        warehouse: WarehouseResource,
        huggingface: dg.ResourceParam[HuggingFaceSettings],
        engine: EngineResource,
    ):
        located = source_files.locate(spec.name)
        if located is None:
            yield from _no_final_table(context, duckdb, warehouse, engine, spec, check_spec, quarantine_spec)
            return
        layout, path = located
        if from_hub and spec.name == "leaderboard":
            pull = download_dataset(huggingface, V1_DATASET)
            rows = land_v1_leaderboard(pull, path)
            context.log.info(f"{V1_DATASET} at {pull.sha}: {rows} rows landed as {path}")
        if from_dump:
            with short_connection(duckdb) as conn:
                rows = DUMP_LANDERS[spec.name](conn, path)
            context.log.info(f"{rows} rows of the leaderboard's models cut from the HFCommunity dump as {path}")
        audit = RawGate(spec.name, layout=layout.layout, run_id=context.run_id,
                        max_share=source_files.max_quarantine_share)
        source_label = read_source_label(path) if from_hub or from_dump else None
        checksum, full_refresh = _checksum_if_readable(path), full_refresh_requested(context.run.tags)
        this_load = {"checksum": checksum, "source": source_label or str(path), "gate": audit.fingerprint()}
        recorded = warehouse.loaded_inputs().get(spec.table)
        if (checksum and not full_refresh and is_unchanged(recorded, **this_load)
                and _still_held(duckdb, engine, layout, checksum)):
            yield _unchanged_result(context, spec, path, recorded, [check_spec, quarantine_spec])
            return

        def before_swap() -> None:
            warehouse.mark_building(context.run_id, step=f"raw/{spec.name}")

        try:
            with short_connection(duckdb) as conn:
                loaded = load_snapshot_file(
                    conn, layout, path, audit=audit, before_swap=before_swap, source_label=source_label,
                    checksum=checksum, reload=full_refresh,
                )
        except SourceFileError as exc:
            hint = _layout_hint(layout, exc.path) if exc.row == 0 else ""
            raise dg.Failure(
                description=str(exc) + hint,
                metadata={
                    "file": str(exc.path),
                    "row": exc.row if exc.row is not None else "unknown",
                    "column": exc.column or "unknown",
                },
            ) from exc
        check_result = to_check_result(audit.last.outcome, asset_key=context.asset_key, check_name=check_spec.name)
        quarantine_result = _quarantine_check_result(audit.last.quarantine, quarantine_spec.name)
        if not loaded.accepted:
            failed = quarantine_result if not quarantine_result.passed else check_result
            yield check_result
            yield quarantine_result
            raise dg.Failure(
                description=(
                    f"{path} failed the blocking check {failed.check_name}: {failed.description}. "
                    f"{spec.table} keeps its previous rows; nothing downstream runs."
                ),
                metadata={"file": str(path), "check": failed.check_name,
                          "summary": str(failed.description)},
            )
        landed = {}
        if engine.is_spark:
            # The gate again, on what Spark reads from the landed Parquet (engines/spark.py).
            with short_connection(duckdb) as conn:
                (landing,) = engine.land(conn, [spec.name], {spec.name: audit.last.outcome.suite_name})
            check_result = to_check_result(landing.outcome, asset_key=context.asset_key, check_name=check_spec.name)
            if not landing.accepted:
                yield check_result
                yield quarantine_result
                raise dg.Failure(
                    description=(
                        f"{landing.path} (raw.{spec.name} as Parquet) failed the blocking check "
                        f"{check_spec.name} read through Spark: {check_result.description}. The Parquet "
                        "table keeps its previous files; nothing downstream runs."
                    ),
                    metadata={"file": str(path), "check": check_spec.name, "engine": "spark"},
                )
            landed = landing.metadata()
        if not loaded.reloaded:
            context.log.info(f"{spec.table} already holds {path} (sha256 {loaded.checksum[:12]}…): gated again")
        # Only now, the gate passed: a file that failed it is loaded and gated again next run.
        warehouse.record_loaded_inputs({spec.table: LoadedInput.now(
            **{**this_load, "checksum": loaded.checksum}, run_id=context.run_id, rows=loaded.rows,
            extra_columns=loaded.extra_columns)})
        yield dg.MaterializeResult(
            data_version=dg.DataVersion(loaded.checksum),
            metadata={
                "unchanged": False,
                "dagster/row_count": loaded.rows,
                "source": source_files.source,
                "source_file": dg.MetadataValue.path(str(path)),
                "checksum_sha256": loaded.checksum,
                "reloaded": loaded.reloaded,
                "extra_columns": list(loaded.extra_columns),
                "quarantined_rows": audit.last.quarantine.rows,
                "quarantined_by_reason": dg.MetadataValue.json(audit.last.quarantine.by_reason),
                **(_layout_metadata(layout, audit.last.outcome.suite_name) if layout.layout else {}),
                **landed,
            },
            check_results=[check_result, quarantine_result],
        )

    return _raw_asset


NO_FINAL_TABLE = ("no final v1 table configured (WAREHOUSE_V1_FINAL_TABLE unset, and no "
                  "leaderboard_v1_final.csv in the source directory)")


def _no_final_table(context, duckdb, warehouse, engine, spec, check_spec, quarantine_spec):
    """raw.leaderboard_v1_final without a final table: emptied (not left holding an earlier
    file's rows), so the era verdicts say the final table is missing instead of using stale rows."""
    columns = ", ".join(f"cast(null as varchar) as {name}" for name in spec.raw_columns)
    with short_connection(duckdb) as conn:
        warehouse.mark_building(context.run_id, step=f"raw/{spec.name}")
        conn.execute("create schema if not exists raw")
        conn.execute(
            f"create or replace table {spec.table} as select {columns}, cast(null as varchar) as _source_file, "
            "cast(null as varchar) as _source_checksum, cast(null as timestamptz) as _loaded_at, "
            "cast(null as bigint) as _source_row limit 0"
        )
        if engine.is_spark:
            engine.land(conn, [spec.name], {})  # nothing to gate: an empty table
    warehouse.forget_loaded_inputs([spec.table])  # emptied: what read its rows is rebuilt
    context.log.info(f"{spec.table} is empty: {NO_FINAL_TABLE}")
    results = [dg.AssetCheckResult(check_name=check.name, passed=True, description=f"Nothing to gate: {NO_FINAL_TABLE}.")
               for check in (check_spec, quarantine_spec)]
    yield dg.MaterializeResult(
        metadata={"dagster/row_count": 0, "configured": False, "note": NO_FINAL_TABLE}, check_results=results
    )


def _checksum_if_readable(path) -> str | None:
    """The file's sha256; None when it cannot be read (the load names the file and why)."""
    try:
        return file_checksum(path)
    except OSError:
        return None


def _still_held(duckdb: DuckDBResource, engine: EngineResource, layout: SnapshotFile, checksum: str) -> bool:
    """raw.<name> holds the file (and, on Spark, its Parquet landing is there)."""
    with short_connection(duckdb) as conn:
        held = held_checksum(conn, layout) == checksum
    return held and (not engine.is_spark or layout.name in engine.landed_raw_tables())


def _unchanged_result(
    context: dg.AssetExecutionContext, spec: SnapshotFile, path, recorded: LoadedInput, checks: list[dg.AssetCheckSpec],
) -> dg.MaterializeResult:
    """The file is the one raw.<name> holds, which passed this gate: neither loaded nor gated again."""
    why = (f"{path} is unchanged (sha256 {recorded.checksum[:12]}…): {spec.table} holds it, gated by run "
           f"{recorded.run_id}; not loaded or gated again (a full refresh would: make run FULL_REFRESH=1)")
    context.log.info(why)
    reused = {"unchanged": True, "gated_by_run": str(recorded.run_id), "checksum_sha256": recorded.checksum}
    return dg.MaterializeResult(
        data_version=dg.DataVersion(recorded.checksum),
        metadata={
            "unchanged": True,
            "reloaded": False,
            "dagster/row_count": recorded.rows,
            "source_file": dg.MetadataValue.path(str(path)),
            "checksum_sha256": recorded.checksum,
            "gated_by_run": str(recorded.run_id),
            "extra_columns": list(recorded.extra_columns),
        },
        check_results=[
            dg.AssetCheckResult(check_name=check.name, passed=True, metadata=reused,
                                description=f"not evaluated again: {why}")
            for check in checks
        ],
    )


def _quarantine_check_result(quarantine: QuarantinedRows, check_name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=quarantine.within_threshold,
        severity=dg.AssetCheckSeverity.ERROR,
        description=quarantine.summary,
        metadata={
            "file": quarantine.source_file,
            "quarantined_rows": quarantine.rows,
            "rows_read": quarantine.rows_read,
            "share": dg.MetadataValue.float(round(quarantine.share, 6)),
            "max_share": dg.MetadataValue.float(quarantine.max_share),
            "by_reason": dg.MetadataValue.json(quarantine.by_reason),
            "table": "audit.quarantine",
        },
    )


def build_raw_assets(source: str) -> list[dg.AssetsDefinition]:
    """The three raw assets and the final v1 table beside the scrape, wired for a WAREHOUSE_SOURCE."""
    specs = [*SNAPSHOT_FILES.values(), V1_FINAL_LAYOUTS["final_table"]]
    return [build_raw_asset(spec, source) for spec in specs]
