"""The one place that reads the environment.

`SETTINGS` is the registry of every setting: its variable, its group, its default (stated here
only), how its value is parsed and what it means. `load_settings` builds `Settings` from it;
docs/settings.md and `.env.example` are generated from it (orchestration/settings_docs.py,
`make settings-docs`). Paths are made absolute: a relative value is taken relative to the project
root, so Dagster, dbt and the Makefile agree whatever directory they are started from. Nothing
here writes the environment: dbt receives what it reads through its own process
(Settings.dbt_env, orchestration/resources.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Every asset that writes the working DuckDB file runs in this Dagster pool (limit 1 in
# dagster.yaml): DuckDB allows one writing process.
DUCKDB_WRITER_POOL = "duckdb_writer"

# The working database's file name inside WAREHOUSE_WORK_DIR (runs write here; users never open it).
WORKING_DATABASE_NAME = "working.duckdb"

# DuckDB names a database after its file's stem; a stem equal to a schema makes every
# `raw.table` reference ambiguous.
WAREHOUSE_SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts", "meta", "audit", "main")

# WAREHOUSE_SOURCE: every source feeds the same raw tables and staging contract.
SOURCES = ("generated", "snapshot", "huggingface", "hfcommunity")
# Where the weekly v2 files come from (Settings.weekly_source).
WEEKLY_LANDING, WEEKLY_GENERATED = "landing", "generated"
# The generated HFCommunity dump's name inside WAREHOUSE_GENERATED_DIR.
HFCOMMUNITY_GENERATED_NAME = "hfcommunity"
# The generated dump's name in it: a .zip holding the MariaDB dump, as HFCommunity publishes it.
HFCOMMUNITY_GENERATED_DUMP = "hfcommunity_dump.zip"
# WAREHOUSE_ENGINE: where dbt builds (the dbt target of the same name).
ENGINES = ("duckdb", "spark")
# dbt's log levels (`--log-level-file`), most verbose first.
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")
# WAREHOUSE_V1_SOURCE: the v1 leaderboard layouts raw/leaderboard can load
# (orchestration/defs/paper_snapshot/reader.py, LEADERBOARD_LAYOUTS), the final table's default name, and
# the v1 dataset's parquet name (in the source directory).
V1_SOURCES = ("paper_scrape", "final_table", "dataset_parquet")
V1_FINAL_TABLE_FILE_NAME = "leaderboard_v1_final.csv"
V1_DATASET_FILE_NAME = "leaderboard_v1.parquet"


class SettingsError(ValueError):
    pass


# ------------------------------------------------------------------------------------------
# Parsers: a setting's text (stripped, never empty) to its value; ValueError says what is wrong
# and Setting.read names the variable.
# ------------------------------------------------------------------------------------------


def path(raw: str) -> Path:
    resolved = Path(raw).expanduser()
    return (resolved if resolved.is_absolute() else PROJECT_ROOT / resolved).resolve()


def text(raw: str) -> str:
    return raw


def choice(options: tuple[str, ...], *, lower: bool = False, why: str = "") -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.lower() if lower else raw
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}{f' ({why})' if why else ''}")
        return value

    return parse


def number(low: float | None = None, high: float | None = None, *, above: float | None = None,
           integer: bool = False, why: str = "") -> Callable[[str], float | int]:
    """A number (an integer if `integer`) with inclusive bounds `low`/`high`, or exclusive `above`."""

    def parse(raw: str) -> float | int:
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            raise ValueError(f"not {'an integer' if integer else 'a number'}") from None
        if above is not None and value <= above:
            raise ValueError("must be positive" if above == 0 else f"must be above {above}")
        if (low is not None and value < low) or (high is not None and value > high):
            bound = f"between {low} and {high}" if low is not None and high is not None else f"at least {low}"
            raise ValueError(f"must be {bound}{f' ({why})' if why else ''}")
        return value

    return parse


def memory_limit(raw: str) -> str:
    """A size DuckDB takes (`4GB`, `512MiB`); a share of RAM (`80%`) resolved to MiB."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*(%|[KMGT]i?B)", raw, flags=re.IGNORECASE):
        raise ValueError("expected a size like 4GB or 512MiB, or a share of RAM like 80%")
    if raw.endswith("%"):  # DuckDB takes sizes only: the share of this machine's RAM, in MiB
        share = float(raw[:-1]) / 100
        if not 0 < share <= 1:
            raise ValueError("a share of RAM must be above 0% and at most 100%")
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{max(1, int(physical * share / (1 << 20)))}MiB"
    return raw.replace(" ", "")


