"""The one place that reads the environment.

Every setting has a documented default (docs/settings.md, `.env.example`). Paths are made
absolute: a relative value is taken relative to the project root, so Dagster, dbt and the
Makefile agree whatever directory they are started from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Every asset that writes the working DuckDB file runs in this Dagster pool (limit 1 in
# dagster.yaml): DuckDB allows one writing process.
DUCKDB_WRITER_POOL = "duckdb_writer"

# The working database's file name inside WAREHOUSE_WORK_DIR (runs write here; users never open it).
WORKING_DATABASE_NAME = "working.duckdb"

# The real data that tests and CI read (never committed): ../shared/data beside the checkout.
DEFAULT_REAL_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"


def _path(environ: Mapping[str, str], name: str, default: Path) -> Path:
    raw = environ.get(name, "").strip()
    path = Path(raw).expanduser() if raw else default
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return path.resolve()


@dataclass(frozen=True)
class Settings:
    duckdb_path: Path
    """WAREHOUSE_DUCKDB_PATH: the published DuckDB file that users query (read-only)."""
    work_dir: Path
    """WAREHOUSE_WORK_DIR: the working database that runs build and audit before publishing."""
    keep_versions: int
    """WAREHOUSE_KEEP_VERSIONS: published versions kept for rollback (the current one included)."""
    snapshot_dir: Path | None
    """WAREHOUSE_SNAPSHOT_DIR: leaderboard.csv, repo_details.csv, commit_data.csv; None = generated."""
    generated_dir: Path
    """WAREHOUSE_GENERATED_DIR: where the generator writes the offline default."""
    generator_seed: int
    """WAREHOUSE_GENERATOR_SEED."""
    generator_scale: float
    """WAREHOUSE_GENERATOR_SCALE: multiplies the generated snapshot's size."""
    figures_dir: Path
    """WAREHOUSE_FIGURES_DIR: PNG, SVG and HTML of every figure."""
    dagster_home: Path
    """DAGSTER_HOME: Dagster's instance directory (runs, event logs)."""
    landing_dir: Path | None = None
    """WAREHOUSE_LANDING_DIR: weekly leaderboard v2 files (huggingface_v2_<date>.csv.gz); None =
    the generated weekly files under WAREHOUSE_GENERATED_DIR/leaderboard_v2."""

    v1_source: str = "paper_scrape"
    """WAREHOUSE_V1_SOURCE: which v1 leaderboard raw/leaderboard loads: `paper_scrape` (the
    paper's leaderboard.csv in the source directory), `final_table` (the final v1 table) or
    `dataset_parquet` (the v1 dataset's own parquet, leaderboard_v1.parquet in the source
    directory; what the huggingface source lands)."""
    report_dir: Path = PROJECT_ROOT / "data" / "report"
    """WAREHOUSE_REPORT_DIR: the findings report (findings.html), one self-contained page."""
    v1_final_table: Path | None = None
    """WAREHOUSE_V1_FINAL_TABLE: the final v1 table's CSV (v1_2024-07-07.csv layout); None =
    leaderboard_v1_final.csv in the source directory. raw/leaderboard reads it when v1_source is
    final_table; raw/leaderboard_v1_final loads it beside the paper's scrape whatever the v1 source
    (the era verdicts compare the two), or, when unset and the source directory has none, says
    that no final table is configured."""

    source: str = "generated"
    """WAREHOUSE_SOURCE: where raw/leaderboard, raw/repo_details and raw/commit_data come from:
    `generated` (the offline default), `snapshot` (WAREHOUSE_SNAPSHOT_DIR), `huggingface` (the
    Hub and its datasets, at HF_ENDPOINT) or `hfcommunity` (an HFCommunity dump). Default:
    `snapshot` when WAREHOUSE_SNAPSHOT_DIR is set, else `generated`."""
    huggingface: "HuggingFaceSettings | None" = None
    """The Hugging Face connector's settings (read whatever the source, used when it is huggingface)."""
    ui_host: str = "127.0.0.1"
    """WAREHOUSE_UI_HOST: the address `make ui` binds; the loopback unless set (the UI can launch
    runs, so exposing it is a choice, never a default)."""
    ui_port: int = 3000
    """WAREHOUSE_UI_PORT."""
    landing_sensor_seconds: int = 60
    """WAREHOUSE_LANDING_SENSOR_SECONDS: how often, at most, the landing sensor looks at the
    landing directory once it is switched on (Dagster's minimum interval; the daemon may take longer)."""
    max_quarantine_share: float = 0.01
    """WAREHOUSE_MAX_QUARANTINE_SHARE: the share of a raw file's rows that may be quarantined (a
    row-level rule broken: score out of range, unknown type, implausible date) before the
    blocking `<source>_quarantine_share` check rejects the whole file."""
    hfcommunity_dump: Path | None = None
    """WAREHOUSE_HFCOMMUNITY_DUMP: an HFCommunity dump as published (a `.zip` holding the MariaDB
    dump), or the bare `.sql`/`.sql.gz`, schema v1.1 or v1.0; None = the generated dump under
    WAREHOUSE_GENERATED_DIR (docs/sources.md)."""

    duckdb_memory_limit: str = "80%"
    """WAREHOUSE_DUCKDB_MEMORY_LIMIT: the most memory DuckDB may use in a run's connections and in
    dbt (DuckDB's `memory_limit`, as a size: `4GB`, `512MiB`; a share of RAM like `80%`, DuckDB's
    own default, is resolved here to MiB); past it DuckDB spills to disk."""
    engine: str = "duckdb"
    """WAREHOUSE_ENGINE: where dbt builds the warehouse: `duckdb` (the working DuckDB file) or
    `spark` (raw tables land as Parquet under WAREHOUSE_SPARK_DIR and dbt runs its `spark` target;
    needs `pip install .[spark]` and Java 17). Either way the audited marts are published to
    WAREHOUSE_DUCKDB_PATH for SQL users and figures."""
    spark_dir: Path = PROJECT_ROOT / "data" / "spark"
    """WAREHOUSE_SPARK_DIR: the Spark warehouse location: `raw/` (the landed Parquet raw tables),
    `tables/` (spark.sql.warehouse.dir: the tables dbt builds) and `metastore/` (the local
    catalog). On a cluster, a path every executor reads (HDFS, S3, a shared mount)."""
    spark_master: str = "local[*]"
    """WAREHOUSE_SPARK_MASTER: the Spark master of the `spark` target's session (local[*] = every
    core of this machine)."""
    spark_gx_max_rows: int = 1_000_000
    """WAREHOUSE_SPARK_GX_MAX_ROWS: the most rows of a landed Parquet table the GX suites read
    through Spark; a longer table is validated on a seeded sample of this many rows."""
    v2_as_of: str | None = None
    """WAREHOUSE_V2_AS_OF: the date (YYYY-MM-DD) the v2 canon dim_models_v2 and its marts are read
    as of: the last loaded weekly snapshot on or before it; None = the latest loaded."""
    bench_dir: Path = PROJECT_ROOT / "data" / "bench"
    """WAREHOUSE_BENCH_DIR: where `make bench` writes its generated inputs (up to ~10 GB at Hub
    size) and the warehouses it builds."""

    @property
    def hfcommunity_generated_dir(self) -> Path:
        """Where the generator writes the offline HFCommunity dump (both forms)."""
        return self.generated_dir / HFCOMMUNITY_GENERATED_NAME

    @property
    def hfcommunity_dump_path(self) -> Path:
        """The dump raw/hfc_* loads: WAREHOUSE_HFCOMMUNITY_DUMP, else the generated SQL dump."""
        return self.hfcommunity_dump or self.hfcommunity_generated_dir / HFCOMMUNITY_GENERATED_DUMP

    @property
    def v1_final_table_path(self) -> Path:
        return self.v1_final_table or self.source_dir / V1_FINAL_TABLE_FILE_NAME

    @property
    def weekly_source_name(self) -> str:
        """Where the weekly v2 files come from: `landing` (WAREHOUSE_LANDING_DIR, or with the
        huggingface source the directory its v2 pulls land in) or `generated`."""
        return WEEKLY_LANDING if self.landing_dir is not None or self.source == "huggingface" else WEEKLY_GENERATED

    @property
    def weekly_source_dir(self) -> Path:
        """Where the weekly leaderboard v2 asset reads: the landing directory; else, with the
        huggingface source, where its v2 pulls land; else generated files."""
        if self.landing_dir is not None:
            return self.landing_dir
        if self.source == "huggingface":
            return self.hub_snapshot_dir.parent / "leaderboard_v2"
        return self.generated_dir / "leaderboard_v2"

    @property
    def working_duckdb_path(self) -> Path:
        return self.work_dir / WORKING_DATABASE_NAME

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's artifacts and partial parse for runs on this working database."""
        return self.work_dir / "dbt"

    @property
    def dbt_docs_dir(self) -> Path:
        """dbt's documentation site (`make docs`), built from this working database."""
        return self.work_dir / "dbt_docs"

    @property
    def dbt_docs_catalog_path(self) -> Path:
        """The schema-only copy of the working database that `make docs` reads for its catalog;
        named as the working database, whose views name it."""
        return self.work_dir / "dbt_docs_catalog" / WORKING_DATABASE_NAME

    @property
    def versions_dir(self) -> Path:
        """Published versions live beside the published file, which is a byte copy of one of them
        (orchestration/wap/versions.py)."""
        return self.duckdb_path.parent / f"{self.duckdb_path.stem}.versions"

    @property
    def source_dir(self) -> Path:
        """The directory the raw assets read: the real snapshot, the files the Hugging Face
        connector lands, or the generated snapshot."""
        if self.source == "huggingface":
            return self.hub_snapshot_dir
        return self.snapshot_dir if self.snapshot_dir is not None else self.generated_dir

    @property
    def hfcommunity_landing_dir(self) -> Path:
        """Where WAREHOUSE_SOURCE=hfcommunity lands the leaderboard models' repo_details.csv and
        commit_data.csv, cut from the loaded dump (working data: beside the working database)."""
        return self.work_dir / "hfcommunity_landed"

    @property
    def hub_snapshot_dir(self) -> Path:
        """Where the Hugging Face connector lands the paper-layout files it builds."""
        cache_dir = self.huggingface.cache_dir if self.huggingface else PROJECT_ROOT / "data" / "huggingface"
        return cache_dir / "snapshot"

    @property
    def source_name(self) -> str:
        return self.source

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's profiles.yml reads (it has no defaults of its own): dbt writes
        the working database, never the published one."""
        return {
            "WAREHOUSE_WORKING_DUCKDB_PATH": str(self.working_duckdb_path),
            "WAREHOUSE_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "WAREHOUSE_ENGINE": self.engine,
            "WAREHOUSE_SPARK_DIR": str(self.spark_dir),
            "WAREHOUSE_SPARK_MASTER": self.spark_master,
            # Read by dbt's macro window_var, which checks the date again.
            "WAREHOUSE_V2_AS_OF": self.v2_as_of or "",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
        }

    def export(self) -> None:
        """Write the resolved settings into os.environ for child processes (dbt, Dagster)."""
        os.environ.update(self.dbt_env())
        os.environ.setdefault("DAGSTER_HOME", str(self.dagster_home))


# DuckDB names a database after its file's stem; a stem equal to a schema makes every
# `raw.table` reference ambiguous.
WAREHOUSE_SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts", "meta", "audit", "main")


class SettingsError(ValueError):
    pass


# WAREHOUSE_SOURCE: every source feeds the same raw tables and staging contract.
SOURCES = ("generated", "snapshot", "huggingface", "hfcommunity")
# Where the weekly v2 files come from (Settings.weekly_source_name).
WEEKLY_LANDING, WEEKLY_GENERATED = "landing", "generated"
# The generated HFCommunity dump's name inside WAREHOUSE_GENERATED_DIR.
HFCOMMUNITY_GENERATED_NAME = "hfcommunity"
# The generated dump's name in it: a .zip holding the MariaDB dump, as HFCommunity publishes it.
HFCOMMUNITY_GENERATED_DUMP = "hfcommunity_dump.zip"
DEFAULT_HF_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class HuggingFaceSettings:
    endpoint: str
    """HF_ENDPOINT: the Hub's base URL (a mirror, or a local server in tests)."""
    token: str | None = field(default=None, repr=False)
    """HF_TOKEN: sent to the Hub, never logged, never stored (repr hides it)."""
    cache_dir: Path = Path()
    """WAREHOUSE_HF_CACHE_DIR: fetched files and per-model responses, keyed by model sha."""
    requests_per_second: float = 5.0
    """WAREHOUSE_HF_REQUESTS_PER_SECOND: the connector's request rate limit."""
    timeout_seconds: float = 30.0
    """WAREHOUSE_HF_TIMEOUT_SECONDS: a request that takes longer fails (and is retried)."""
    max_retries: int = 5
    """WAREHOUSE_HF_MAX_RETRIES: retries, with exponential backoff, on 429, 5xx and timeouts."""
    backoff_seconds: float = 1.0
    """WAREHOUSE_HF_BACKOFF_SECONDS: the first retry's wait, doubled at each retry (a server's
    Retry-After wins)."""
    max_failure_share: float = 0.05
    """WAREHOUSE_HF_MAX_FAILURE_SHARE: the share of models that may keep failing before the
    blocking check fails the load."""


