"""Raw assets of the HFCommunity dump (group `hfcommunity`): raw/hfc_<table> for each table the
warehouse loads, from one pass over the dump (WAREHOUSE_HFCOMMUNITY_DUMP: the published `.zip`
of a MariaDB dump, or a bare `.sql`/`.sql.gz`, schema v1.1 or v1.0; by default the generated
dump; docs/sources.md).

Each table is gated by its blocking GX suite (`expectations/raw_hfc_<table>.json`), run on the
freshly loaded rows before any of them replaces the previous load: the dump is swapped in whole
or not at all, so the Hub-wide marts never mix two dumps."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.checks.gx_suite import SuiteOutcome, suite_path, to_check_result
from orchestration.checks.raw_checks import raw_check_spec, raw_suite_name, validate_raw_table
from orchestration.defs.hfcommunity.reader import (
    HFC_TABLES,
    DumpError,
    dump_checksums,
    held_checksums,
    load_hfcommunity_dump,
    raw_table_name,
)
from orchestration.loading import SourceFileError
from orchestration.resources import EngineResource, SourceFilesResource, WarehouseResource, WriterLockResource, short_connection
from orchestration.settings import DUCKDB_WRITER_POOL
from orchestration.wap.inputs import LoadedInput, full_refresh_requested, gate_fingerprint, is_unchanged

HFC_KEYS: dict[str, dg.AssetKey] = {table: dg.AssetKey(["raw", raw_table_name(table)]) for table in HFC_TABLES}


@dg.multi_asset(
    name="raw_hfcommunity",
    specs=[
        dg.AssetSpec(
            key,
            group_name="hfcommunity",
            kinds={"duckdb", "sql"},
            description=(
                f"HFCommunity's `{table}` table ({', '.join(columns)}) as text in `raw.{raw_table_name(table)}`, "
                "with lineage columns (_source_file, _source_checksum, _loaded_at, _source_row = the row's "
                "number within its table in dump order). Loaded with the dump's other tables in one pass, and "
                "swapped in with them only if every table passes its blocking check; reloads only when the "
                "dump's checksum changes."
            ),
        )
        for (table, columns), key in zip(HFC_TABLES.items(), HFC_KEYS.values(), strict=True)
    ],
    check_specs=[raw_check_spec(raw_table_name(table)) for table in HFC_TABLES],
    pool=DUCKDB_WRITER_POOL,
)
def raw_hfcommunity(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    writer_lock: WriterLockResource,  # held for the run: one writing run at a time
    source_files: SourceFilesResource,
    warehouse: WarehouseResource,
    engine: EngineResource,
):
    path = source_files.hfcommunity_dump_path()
    try:
        checksums = dump_checksums(path)
    except SourceFileError as exc:
        raise _load_failure(exc) from exc
    full_refresh = full_refresh_requested(context.run.tags)
    gate = gate_fingerprint(*(suite_path(raw_suite_name(raw_table_name(table))) for table in HFC_TABLES))
    recorded = warehouse.loaded_inputs()
    if not full_refresh and _unchanged(duckdb, engine, recorded, checksums, str(path), gate):
        yield from _unchanged_results(context, path, {table: recorded[f"raw.{raw_table_name(table)}"] for table in HFC_TABLES})
        return
    outcomes: dict[str, SuiteOutcome] = {}

    def audit(conn, table: str, loading_table: str) -> bool:
        outcomes[table] = validate_raw_table(conn, raw_table_name(table), loading_table)
        return outcomes[table].success

    def before_swap() -> None:
        warehouse.mark_building(context.run_id, step="raw/hfcommunity")

    try:
        with short_connection(duckdb) as conn:
            loaded = load_hfcommunity_dump(conn, path, audit=audit, before_swap=before_swap,
                                           checksums=checksums, reload=full_refresh)
    except SourceFileError as exc:
        raise _load_failure(exc) from exc
    results = {table: to_check_result(outcome, asset_key=HFC_KEYS[table]) for table, outcome in outcomes.items()}
    if not loaded.accepted:
        yield from results.values()
        failed = [table for table, outcome in outcomes.items() if not outcome.success]
        raise dg.Failure(
            description=(
                f"{path} failed the blocking check(s) "
                f"{', '.join(f'{raw_table_name(t)}_expectations' for t in failed)}: "
                f"{'; '.join(results[t].description for t in failed)}. Every raw.hfc_* table keeps its "
                "previous rows; nothing downstream runs."
            ),
            metadata={"file": str(path), "failed_tables": failed},
        )
    landed = {}
    if engine.is_spark:
        # The gates again, on what Spark reads from the landed Parquet (engines/spark.py).
        names = {raw_table_name(table): table for table in HFC_KEYS}
        with short_connection(duckdb) as conn:
            landings = engine.land(conn, list(names), {name: outcomes[table].suite_name for name, table in names.items()})
        for landing in landings:
            results[names[landing.name]] = to_check_result(landing.outcome, asset_key=HFC_KEYS[names[landing.name]])
            landed[names[landing.name]] = landing.metadata()
        rejected = [landing for landing in landings if not landing.accepted]
        if rejected:
            yield from results.values()
            raise dg.Failure(
                description=(
                    f"{', '.join(str(l.path) for l in rejected)} (the raw.hfc_* tables as Parquet) failed their "
                    f"blocking checks read through Spark: {'; '.join(l.outcome.summary for l in rejected)}. Every "
                    "Parquet table keeps its previous files; nothing downstream runs."
                ),
                metadata={"file": str(path), "failed_tables": [l.name for l in rejected], "engine": "spark"},
            )
    if not loaded.reloaded:
        context.log.info(f"raw.hfc_* already hold {path}: gated again")
    # Only now, every table passed its gate: a dump that failed is loaded and gated again next run.
    warehouse.record_loaded_inputs({
        f"raw.{raw_table_name(table)}": LoadedInput.now(checksum=checksums[table], source=str(path), gate=gate,
                                                        run_id=context.run_id, rows=loaded.rows[table])
        for table in HFC_TABLES
    })
    for table, key in HFC_KEYS.items():
        yield dg.MaterializeResult(
            asset_key=key,
            data_version=dg.DataVersion(checksums[table]),
            metadata={
                "unchanged": False,
                "dagster/row_count": loaded.rows[table],
                "source_file": dg.MetadataValue.path(str(path)),
                "dump_form": loaded.form,
                "schema_version": loaded.schema_version or "unknown",
                **({"card_formats": dg.MetadataValue.json(loaded.card_formats)} if table == "repository" else {}),
                "checksum_sha256": loaded.checksums[table],
                "reloaded": loaded.reloaded,
                **({"load_seconds": round(loaded.load_seconds[table], 3)} if table in loaded.load_seconds else {}),
                **landed.get(table, {}),
            },
            check_results=[results[table]],
        )


def _unchanged(duckdb: DuckDBResource, engine: EngineResource, recorded: dict[str, LoadedInput],
               checksums: dict[str, str], source: str, gate: str) -> bool:
    """Every raw.hfc_* table holds this dump, which passed these gates (on Spark, landed too)."""
    if not all(is_unchanged(recorded.get(f"raw.{raw_table_name(table)}"), checksum=checksums[table], source=source,
                            gate=gate) for table in HFC_TABLES):
        return False
    with short_connection(duckdb) as conn:
        held = held_checksums(conn) == checksums
    landed = not engine.is_spark or set(map(raw_table_name, HFC_TABLES)) <= set(engine.landed_raw_tables())
    return held and landed


def _unchanged_results(context: dg.AssetExecutionContext, path, recorded: dict[str, LoadedInput]):
    """The dump is the one raw.hfc_* hold, which passed these gates: neither loaded nor gated again."""
    run_id = next(iter(recorded.values())).run_id
    why = (f"{path} is unchanged: raw.hfc_* hold it, gated by run {run_id}; not loaded or gated again "
           "(a full refresh would: make run FULL_REFRESH=1)")
    context.log.info(why)
    for table, key in HFC_KEYS.items():
        load = recorded[table]
        reused = {"unchanged": True, "gated_by_run": str(load.run_id), "checksum_sha256": load.checksum}
        yield dg.MaterializeResult(
            asset_key=key,
            data_version=dg.DataVersion(load.checksum),
            metadata={**reused, "reloaded": False, "dagster/row_count": load.rows,
                      "source_file": dg.MetadataValue.path(str(path))},
            check_results=[dg.AssetCheckResult(
                asset_key=key, check_name=f"{raw_table_name(table)}_expectations", passed=True, metadata=reused,
                description=f"not evaluated again: {why}")],
        )


def _load_failure(exc: SourceFileError) -> dg.Failure:
    return dg.Failure(
        description=f"{exc} Every raw.hfc_* table keeps its previous rows; nothing downstream runs.",
        metadata={
            "file": str(exc.path),
            "line": getattr(exc, "line", None) or "unknown",
            "row": exc.row if exc.row is not None else "unknown",
            "table": (exc.table if isinstance(exc, DumpError) else None) or "unknown",
            "column": exc.column or "unknown",
        },
    )