def host(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]+", raw):
        raise ValueError("expected a host name or an IP address")
    return raw


def spark_master(raw: str) -> str:
    if not re.fullmatch(r"local(\[(\*|\d+)\])?|(spark|yarn|k8s)(://[A-Za-z0-9.:\-/\[\]]+)?", raw):
        raise ValueError("expected local[*], local[N], spark://host:port, yarn or k8s://…")
    return raw


def java_options(raw: str) -> str:
    """JVM flags, space-separated: each `-X…`, `-XX:…` or `-Dname=value`, nothing a shell or
    Spark's conf parsing would read differently."""
    flags = raw.split()
    bad = [flag for flag in flags if not re.fullmatch(r"-(X[A-Za-z0-9:+\-=.,/_]*|D[A-Za-z0-9_.\-]+=[A-Za-z0-9_.:,/\-]*)", flag)]
    if bad or not flags:
        raise ValueError(f"expected JVM flags such as -XX:TieredStopAtLevel=1 or -Xmx4g, not {' '.join(bad) or 'nothing'}")
    return " ".join(flags)


def url(raw: str) -> str:
    return raw.rstrip("/")


def is_iso_date(raw: str) -> bool:
    """`raw` is a date written YYYY-MM-DD (what dbt's date vars accept)."""
    try:
        return date.fromisoformat(raw).isoformat() == raw
    except ValueError:
        return False


def iso_date(raw: str) -> str:
    if not is_iso_date(raw):
        raise ValueError("expected a date YYYY-MM-DD")
    return raw


# ------------------------------------------------------------------------------------------
# The registry
# ------------------------------------------------------------------------------------------

# A setting's group: its heading in docs/settings.md and `.env.example`, in this order.
GROUPS = {
    "paths": "Where the warehouse and its outputs live",
    "source": "Where the raw data comes from",
    "hub": "The Hugging Face connector (`WAREHOUSE_SOURCE=huggingface`)",
    "engine": "Where dbt builds, and with how much memory",
    "ui": "The Dagster UI and its automation",
    "bench": "Benchmarks",
    "tests": "Tests",
}


@dataclass(frozen=True)
class Setting:
    name: str
    """The environment variable."""
    group: str
    """A key of GROUPS."""
    default: str | None
    """The value when the variable is unset or empty, written as in `.env`; None: no value, and
    `unset` says what that means."""
    parser: Callable[[str], Any]
    description: str
    unset: str = ""
    """With no default: what leaving the variable unset does (docs/settings.md's default column)."""

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"{self.name}: unknown group {self.group!r}")
        if (self.default is None) != bool(self.unset):
            raise ValueError(f"{self.name}: a setting has a default, or says what unset means, not both")

    def is_set(self, env: Mapping[str, str]) -> bool:
        return bool(env.get(self.name, "").strip())

    def read(self, env: Mapping[str, str]) -> Any:
        """The parsed value from `env`, else the parsed default; None if neither."""
        raw = env.get(self.name, "").strip() or self.default
        if raw is None:
            return None
        try:
            return self.parser(raw)
        except ValueError as exc:
            raise SettingsError(f"{self.name}={raw!r}: {exc}") from None