def _float(env: Mapping[str, str], name: str, default: float, *, low: float, high: float | None = None) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: not a number") from exc
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise SettingsError(f"{name}={raw!r}: must be {bound}")
    return value


def _huggingface_settings(env: Mapping[str, str], data_dir: Path) -> HuggingFaceSettings:
    return HuggingFaceSettings(
        endpoint=(env.get("HF_ENDPOINT", "").strip() or DEFAULT_HF_ENDPOINT).rstrip("/"),
        token=env.get("HF_TOKEN", "").strip() or None,
        cache_dir=_path(env, "WAREHOUSE_HF_CACHE_DIR", data_dir / "huggingface"),
        requests_per_second=_float(env, "WAREHOUSE_HF_REQUESTS_PER_SECOND", 5.0, low=0.01),
        timeout_seconds=_float(env, "WAREHOUSE_HF_TIMEOUT_SECONDS", 30.0, low=0.01),
        max_retries=int(_float(env, "WAREHOUSE_HF_MAX_RETRIES", 5, low=0)),
        backoff_seconds=_float(env, "WAREHOUSE_HF_BACKOFF_SECONDS", 1.0, low=0.0),
        max_failure_share=_float(env, "WAREHOUSE_HF_MAX_FAILURE_SHARE", 0.05, low=0.0, high=1.0),
    )


