"""Raw assets (group `raw`): each snapshot file loaded into schema `raw` with lineage columns."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.resources import SourceFilesResource
from orchestration.settings import DUCKDB_WRITER_POOL
from orchestration.sources.snapshot import SNAPSHOT_FILES, SnapshotFile, SourceFileError, load_snapshot_file


def build_raw_asset(spec: SnapshotFile) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", spec.name],
        group_name="raw",
        kinds={"duckdb", "csv"},
        pool=DUCKDB_WRITER_POOL,
        description=(
            f"`{spec.file_name}` loaded as text into `{spec.table}`, with lineage columns "
            "(_source_file, _source_checksum, _loaded_at, _source_row). Reloads only when the "
            "file's checksum changes."
        ),
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, source_files: SourceFilesResource
    ) -> dg.MaterializeResult:
        path = source_files.resolve_dir() / spec.file_name
        try:
            with duckdb.get_connection() as conn:
                loaded = load_snapshot_file(conn, spec, path)
        except SourceFileError as exc:
            raise dg.Failure(
                description=str(exc),
                metadata={
                    "file": str(exc.path),
                    "row": exc.row if exc.row is not None else "unknown",
                    "column": exc.column or "unknown",
                },
            ) from exc
        if not loaded.reloaded:
            context.log.info(f"{spec.table} already holds {path} (sha256 {loaded.checksum[:12]}…): unchanged")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded.rows,
                "source": source_files.source_name,
                "source_file": dg.MetadataValue.path(str(path)),
                "checksum_sha256": loaded.checksum,
                "reloaded": loaded.reloaded,
                "extra_columns": list(loaded.extra_columns),
            }
        )

    return _raw_asset


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(spec) for spec in SNAPSHOT_FILES.values()]