SETTINGS: tuple[Setting, ...] = (
    # -- paths --------------------------------------------------------------------------------
    Setting("WAREHOUSE_DUCKDB_PATH", "paths", "data/warehouse.duckdb", path,
            "The published DuckDB file that users query (read-only); its versions sit beside it."),
    Setting("WAREHOUSE_WORK_DIR", "paths", "data/work", path,
            "The working database that runs build and audit in before publishing (`working.duckdb`; "
            "users never open it). `make docs` writes dbt's docs site beside it (`dbt_docs/`)."),
    Setting("WAREHOUSE_KEEP_VERSIONS", "paths", "5",
            number(low=2, integer=True, why="the current version and one to roll back to"),
            "Published versions kept for `make rollback` (at least 2)."),
    Setting("WAREHOUSE_FIGURES_DIR", "paths", "data/figures", path, "PNG, SVG and HTML of every figure."),
    Setting("WAREHOUSE_REPORT_DIR", "paths", "data/report", path,
            "The findings report (`findings.html`): one self-contained page, openable offline."),
    Setting("DAGSTER_HOME", "paths", ".dagster_home", path,
            "Dagster's instance directory: run history and event logs (`dagster.yaml` is copied there)."),
    # -- source -------------------------------------------------------------------------------
    Setting("WAREHOUSE_SOURCE", "source", None, choice(SOURCES),
            "Where raw/leaderboard, raw/repo_details and raw/commit_data come from: `generated` (the "
            "offline default), `snapshot` (WAREHOUSE_SNAPSHOT_DIR), `huggingface` (the Hub at HF_ENDPOINT) "
            "or `hfcommunity` (an HFCommunity dump); docs/sources.md.",
            unset="`snapshot` when WAREHOUSE_SNAPSHOT_DIR is set, else `generated`"),
    Setting("WAREHOUSE_SNAPSHOT_DIR", "source", None, path,
            "A directory with the paper's `leaderboard.csv`, `repo_details.csv` and `commit_data.csv`.",
            unset="the generated data"),
    Setting("WAREHOUSE_V1_SOURCE", "source", "paper_scrape",
            choice(V1_SOURCES, why="paper_scrape = the paper's leaderboard.csv, final_table = the final v1 "
                                   f"table, dataset_parquet = the v1 dataset's parquet, {V1_DATASET_FILE_NAME}"),
            "Which v1 leaderboard raw/leaderboard loads: `paper_scrape` (`leaderboard.csv`, the paper's "
            "scrape), `final_table` (the final v1 table, `v1_2024-07-07.csv` layout, with evaluation dates) or "
            f"`dataset_parquet` (the v1 dataset's own parquet, `{V1_DATASET_FILE_NAME}` in the source "
            "directory; always, with `WAREHOUSE_SOURCE=huggingface`)."),
    Setting("WAREHOUSE_V1_FINAL_TABLE", "source", None, path,
            "The final v1 table's CSV: raw/leaderboard reads it when `WAREHOUSE_V1_SOURCE=final_table`; "
            "raw/leaderboard_v1_final loads it beside the paper's scrape whatever the v1 source, for the "
            "claims across eras (with `WAREHOUSE_SOURCE=huggingface`, the v1 dataset's parquet is that table).",
            unset=f"`{V1_FINAL_TABLE_FILE_NAME}` in the source directory (WAREHOUSE_SNAPSHOT_DIR, or the "
                  "generated data)"),
    Setting("WAREHOUSE_HFCOMMUNITY_DUMP", "source", None, path,
            "The HFCommunity dump raw/hfc_* load on every run: the published `.zip` of a MariaDB dump, or a "
            "bare `.sql`/`.sql.gz` (schema v1.1 or v1.0; docs/sources.md).",
            unset=f"the generated dump, `WAREHOUSE_GENERATED_DIR/{HFCOMMUNITY_GENERATED_NAME}/"
                  f"{HFCOMMUNITY_GENERATED_DUMP}`"),
    Setting("WAREHOUSE_LANDING_DIR", "source", None, path,
            "Weekly v2 files, `huggingface_v2_<date>.csv.gz` (or `.parquet`, the dataset's own).",
            unset="generated weekly files (with `WAREHOUSE_SOURCE=huggingface`: "
                  "`WAREHOUSE_HF_CACHE_DIR/leaderboard_v2`)"),
    Setting("WAREHOUSE_V2_AS_OF", "source", None, iso_date,
            "The date (YYYY-MM-DD) the v2 canon (`dim_models_v2` and its marts) is read as of: the last "
            "loaded weekly snapshot on or before it.",
            unset="the latest loaded weekly snapshot"),
    Setting("WAREHOUSE_GENERATED_DIR", "source", "data/generated", path,
            "Where the generator writes the offline default."),
    Setting("WAREHOUSE_GENERATOR_SEED", "source", "42", number(integer=True), "The generator's seed."),
    Setting("WAREHOUSE_GENERATOR_SCALE", "source", "1.0", number(above=0),
            "Multiplies the generated data's size."),
    Setting("WAREHOUSE_MAX_QUARANTINE_SHARE", "source", "0.01", number(0, 1),
            "The share of a raw file's rows that may be quarantined (a score out of 0-100, an unknown model "
            "type, a date before 2015 or in the future) before `<source>_quarantine_share` rejects the whole "
            "file (docs/reliability.md)."),
    # -- hub ----------------------------------------------------------------------------------
    Setting("HF_ENDPOINT", "hub", "https://huggingface.co", url,
            "The Hub the `huggingface` source reads (a mirror, or a local server); `https` when HF_TOKEN is "
            "set, unless on this machine."),
    Setting("HF_TOKEN", "hub", None, text,
            "A Hub token, sent as the `Authorization` header over https only, never logged or stored "
            "(`[REDACTED]` where a server echoes it).",
            unset="no token"),
    Setting("WAREHOUSE_HF_CACHE_DIR", "hub", "data/huggingface", path,
            "The connector's landed files, per-model cache (keyed by model sha) and dataset downloads."),
    Setting("WAREHOUSE_HF_REQUESTS_PER_SECOND", "hub", "5", number(low=0.01), "The request rate limit."),
    Setting("WAREHOUSE_HF_TIMEOUT_SECONDS", "hub", "30", number(low=0.01),
            "A request that takes longer fails, and is retried."),
    Setting("WAREHOUSE_HF_MAX_RETRIES", "hub", "5", number(low=0, integer=True),
            "Retries, with exponential backoff, on 429, 5xx, timeouts and connection errors."),
    Setting("WAREHOUSE_HF_BACKOFF_SECONDS", "hub", "1", number(low=0),
            "The first retry's wait, doubled at each retry (a server's `Retry-After` wins)."),
    Setting("WAREHOUSE_HF_MAX_FAILURE_SHARE", "hub", "0.05", number(0, 1),
            "The share of models that may keep failing before `hub_fetch_failure_share` fails the load."),
    # -- engine -------------------------------------------------------------------------------
    Setting("WAREHOUSE_ENGINE", "engine", ENGINES[0], choice(ENGINES, lower=True),
            "Where dbt builds: `duckdb` (the working database) or `spark` (raw tables land as Parquet under "
            "WAREHOUSE_SPARK_DIR, dbt runs its `spark` target; needs Java 17 and `pip install .[spark]`; "
            "docs/spark.md). Either way the audited marts are published to WAREHOUSE_DUCKDB_PATH."),
    Setting("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "engine", "80%", memory_limit,
            "The most memory DuckDB may use in a run and in dbt: a size (`4GiB`, `512MiB`) or a share of RAM "
            "(`80%` is DuckDB's own default); past it DuckDB spills to disk."),
    Setting("WAREHOUSE_DBT_FILE_LOG_LEVEL", "engine", "info", choice(DBT_LOG_LEVELS, lower=True),
            "The level of the log file each dbt invocation writes beside its artifacts (`dbt.log`, under "
            "WAREHOUSE_WORK_DIR): `info` by default, the events dbt reports to Dagster; `debug` (dbt's own "
            "default) adds every SQL statement and connection, ten times the file and about 9% more CPU in "
            "each dbt build (docs/architecture.md): set it to investigate a failure."),
    Setting("WAREHOUSE_SPARK_DIR", "engine", "data/spark", path,
            "With `spark`: the warehouse location, `raw/` (landed Parquet), `tables/` (dbt's tables) and "
            "`metastore/` (the local catalog); on a cluster, a path every executor reads."),
    Setting("WAREHOUSE_SPARK_MASTER", "engine", "local[*]", spark_master,
            "With `spark`: the master of the Spark sessions (`local[*]` = every core here, `local[N]`, "
            "`spark://host:port`, `yarn`, `k8s://…`)."),
    Setting("WAREHOUSE_SPARK_JAVA_OPTIONS", "engine", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m",
            java_options,
            "With `spark`: JVM flags of the Spark driver, in this process and in dbt's. The default compiles "
            "with the JVM's quick compiler only: local mode runs many short jobs on small tables, and the "
            "optimising compiler cost a fifth of the JVM's CPU time for no gain (docs/spark.md). That alone "
            "shrinks the JVM's code cache from 240 to 48 MiB, which Spark's generated code can fill (a fatal "
            "'Out of space in CodeCache' that stops the SparkContext), so the default keeps the 240 MiB. "
            "For long jobs on large tables use `-XX:TieredStopAtLevel=4` (the JVM's default) or a cluster profile."),
    Setting("WAREHOUSE_SPARK_GX_MAX_ROWS", "engine", "1000000", number(low=1, integer=True),
            "With `spark`: the most rows of a landed raw table the GX suites read through Spark; a longer "
            "table is judged on a seeded sample of this many rows (its row count on every row)."),
    # -- ui -----------------------------------------------------------------------------------
    Setting("WAREHOUSE_UI_HOST", "ui", "127.0.0.1", host,
            "The address `make ui` binds: the loopback unless set (the UI can launch runs, so exposing it "
            "is a choice, never a default)."),
    Setting("WAREHOUSE_UI_PORT", "ui", "3000", number(1, 65535, integer=True), "The port `make ui` serves on."),
    Setting("WAREHOUSE_LANDING_SENSOR_SECONDS", "ui", "60", number(low=1, integer=True),
            "How often, at most, the landing sensor (once switched on in the UI) looks at the landing "
            "directory (docs/weekly.md)."),
    # -- bench --------------------------------------------------------------------------------
    Setting("WAREHOUSE_BENCH_DIR", "bench", "data/bench", path,
            "Where `make bench` writes its generated inputs (about 10 GB at Hub size) and the warehouses it "
            "builds: a large scratch disk (docs/benchmarks.md)."),
    # -- tests --------------------------------------------------------------------------------
    Setting("WAREHOUSE_REAL_DATA_DIR", "tests", "../shared/data", path,
            "The real snapshots the tests read (never committed)."),
)
SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