def _memory_limit(env: Mapping[str, str]) -> str:
    raw = env.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "").strip() or "80%"
    if not re.fullmatch(r"\d+(\.\d+)?\s*(%|[KMGT]i?B)", raw, flags=re.IGNORECASE):
        raise SettingsError(
            f"WAREHOUSE_DUCKDB_MEMORY_LIMIT={raw!r}: expected a size like 4GB or 512MiB, or a share of RAM like 80%"
        )
    if raw.endswith("%"):  # DuckDB takes sizes only: the share of this machine's RAM, in MiB
        share = float(raw[:-1]) / 100
        if not 0 < share <= 1:
            raise SettingsError(f"WAREHOUSE_DUCKDB_MEMORY_LIMIT={raw!r}: a share of RAM must be above 0% and at most 100%")
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{max(1, int(physical * share / (1 << 20)))}MiB"
    return raw.replace(" ", "")


def _ui_host(env: Mapping[str, str]) -> str:
    host = env.get("WAREHOUSE_UI_HOST", "").strip() or "127.0.0.1"
    if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", host):
        raise SettingsError(f"WAREHOUSE_UI_HOST={host!r}: expected a host name or an IP address")
    return host


def is_iso_date(text: str) -> bool:
    """`text` is a date written YYYY-MM-DD (what dbt's date vars accept)."""
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _v2_as_of(env: Mapping[str, str]) -> str | None:
    raw = env.get("WAREHOUSE_V2_AS_OF", "").strip()
    if not raw:
        return None
    if not is_iso_date(raw):
        raise SettingsError(f"WAREHOUSE_V2_AS_OF={raw!r}: expected a date YYYY-MM-DD (or unset: the latest loaded snapshot)")
    return raw


def _source(env: Mapping[str, str]) -> str:
    has_snapshot_dir = bool(env.get("WAREHOUSE_SNAPSHOT_DIR", "").strip())
    source = env.get("WAREHOUSE_SOURCE", "").strip() or ("snapshot" if has_snapshot_dir else "generated")
    if source not in SOURCES:
        raise SettingsError(f"WAREHOUSE_SOURCE={source!r}: expected one of {', '.join(SOURCES)}")
    if source == "snapshot" and not has_snapshot_dir:
        raise SettingsError("WAREHOUSE_SOURCE=snapshot needs WAREHOUSE_SNAPSHOT_DIR (the paper's three files)")
    return source


# WAREHOUSE_ENGINE: where dbt builds (the dbt target of the same name).
ENGINES = ("duckdb", "spark")


def _engine(env: Mapping[str, str]) -> str:
    engine = env.get("WAREHOUSE_ENGINE", "").strip().lower() or ENGINES[0]
    if engine not in ENGINES:
        raise SettingsError(f"WAREHOUSE_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def _spark_master(env: Mapping[str, str]) -> str:
    master = env.get("WAREHOUSE_SPARK_MASTER", "").strip() or "local[*]"
    if not re.fullmatch(r"local(\[(\*|\d+)\])?|(spark|yarn|k8s)(://[A-Za-z0-9.:\-/\[\]]+)?", master):
        raise SettingsError(f"WAREHOUSE_SPARK_MASTER={master!r}: expected local[*], local[N], spark://host:port, yarn or k8s://…")
    return master


# WAREHOUSE_V1_SOURCE: the v1 leaderboard layouts raw/leaderboard can load
# (orchestration/sources/snapshot.py, LEADERBOARD_LAYOUTS), the final table's default name, and
# the v1 dataset's parquet name (in the source directory).
V1_SOURCES = ("paper_scrape", "final_table", "dataset_parquet")
V1_FINAL_TABLE_FILE_NAME = "leaderboard_v1_final.csv"
V1_DATASET_FILE_NAME = "leaderboard_v1.parquet"


def _v1_settings(env: Mapping[str, str], source: str) -> dict[str, object]:
    v1_source = env.get("WAREHOUSE_V1_SOURCE", "").strip()
    if source == "huggingface":
        # The connector lands the v1 dataset's parquet as it is; there is no scrape to read.
        if v1_source not in ("", "dataset_parquet"):
            raise SettingsError(
                f"WAREHOUSE_V1_SOURCE={v1_source!r}: with WAREHOUSE_SOURCE=huggingface the v1 leaderboard "
                "is the v1 dataset's parquet from the Hub (dataset_parquet)"
            )
        return {"v1_source": "dataset_parquet", "v1_final_table": None}
    v1_source = v1_source or V1_SOURCES[0]
    if v1_source not in V1_SOURCES:
        raise SettingsError(
            f"WAREHOUSE_V1_SOURCE={v1_source!r}: expected one of {', '.join(V1_SOURCES)} "
            f"(paper_scrape = the paper's leaderboard.csv, final_table = the final v1 table, "
            f"dataset_parquet = the v1 dataset's parquet, {V1_DATASET_FILE_NAME})"
        )
    final_table = env.get("WAREHOUSE_V1_FINAL_TABLE", "").strip()
    return {
        "v1_source": v1_source,
        "v1_final_table": _path(env, "WAREHOUSE_V1_FINAL_TABLE", Path()) if final_table else None,
    }


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = PROJECT_ROOT / "data"
    snapshot_raw = env.get("WAREHOUSE_SNAPSHOT_DIR", "").strip()
    duckdb_path = _path(env, "WAREHOUSE_DUCKDB_PATH", data_dir / "warehouse.duckdb")
    if duckdb_path.stem.lower() in WAREHOUSE_SCHEMAS:
        raise SettingsError(
            f"WAREHOUSE_DUCKDB_PATH={duckdb_path}: the file name {duckdb_path.name!r} clashes with "
            f"the warehouse schema {duckdb_path.stem!r}; choose another name, e.g. warehouse.duckdb"
        )
    try:
        seed = int(env.get("WAREHOUSE_GENERATOR_SEED", "42"))
        scale = float(env.get("WAREHOUSE_GENERATOR_SCALE", "1.0"))
    except ValueError as exc:
        raise SettingsError(f"WAREHOUSE_GENERATOR_SEED / WAREHOUSE_GENERATOR_SCALE: {exc}") from exc
    if scale <= 0:
        raise SettingsError(f"WAREHOUSE_GENERATOR_SCALE must be positive, got {scale}")
    try:
        keep_versions = int(env.get("WAREHOUSE_KEEP_VERSIONS", "5"))
    except ValueError as exc:
        raise SettingsError(f"WAREHOUSE_KEEP_VERSIONS: {exc}") from exc
    if keep_versions < 2:
        raise SettingsError(
            f"WAREHOUSE_KEEP_VERSIONS must be at least 2 (the current version and one to roll back to), "
            f"got {keep_versions}"
        )
    work_dir = _path(env, "WAREHOUSE_WORK_DIR", data_dir / "work")
    if work_dir / WORKING_DATABASE_NAME == duckdb_path:
        raise SettingsError(
            f"WAREHOUSE_DUCKDB_PATH={duckdb_path} is the working database of WAREHOUSE_WORK_DIR; "
            "users' file and the runs' file must differ"
        )
    return Settings(
        duckdb_path=duckdb_path,
        work_dir=work_dir,
        keep_versions=keep_versions,
        snapshot_dir=_path(env, "WAREHOUSE_SNAPSHOT_DIR", data_dir) if snapshot_raw else None,
        generated_dir=_path(env, "WAREHOUSE_GENERATED_DIR", data_dir / "generated"),
        generator_seed=seed,
        generator_scale=scale,
        figures_dir=_path(env, "WAREHOUSE_FIGURES_DIR", data_dir / "figures"),
        report_dir=_path(env, "WAREHOUSE_REPORT_DIR", data_dir / "report"),
        landing_dir=_path(env, "WAREHOUSE_LANDING_DIR", data_dir) if env.get("WAREHOUSE_LANDING_DIR", "").strip() else None,
        dagster_home=_path(env, "DAGSTER_HOME", PROJECT_ROOT / ".dagster_home"),
        **_v1_settings(env, _source(env)),
        source=_source(env),
        huggingface=_huggingface_settings(env, data_dir),
        max_quarantine_share=_float(env, "WAREHOUSE_MAX_QUARANTINE_SHARE", 0.01, low=0.0, high=1.0),
        ui_host=_ui_host(env),
        ui_port=int(_float(env, "WAREHOUSE_UI_PORT", 3000, low=1, high=65535)),
        landing_sensor_seconds=int(_float(env, "WAREHOUSE_LANDING_SENSOR_SECONDS", 60, low=1)),
        bench_dir=_path(env, "WAREHOUSE_BENCH_DIR", data_dir / "bench"),
        v2_as_of=_v2_as_of(env),
        engine=_engine(env),
        spark_dir=_path(env, "WAREHOUSE_SPARK_DIR", data_dir / "spark"),
        spark_master=_spark_master(env),
        spark_gx_max_rows=int(_float(env, "WAREHOUSE_SPARK_GX_MAX_ROWS", 1_000_000, low=1)),
        duckdb_memory_limit=_memory_limit(env),
        hfcommunity_dump=_path(env, "WAREHOUSE_HFCOMMUNITY_DUMP", data_dir)
        if env.get("WAREHOUSE_HFCOMMUNITY_DUMP", "").strip()
        else None,
    )


def real_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """WAREHOUSE_REAL_DATA_DIR: the shared real snapshots that tests read (default ../shared/data)."""
    env = os.environ if environ is None else environ
    return _path(env, "WAREHOUSE_REAL_DATA_DIR", DEFAULT_REAL_DATA_DIR)