def default(name: str) -> Any:
    """A setting's default value, parsed."""
    return SETTINGS_BY_NAME[name].read({})


# ------------------------------------------------------------------------------------------
# The resolved settings (what the code reads; each field's meaning is its setting's description)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HuggingFaceSettings:
    endpoint: str  # HF_ENDPOINT
    token: str | None = field(default=None, repr=False)  # HF_TOKEN: never logged, never stored (repr hides it)
    cache_dir: Path = default("WAREHOUSE_HF_CACHE_DIR")
    requests_per_second: float = default("WAREHOUSE_HF_REQUESTS_PER_SECOND")
    timeout_seconds: float = default("WAREHOUSE_HF_TIMEOUT_SECONDS")
    max_retries: int = default("WAREHOUSE_HF_MAX_RETRIES")
    backoff_seconds: float = default("WAREHOUSE_HF_BACKOFF_SECONDS")
    max_failure_share: float = default("WAREHOUSE_HF_MAX_FAILURE_SHARE")


@dataclass(frozen=True)
class Settings:
    # paths
    duckdb_path: Path  # WAREHOUSE_DUCKDB_PATH
    work_dir: Path  # WAREHOUSE_WORK_DIR
    keep_versions: int  # WAREHOUSE_KEEP_VERSIONS
    figures_dir: Path  # WAREHOUSE_FIGURES_DIR
    report_dir: Path  # WAREHOUSE_REPORT_DIR
    dagster_home: Path  # DAGSTER_HOME
    # source
    source: str  # WAREHOUSE_SOURCE, its default resolved
    snapshot_dir: Path | None  # WAREHOUSE_SNAPSHOT_DIR
    v1_source: str  # WAREHOUSE_V1_SOURCE (dataset_parquet with the huggingface source)
    v1_final_table: Path | None  # WAREHOUSE_V1_FINAL_TABLE (see v1_final_table_path)
    hfcommunity_dump: Path | None  # WAREHOUSE_HFCOMMUNITY_DUMP (see hfcommunity_dump_path)
    landing_dir: Path | None  # WAREHOUSE_LANDING_DIR (see weekly_source_dir)
    v2_as_of: str | None  # WAREHOUSE_V2_AS_OF
    generated_dir: Path  # WAREHOUSE_GENERATED_DIR
    generator_seed: int  # WAREHOUSE_GENERATOR_SEED
    generator_scale: float  # WAREHOUSE_GENERATOR_SCALE
    max_quarantine_share: float  # WAREHOUSE_MAX_QUARANTINE_SHARE
    # hub: read whatever the source, used when it is huggingface
    huggingface: HuggingFaceSettings
    # engine
    engine: str  # WAREHOUSE_ENGINE
    duckdb_memory_limit: str  # WAREHOUSE_DUCKDB_MEMORY_LIMIT, a share of RAM resolved to MiB
    dbt_file_log_level: str  # WAREHOUSE_DBT_FILE_LOG_LEVEL
    spark_dir: Path  # WAREHOUSE_SPARK_DIR
    spark_master: str  # WAREHOUSE_SPARK_MASTER
    spark_java_options: str  # WAREHOUSE_SPARK_JAVA_OPTIONS
    spark_gx_max_rows: int  # WAREHOUSE_SPARK_GX_MAX_ROWS
    # ui
    ui_host: str  # WAREHOUSE_UI_HOST
    ui_port: int  # WAREHOUSE_UI_PORT
    landing_sensor_seconds: int  # WAREHOUSE_LANDING_SENSOR_SECONDS
    # bench
    bench_dir: Path  # WAREHOUSE_BENCH_DIR

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
    def weekly_source(self) -> str:
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
        return self.huggingface.cache_dir / "snapshot"

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's profiles.yml reads (it has no defaults of its own), given to each
        dbt process by the dbt resource (orchestration/resources.py), never written into this
        process's environment: dbt writes the working database, never the published one.

        The working database is named relative to the directory dbt runs in, `work_dir` (the
        resource starts dbt there): every warehouse then has the same dbt profile, and dbt's
        partial parse, which it throws away when the profile's connection values change
        ("profile has changed"), carries over to a new working database (its first build parses
        in about 6 CPU-seconds instead of 15)."""
        return {
            "WAREHOUSE_WORKING_DUCKDB_PATH": WORKING_DATABASE_NAME,
            "WAREHOUSE_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "WAREHOUSE_ENGINE": self.engine,
            "WAREHOUSE_SPARK_DIR": str(self.spark_dir),
            "WAREHOUSE_SPARK_MASTER": self.spark_master,
            "WAREHOUSE_SPARK_JAVA_OPTIONS": self.spark_java_options,
            # Read by dbt's macro window_var, which checks the date again.
            "WAREHOUSE_V2_AS_OF": self.v2_as_of or "",
            "DBT_LOG_LEVEL_FILE": self.dbt_file_log_level,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
        }


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (default os.environ): every setting of SETTINGS read and parsed,
    then the rules that tie several together."""
    env = os.environ if environ is None else environ
    value = {setting.name: setting.read(env) for setting in SETTINGS}
    duckdb_path, work_dir = value["WAREHOUSE_DUCKDB_PATH"], value["WAREHOUSE_WORK_DIR"]
    if duckdb_path.stem.lower() in WAREHOUSE_SCHEMAS:
        raise SettingsError(
            f"WAREHOUSE_DUCKDB_PATH={duckdb_path}: the file name {duckdb_path.name!r} clashes with "
            f"the warehouse schema {duckdb_path.stem!r}; choose another name, e.g. warehouse.duckdb"
        )
    if work_dir / WORKING_DATABASE_NAME == duckdb_path:
        raise SettingsError(
            f"WAREHOUSE_DUCKDB_PATH={duckdb_path} is the working database of WAREHOUSE_WORK_DIR; "
            "users' file and the runs' file must differ"
        )
    snapshot_dir = value["WAREHOUSE_SNAPSHOT_DIR"]
    source = value["WAREHOUSE_SOURCE"] or ("snapshot" if snapshot_dir is not None else "generated")
    if source == "snapshot" and snapshot_dir is None:
        raise SettingsError("WAREHOUSE_SOURCE=snapshot needs WAREHOUSE_SNAPSHOT_DIR (the paper's three files)")
    v1_source, v1_final_table = value["WAREHOUSE_V1_SOURCE"], value["WAREHOUSE_V1_FINAL_TABLE"]
    if source == "huggingface":
        # The connector lands the v1 dataset's parquet as it is; there is no scrape to read.
        if SETTINGS_BY_NAME["WAREHOUSE_V1_SOURCE"].is_set(env) and v1_source != "dataset_parquet":
            raise SettingsError(
                f"WAREHOUSE_V1_SOURCE={v1_source!r}: with WAREHOUSE_SOURCE=huggingface the v1 leaderboard "
                "is the v1 dataset's parquet from the Hub (dataset_parquet)"
            )
        v1_source, v1_final_table = "dataset_parquet", None
    return Settings(
        duckdb_path=duckdb_path,
        work_dir=work_dir,
        keep_versions=value["WAREHOUSE_KEEP_VERSIONS"],
        figures_dir=value["WAREHOUSE_FIGURES_DIR"],
        report_dir=value["WAREHOUSE_REPORT_DIR"],
        dagster_home=value["DAGSTER_HOME"],
        source=source,
        snapshot_dir=snapshot_dir,
        v1_source=v1_source,
        v1_final_table=v1_final_table,
        hfcommunity_dump=value["WAREHOUSE_HFCOMMUNITY_DUMP"],
        landing_dir=value["WAREHOUSE_LANDING_DIR"],
        v2_as_of=value["WAREHOUSE_V2_AS_OF"],
        generated_dir=value["WAREHOUSE_GENERATED_DIR"],
        generator_seed=value["WAREHOUSE_GENERATOR_SEED"],
        generator_scale=value["WAREHOUSE_GENERATOR_SCALE"],
        max_quarantine_share=value["WAREHOUSE_MAX_QUARANTINE_SHARE"],
        huggingface=HuggingFaceSettings(
            endpoint=value["HF_ENDPOINT"],
            token=value["HF_TOKEN"],
            cache_dir=value["WAREHOUSE_HF_CACHE_DIR"],
            requests_per_second=value["WAREHOUSE_HF_REQUESTS_PER_SECOND"],
            timeout_seconds=value["WAREHOUSE_HF_TIMEOUT_SECONDS"],
            max_retries=value["WAREHOUSE_HF_MAX_RETRIES"],
            backoff_seconds=value["WAREHOUSE_HF_BACKOFF_SECONDS"],
            max_failure_share=value["WAREHOUSE_HF_MAX_FAILURE_SHARE"],
        ),
        engine=value["WAREHOUSE_ENGINE"],
        duckdb_memory_limit=value["WAREHOUSE_DUCKDB_MEMORY_LIMIT"],
        dbt_file_log_level=value["WAREHOUSE_DBT_FILE_LOG_LEVEL"],
        spark_dir=value["WAREHOUSE_SPARK_DIR"],
        spark_master=value["WAREHOUSE_SPARK_MASTER"],
        spark_java_options=value["WAREHOUSE_SPARK_JAVA_OPTIONS"],
        spark_gx_max_rows=value["WAREHOUSE_SPARK_GX_MAX_ROWS"],
        ui_host=value["WAREHOUSE_UI_HOST"],
        ui_port=value["WAREHOUSE_UI_PORT"],
        landing_sensor_seconds=value["WAREHOUSE_LANDING_SENSOR_SECONDS"],
        bench_dir=value["WAREHOUSE_BENCH_DIR"],
    )


def real_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """WAREHOUSE_REAL_DATA_DIR: the shared real snapshots that tests read."""
    return SETTINGS_BY_NAME["WAREHOUSE_REAL_DATA_DIR"].read(os.environ if environ is None else environ)
