"""A synthetic HFCommunity dump of the whole Hub, in HFCommunity's published format.

`generate_hfcommunity` writes, into one directory:
  * `hfcommunity_dump.zip`: a `.zip` holding one MariaDB dump, `hfcommunity_dump.sql`, as
    HFCommunity publishes them (docs/sources.md): `mysqldump` text (header comments, `SET`s,
    `DROP TABLE`/`CREATE TABLE` with backticks, `LOCK TABLES`, extended `INSERT`s with MySQL
    string escapes), every table of the extractor's schema in alphabetical order, with the
    columns and types of its `CREATE TABLE` statements (SOM-Research/HFCommunity,
    `extractor/databaseImport.py` at 7a71694…539d49b, schema v1.1; `schema_version="v1.0"` writes
    the 2023 schema of the same content: `commits(sha, timestamp, message, author, source)`
    without a repo, `file` + `files_in_commit` instead of `repo_file`);
  * `csv/<table>.csv` (form `csv`): the project's own per-table export of the loaded tables
    (the dump's columns, a header row; NULL an empty unquoted field, an empty string `""`), read
    by the Hub-sized benchmarks. HFCommunity publishes no CSV.

Values are written as the extractor writes them: repo ids with their type prefix
(`models/<owner>/<name>`); `card_data` is `str(ModelCardData)`, the card's YAML (the literal
`None` for a repo without a card); commit dates in the author's wall-clock time with `author_tz`
in seconds west of UTC (GitPython's `author_tz_offset`), git author names in `author_name`;
`repo_file.id` the sha256 of `<repo id>_<file name>`; `model.downloads` a 30-day count and
`model.likes` NULL (likes are on `repository`); DATETIMEs in UTC without a zone; no repository
creation date (the warehouse derives it from the earliest commit).

The generative story: the foundation models of the snapshot generator's catalog (Llama, Mistral,
Mixtral, Phi, Gemma, Qwen, … under synthetic lab names) released on their dates; community
models created 2021–2024 at a growing rate, each fine-tuned from a released foundation model
(popular ones more often) or from an earlier community model, named after its family's token
and declaring its base in its card (plain, list or with its relation) or tags, or not at all;
Pareto-distributed people who own repos, commit to them (with time zones, as git records them)
and open discussions and pull requests, plus bots; a few dataset repos whose commits are not
models'.

Scale 1 (2,000 model repos) takes about a second. Repo-level attributes are numbers kept in
memory (a few bytes per repo); rows are generated and written per chunk of `CHUNK_REPOS` repos,
each from its own random stream, so 2M models / 20M commits stream out in bounded memory. Same
seed and scale give byte-identical files.

`HUB_SIZED` is the whole Hub's shape (2M models, 1M authors, 20M commits) for the benchmarks
(benchmarks/inputs.py): with a `shape`, the counts come from it instead of from `scale`.
Every generation also writes `_truth.json`: mart values counted from the generated rows
themselves (distinct human commit authors of model repos, their (repo, author) pairs, the
repos with one), which the benchmarks compare with the published marts.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pandas as pd
import yaml

from orchestration.settings import HFCOMMUNITY_GENERATED_DUMP
from orchestration.synthetic.snapshot import (
    _CATALOG,
    _SYLLABLES,
    _epoch,
    _hex,
    _pareto_weights,
    _write_atomic,
    ensure_generated,
    join_fields,
)

GENERATOR_VERSION = "2"
MARKER_NAME = "_generator_hfcommunity.json"
SQL_DUMP_NAME = HFCOMMUNITY_GENERATED_DUMP  # the .zip, as published
SQL_MEMBER_NAME = "hfcommunity_dump.sql"
CSV_DIR_NAME = "csv"
TRUTH_NAME = "_truth.json"
FORMS = ("zip", "csv")
SCHEMA_VERSIONS = ("v1.1", "v1.0")
MODELS_AT_SCALE_1 = 2_000
CHUNK_REPOS = 50_000
TUPLES_PER_INSERT = 500

DAY = 86_400
HUB_START = _epoch("2021-01-01T00:00:00")
HUB_END = _epoch("2024-12-31T23:00:00")

# The dump's tables: (column, MariaDB type, numeric) in CREATE TABLE order, as mysqldump prints
# the extractor's statements (SOM-Research/HFCommunity, extractor/databaseImport.py at
# 7a716946279e3706512b04b60671541d461a3adb, unchanged to 539d49b7a3b7bdc7598b088cd83cd3f2dd63a09a;
# INTEGER → int(11), BIGINT → bigint(20); primary-key columns NOT NULL). Columns a generated row
# does not set are NULL; tables without rows are declared empty, as in a real dump.
_V = "varchar(256)"
DUMP_SCHEMA: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "author": (
        ("username", f"{_V} NOT NULL", False), ("avatar_url", "text", False), ("is_pro", "int(11)", True),
        ("fullname", "text", False), ("type", "varchar(64)", False), ("source", _V, False),
    ),
    "commit_parents": (("commit_sha", f"{_V} NOT NULL", False), ("parent_sha", f"{_V} NOT NULL", False)),
    "commits": (
        ("sha", f"{_V} NOT NULL", False), ("repo_id", _V, False), ("message", "longtext", False),
        ("author_date", "datetime", False), ("author_tz", "int(11)", True), ("committer_date", "datetime", False),
        ("committer_tz", "int(11)", True), ("in_main_branch", "int(11)", True), ("insertions", "int(11)", True),
        ("deletions", "int(11)", True), ("author_name", _V, False), ("committer_name", _V, False),
        ("source", "varchar(32)", False),
    ),
    "conflicting_files_discussion": (
        ("id", "int(11) NOT NULL AUTO_INCREMENT", True), ("num", "int(11)", True), ("repo_id", _V, False),
        ("filename", "text", False), ("repo_file_id", "char(64)", False),
    ),
    "dataset": (
        ("dataset_id", f"{_V} NOT NULL", False), ("description", "longtext", False), ("citation", "text", False),
        ("paperswithcode_id", "text", False), ("downloads", "int(11)", True),
    ),
    "datasets_in_space": (("dataset_id", f"{_V} NOT NULL", False), ("space_id", f"{_V} NOT NULL", False)),
    "discussion": (
        ("num", "int(11) NOT NULL", True), ("repo_id", f"{_V} NOT NULL", False), ("author", _V, False),
        ("title", "text", False), ("status", "text", False), ("created_at", "datetime", False),
        ("is_pull_request", "int(11)", True), ("target_branch", "varchar(64)", False),
        ("merge_commit_oid", _V, False), ("diff", "longtext", False), ("git_reference", "text", False),
    ),
    "discussion_event": (
        ("id", f"{_V} NOT NULL", False), ("repo_id", _V, False), ("discussion_num", "int(11)", True),
        ("event_type", "varchar(64)", False), ("created_at", "datetime", False), ("author", _V, False),
        ("content", "text", False), ("edited", "int(11)", True), ("hidden", "int(11)", True),
        ("new_status", "text", False), ("summary", "text", False), ("sha", _V, False), ("old_title", "text", False),
        ("new_title", "text", False), ("full_data", "longtext", False),
    ),
    "files_in_commit": (("sha", f"{_V} NOT NULL", False), ("modified_file_id", "char(64) NOT NULL", False)),
    "model": (
        ("model_id", f"{_V} NOT NULL", False), ("pipeline_tag", "text", False), ("downloads", "int(11)", True),
        ("library_name", "text", False), ("likes", "int(11)", True), ("config", "longtext", False),
    ),
    "models_in_space": (("model_id", f"{_V} NOT NULL", False), ("space_id", f"{_V} NOT NULL", False)),
    "modified_file": (
        ("modified_file_id", "char(64) NOT NULL", False), ("repo_file_id", "char(64)", False), ("rfilename", "text", False),
        ("old_path", _V, False), ("new_path", _V, False), ("change_type", "varchar(32)", False), ("diff", "longtext", False),
        ("added_lines", "int(11)", True), ("deleted_lines", "int(11)", True), ("nloc", "int(11)", True),
    ),
    "repo_file": (
        ("id", "char(64) NOT NULL", False), ("filename", "text", False), ("repo_id", _V, False),
        ("size", "bigint(20)", True), ("blob_id", _V, False), ("lfs_size", "bigint(20)", True),
        ("lfs_sha", _V, False), ("lfs_pointer_size", "bigint(20)", True),
    ),
    "repository": (
        ("id", f"{_V} NOT NULL", False), ("name", "text", False), ("type", "varchar(7)", False),
        ("author", _V, False), ("sha", "text", False), ("last_modified", "datetime", False),
        ("private", "int(11)", True), ("card_data", "longtext", False), ("gated", "int(11)", True),
        ("likes", "int(11)", True), ("disabled", "int(11)", True),
    ),
    "space": (
        ("space_id", f"{_V} NOT NULL", False), ("sdk", "varchar(128)", False), ("stage", "varchar(32)", False),
        ("hardware", "varchar(32)", False), ("requested_hw", "varchar(32)", False), ("sleep_time", "int(11)", True),
        ("storage", "varchar(32)", False), ("runtime_raw", "text", False),
    ),
    "tag": (("name", f"{_V} NOT NULL", False),),
    "tags_in_repo": (("tag_name", f"{_V} NOT NULL", False), ("repo_id", f"{_V} NOT NULL", False)),
}  # fmt: skip
PRIMARY_KEYS = {
    "author": "`username`", "commit_parents": "`commit_sha`,`parent_sha`", "commits": "`sha`",
    "conflicting_files_discussion": "`id`", "dataset": "`dataset_id`", "datasets_in_space": "`dataset_id`,`space_id`",
    "discussion": "`num`,`repo_id`", "discussion_event": "`id`", "files_in_commit": "`sha`,`modified_file_id`",
    "model": "`model_id`", "models_in_space": "`model_id`,`space_id`", "modified_file": "`modified_file_id`",
    "repo_file": "`id`", "repository": "`id`", "space": "`space_id`", "tag": "`name`",
    "tags_in_repo": "`tag_name`,`repo_id`",
}  # fmt: skip
# The v1.0 schema (2022–2023 dumps; extractor/databaseImport.py at
# 02d20395776ee0fb47345aff0f1ec23c1d410ff5): tables whose columns differ from v1.1, and v1.1's
# tables it does not have. Its `commits` has no repo: `files_in_commit` links commits to `file`s.
DUMP_SCHEMA_V10: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "commits": (
        ("sha", f"{_V} NOT NULL", False), ("timestamp", "timestamp", False), ("message", "longtext", False),
        ("author", _V, False), ("source", "varchar(64)", False),
    ),
    "discussion": DUMP_SCHEMA["discussion"][:7],
    "discussion_event": tuple(("type", t, n) if c == "event_type" else (c, t, n) for c, t, n in DUMP_SCHEMA["discussion_event"]),
    "file": (("id", "int(11) NOT NULL AUTO_INCREMENT", True), ("filename", "varchar(500)", False), ("repo_id", _V, False)),
    "files_in_commit": (("sha", f"{_V} NOT NULL", False), ("file_id", "int(11) NOT NULL", True)),
    "repository": DUMP_SCHEMA["repository"][:10],
}
_NOT_IN_V10 = ("conflicting_files_discussion", "datasets_in_space", "models_in_space", "modified_file", "repo_file", "space")
# The per-table CSV export holds the tables the warehouse loads.
CSV_TABLES = ("author", "repository", "model", "commits", "discussion", "tags_in_repo", "repo_file")


def dump_schema(version: str) -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """The dump's tables of a schema version, in the dump's (alphabetical) order."""
    if version not in SCHEMA_VERSIONS:
        raise ValueError(f"schema_version must be one of {SCHEMA_VERSIONS}, got {version!r}")
    if version == "v1.1":
        return dict(DUMP_SCHEMA)
    tables = {name: DUMP_SCHEMA_V10.get(name, columns) for name, columns in DUMP_SCHEMA.items() if name not in _NOT_IN_V10}
    tables["file"] = DUMP_SCHEMA_V10["file"]
    tables["files_in_commit"] = DUMP_SCHEMA_V10["files_in_commit"]
    return dict(sorted(tables.items()))


_PRIMARY_KEYS_V10 = {"file": "`id`", "files_in_commit": "`sha`,`file_id`"}

_BOT_NAMES = ("SFconvertbot", "librarian-bot", "system")


@dataclass(frozen=True)
class HubShape:
    """A dump's size given as counts rather than a scale: model repos, rows of `author` and
    commits (approximately: commit counts per repo are drawn)."""

    models: int
    authors: int
    commits: int


# The whole Hub as the benchmarks take it (issue 7): 2M models, 1M authors, 20M commits.
HUB_SIZED = HubShape(models=2_000_000, authors=1_000_000, commits=20_000_000)


def hub_shape(fraction: float) -> HubShape:
    """A fraction of the whole Hub (HUB_SIZED); 0.01 is a hundredth, for development."""
    if not fraction > 0:
        raise ValueError(f"the fraction of the Hub must be positive, got {fraction!r}")
    return HubShape(*(max(1, round(count * fraction)) for count in (HUB_SIZED.models, HUB_SIZED.authors, HUB_SIZED.commits)))


# log-mean of the commits per repo beyond the first (lognormal, sigma 0.9): ~6.5 per repo.
_COMMIT_LOG_MEAN = 1.2
_COMMIT_LOG_SIGMA = 0.9
# Authors' zones, seconds east of UTC (git's +02:00 is 7200; the dump's author_tz says -7200).
_TIMEZONES = (0, 7200, 3600, -25200, 28800, 19800, -14400, 32400)
_RELATIONS = np.array(["finetune", "adapter", "quantized", "merge"], dtype=object)
_COMMIT_MESSAGES = np.array(
    [
        "Upload folder using huggingface_hub", "Update README.md", "initial commit", "Upload model",
        "Add model card; fix (eos) token", "Upload tokenizer\n\nSigned-off-by: trainer",
        "Merge branch 'main' of hf.co", "Update config.json", "Fix path C:\\models\\weights",
        "更新模型权重 🚀", 'Revert "Update config.json"', "Upload 4 files", "Delete pytorch_model.bin",
        "Training in progress, epoch 1", "Adding `safetensors` variant of this model",
    ],
    dtype=object,
)
_DISCUSSION_TITLES = np.array(
    [
        "Can't load tokenizer", "What is the prompt template?", "Add chat template; fix (eos) token",
        "GGUF version?", "License question", "Great model! 🤗", "Output is gibberish", "Context length?",
        "Which dataset did you use?", "Error: \\x00 byte in config", "回复质量很好",
        "Quantized 4-bit version, please", "Benchmarks vs the base model",
    ],
    dtype=object,
)
_PR_TITLES = np.array(
    [
        "Adding `safetensors` variant of this model", "Update README.md", "Add chat_template to tokenizer_config",
        "Library name and metadata", "Fix typo in model card", "Upload GGUF files", "Adding Evaluation Results",
        "[Automated] Model Memory Requirements", "Link model to paper ('Attention Is All You Need')",
    ],
    dtype=object,
)
_FILES = (
    (".gitattributes", 1.0, 1_500), ("README.md", 0.97, 5_000), ("config.json", 0.95, 700),
    ("generation_config.json", 0.7, 180), ("tokenizer.json", 0.8, 1_800_000), ("tokenizer_config.json", 0.85, 1_000),
    ("special_tokens_map.json", 0.8, 500), ("model.safetensors", 0.55, 4_000_000_000),
    ("model-00001-of-00002.safetensors", 0.3, 5_000_000_000), ("model-00002-of-00002.safetensors", 0.3, 2_000_000_000),
    ("pytorch_model.bin", 0.2, 4_000_000_000), ("adapter_config.json", 0.1, 600), ("training_args.bin", 0.25, 4_600),
)  # fmt: skip
_LICENSES = np.array(["apache-2.0", "mit", "llama2", "llama3", "cc-by-nc-4.0", "other", "gemma"], dtype=object)
_LIBRARY_TAGS = np.array(["transformers", "peft", "gguf", "mlx"], dtype=object)


def generate_hfcommunity(
    out_dir: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    forms: Sequence[str] = FORMS,
    shape: HubShape | None = None,
    schema_version: str = "v1.1",
    time_zones: bool = True,
) -> list[Path]:
    """Write hfcommunity_dump.zip and/or csv/<table>.csv (`forms`), and _truth.json, into
    out_dir; return their paths. `schema_version` v1.0 writes the 2023 schema (zip only);
    `time_zones=False` commits every change at UTC (for comparing with v1.0, which lost zones)."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    unknown = sorted(set(forms) - set(FORMS))
    if unknown or not forms:
        raise ValueError(f"forms must be some of {FORMS}, got {tuple(forms)!r}")
    schema = dump_schema(schema_version)
    if schema_version != "v1.1" and "csv" in forms:
        raise ValueError("the CSV export has the v1.1 columns only")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER_NAME).unlink(missing_ok=True)
    work = out_dir / ".parts"
    shutil.rmtree(work, ignore_errors=True)
    (work / CSV_DIR_NAME).mkdir(parents=True)
    hub = _Hub(seed=seed, scale=scale, shape=shape, time_zones=time_zones)
    keys = {**PRIMARY_KEYS, **_PRIMARY_KEYS_V10}
    sql_parts = {table: gzip.GzipFile(work / f"{table}.sql.gz", "wb", 1, mtime=0) for table in schema} if "zip" in forms else {}
    csv_writer = _CsvExport(work / CSV_DIR_NAME) if "csv" in forms else None
    try:
        for table, handle in sql_parts.items():
            handle.write(_table_preamble(table, schema[table], keys[table]).encode())
        for table, frame in hub.tables():
            if csv_writer is not None and table in CSV_TABLES:
                csv_writer.append(table, frame.reindex(columns=[c for c, _, _ in DUMP_SCHEMA[table]]))
            if sql_parts:
                for dump_table, dump_frame in _as_schema(table, frame, schema_version):
                    sql_parts[dump_table].write(_insert_statements(dump_table, dump_frame, schema[dump_table]).encode("utf-8"))
        for table, handle in sql_parts.items():
            handle.write(f"/*!40000 ALTER TABLE `{table}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n".encode())
    finally:
        for handle in sql_parts.values():
            handle.close()
        if csv_writer is not None:
            csv_writer.close()

    def archive(target: BinaryIO) -> None:
        # One .sql member: the dump's header, its tables in order, its footer (as mysqldump writes).
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zip_file:
            info = zipfile.ZipInfo(SQL_MEMBER_NAME, date_time=(2024, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zip_file.open(info, "w", force_zip64=True) as member:
                member.write(_DUMP_HEADER.encode())
                for table in schema:
                    with gzip.open(work / f"{table}.sql.gz", "rb") as part:
                        shutil.copyfileobj(part, member, 1 << 20)
                member.write(_DUMP_FOOTER.encode())

    paths = []
    if sql_parts:
        _write_atomic(out_dir / SQL_DUMP_NAME, archive)
        paths.append(out_dir / SQL_DUMP_NAME)
    csv_dir = out_dir / CSV_DIR_NAME
    shutil.rmtree(csv_dir, ignore_errors=True)
    if csv_writer is not None:
        (work / CSV_DIR_NAME).rename(csv_dir)
        paths += [csv_dir / f"{table}.csv" for table in CSV_TABLES]
    shutil.rmtree(work)
    truth = (json.dumps(hub.truth(), indent=2, sort_keys=True) + "\n").encode()
    _write_atomic(out_dir / TRUTH_NAME, lambda handle: handle.write(truth))
    return [*paths, out_dir / TRUTH_NAME]


def _as_schema(table: str, frame: pd.DataFrame, version: str) -> Iterator[tuple[str, pd.DataFrame]]:
    """A v1.1 table's rows as the dump tables of `version` hold them."""
    if version == "v1.1" or table not in ("commits", "repo_file", "discussion_event", "repository"):
        yield table, frame
        return
    if table == "repository":  # huggingface_hub 0.12's cardData: the metadata dict, str() as its repr
        yield table, frame.assign(card_data=[
            card if card == "None" else repr(yaml.safe_load(card)) for card in frame["card_data"]
        ])
    elif table == "discussion_event":
        yield table, frame.rename(columns={"event_type": "type"})
    elif table == "repo_file":  # v1.0's `file`: an auto-increment id; the dump's own numbering
        yield "file", frame.assign(id=frame["v10_file_id"])
    else:  # v1.0 commits: the author's local time in `timestamp`, the repo only through its files
        yield "commits", frame.assign(timestamp=frame["author_date"], author=frame["author_name"], source="pydriller")
        if "v10_file_id" in frame:  # dataset repos have no files here: their commits keep no repo
            touched = frame.loc[frame["v10_file_id"].notna(), ["sha", "v10_file_id"]]
            yield "files_in_commit", touched.rename(columns={"v10_file_id": "file_id"})


def form_files(forms: Sequence[str]) -> list[str]:
    """The files (relative to the output directory) that generating `forms` writes."""
    files = [SQL_DUMP_NAME] if "zip" in forms else []
    files += [f"{CSV_DIR_NAME}/{table}.csv" for table in CSV_TABLES] if "csv" in forms else []
    return [*files, TRUTH_NAME]


class _CsvExport:
    """The per-table CSV export, appended chunk by chunk through DuckDB's CSV writer: a field is
    quoted when it holds a comma, a quote or a newline, or is an empty string; NULL is an empty
    unquoted field (HFCommunity's export, as R writes it)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.conn = duckdb.connect()
        self.chunk = directory / ".chunk.csv"
        self.files: dict[str, BinaryIO] = {}

    def append(self, table: str, frame: pd.DataFrame) -> None:
        first = table not in self.files
        if first:
            self.files[table] = open(self.directory / f"{table}.csv", "wb")
        if frame.empty and not first:
            return
        self.conn.register("chunk_frame", frame)
        quoted = str(self.chunk).replace("'", "''")  # a path is a literal, quotes and all
        try:
            self.conn.execute(
                f"copy (select * from chunk_frame) to '{quoted}' (format csv, header {str(first).lower()}, "
                "delimiter ',', quote '\"', escape '\"', new_line '\\n')"
            )
        finally:
            self.conn.unregister("chunk_frame")
        with open(self.chunk, "rb") as part:
            shutil.copyfileobj(part, self.files[table])

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()
        self.chunk.unlink(missing_ok=True)
        self.conn.close()


def ensure_generated_hfcommunity(
    out_dir: Path, *, seed: int = 42, scale: float = 1.0, forms: Sequence[str] = FORMS, shape: HubShape | None = None
) -> Path:
    """Generate into out_dir unless its marker says these exact files are there; return out_dir."""
    wanted = {"generator_version": GENERATOR_VERSION, "seed": int(seed), "scale": float(scale), "forms": sorted(forms)}
    if shape is not None:
        wanted["shape"] = [shape.models, shape.authors, shape.commits]
    return ensure_generated(
        Path(out_dir), MARKER_NAME, wanted, form_files(forms),
        lambda: generate_hfcommunity(out_dir, seed=seed, scale=scale, forms=forms, shape=shape),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The dump's text

_DUMP_HEADER = """-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: hfcommunity
-- ------------------------------------------------------
-- Server version\t10.11.6-MariaDB-0+deb12u1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;

"""
_DUMP_FOOTER = """/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2025-01-05  3:12:41
"""


def _table_preamble(table: str, columns: Sequence[tuple[str, str, bool]], primary_key: str) -> str:
    definitions = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type, _ in columns)
    return (
        f"--\n-- Table structure for table `{table}`\n--\n\n"
        f"DROP TABLE IF EXISTS `{table}`;\n"
        "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
        "/*!40101 SET character_set_client = utf8 */;\n"
        f"CREATE TABLE `{table}` (\n{definitions},\n  PRIMARY KEY ({primary_key})\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n"
        "/*!40101 SET character_set_client = @saved_cs_client */;\n\n"
        f"--\n-- Dumping data for table `{table}`\n--\n\n"
        f"LOCK TABLES `{table}` WRITE;\n/*!40000 ALTER TABLE `{table}` DISABLE KEYS */;\n"
    )


def sql_literals(values: pd.Series, *, numeric: bool) -> pd.Series:
    """Values as MySQL literals: NULL, bare numbers, or quoted strings with mysqldump's escapes."""
    missing = values.isna()
    text = values.astype(object).where(~missing, "").astype(str)
    if not numeric:
        for raw, escaped in (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r"), ("\0", "\\0"), ("\x1a", "\\Z")):
            text = text.str.replace(raw, escaped, regex=False)
        text = "'" + text + "'"
    return text.where(~missing, "NULL")


def _insert_statements(table: str, frame: pd.DataFrame, columns: Sequence[tuple[str, str, bool]]) -> str:
    if frame.empty:
        return ""
    fields = [
        sql_literals(frame[name] if name in frame else pd.Series([None] * len(frame), dtype=object, index=frame.index), numeric=numeric)
        for name, _, numeric in columns
    ]
    tuples = "(" + join_fields(fields, ",") + ")"
    return "".join(
        f"INSERT INTO `{table}` VALUES " + ",".join(tuples[i : i + TUPLES_PER_INSERT]) + ";\n"
        for i in range(0, len(tuples), TUPLES_PER_INSERT)
    )


# ---------------------------------------------------------------------------------------------
# The Hub


def _words(codes: np.ndarray, syllables: int = 3) -> np.ndarray:
    """Pseudo-words from integer codes (distinct codes below 80**syllables give distinct words)."""
    k = len(_SYLLABLES)
    words = np.full(len(codes), "", dtype=object)
    codes = np.asarray(codes, dtype=np.int64).copy()
    for _ in range(syllables):
        words = words + _SYLLABLES[codes % k]
        codes //= k
    return words


def _distinct(ids: np.ndarray) -> np.ndarray:
    """`ids` made distinct ignoring case, as the Hub's are (the warehouse joins on the lower-cased
    id): a later repeat gets `-2`, `-3`, …. A name's three-syllable stem repeats every 80**3
    models, so at the Hub's size a seed can give two repos one id (seed 43 does: two
    `Tuvanusi/Mistral-7B-ledubi-v0.1`, blocked by the raw gates); ids already distinct are kept."""
    ids = np.asarray(ids, dtype=object).copy()
    while True:
        lowered = pd.Series(ids).str.lower()
        repeat = lowered.groupby(lowered, sort=False).cumcount().to_numpy()
        later = repeat > 0
        if not later.any():
            return ids
        ids[later] = ids[later] + "-" + (repeat[later] + 1).astype(str).astype(object)


def _scatter(index: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of 0..modulus-1 (7919 is prime to 80**n): distinct indices, scattered codes."""
    return (np.asarray(index, dtype=np.int64) * 7919 + salt) % modulus


def _datetimes(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as MariaDB DATETIME text, '2024-03-22 14:08:40'."""
    return np.char.replace(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype(str), "T", " ").astype(object)


class _Hub:
    """Repo-level attributes of every repo (numbers), and the dump's rows chunk by chunk."""

    def __init__(self, *, seed: int, scale: float, shape: HubShape | None = None, time_zones: bool = True) -> None:
        self.seed = seed
        self.time_zones = time_zones
        rng = np.random.default_rng([seed, 0])
        roots = [r for r in _CATALOG]
        n_roots = len(roots)
        n_labs = max(r.lab for r in roots) + 1
        self.n_models = max(n_roots + 20, shape.models if shape else round(MODELS_AT_SCALE_1 * scale))
        self.n_datasets = max(5, round(self.n_models * 0.04))
        self.n_orgs = max(12, round(self.n_models * 0.04))
        self.commit_log_mean = _COMMIT_LOG_MEAN
        if shape is None:
            self.n_users = max(60, round(self.n_models * 0.55))
        else:
            # Every author row is a user, an organisation, a lab or a bot.
            self.n_users = max(60, shape.authors - self.n_orgs - n_labs - len(_BOT_NAMES))
            # A repo has 1 + floor(lognormal(mu, sigma)) commits: mean ≈ exp(mu + sigma²/2) + 0.5.
            per_repo = shape.commits / (self.n_models + self.n_datasets)
            self.commit_log_mean = float(np.log(max(per_repo - 0.5, 0.5)) - _COMMIT_LOG_SIGMA**2 / 2)
        self._human_authors: set[str] = set()
        self._author_repo_pairs = 0
        self._repos_with_authors = 0
        modulus = len(_SYLLABLES) ** 4
        # People: users (Pareto-active), organisations, labs of the foundation models, bots.
        self.users = _words(_scatter(np.arange(self.n_users), modulus, 11), 4)
        recase = rng.random(self.n_users) < 0.3
        self.users[recase] = np.char.capitalize(self.users[recase].astype(str)).astype(object)
        self.user_weight = _pareto_weights(rng, self.n_users, 1.8)
        self.orgs = _words(_scatter(np.arange(self.n_orgs), modulus, 23), 3) + np.where(
            np.arange(self.n_orgs) % 2 == 0, "-ai", "labs"
        )
        self.labs = np.char.capitalize(_words(_scatter(np.arange(n_labs), modulus, 37), 2).astype(str)).astype(object) + "AI"
        series = np.char.capitalize(_words(_scatter(np.arange(n_labs), modulus, 41), 2).astype(str))

        # Foundation models: the catalog, on its release dates; legacy ids are bare.
        root_names = np.array([r.name.replace("{W}", series[r.lab]) for r in roots], dtype=object)
        root_owner = np.array([self.labs[r.lab] if r.lab >= 0 else "" for r in roots], dtype=object)
        self.root_token = np.array([r.token.replace("{W}", series[r.lab]) for r in roots], dtype=object)
        self.root_arch = np.array([r.arch for r in roots], dtype=object)
        self.root_tag = np.array([r.tag for r in roots], dtype=object)
        root_release = np.array([_epoch(r.release + "T16:00:00") for r in roots])
        popularity = np.array([r.popularity for r in roots])

        # Community models: created at a growing rate over 2021–2024, in creation order.
        n_derived = self.n_models - n_roots
        months = np.arange(48)
        month_weight = np.exp(months / 11.0)
        month = rng.choice(48, size=n_derived, p=month_weight / month_weight.sum())
        month_start = np.array([_epoch(f"{2021 + m // 12}-{m % 12 + 1:02d}-01T00:00:00") for m in months] + [HUB_END])
        created = np.sort(month_start[month] + (rng.random(n_derived) * (month_start[month + 1] - month_start[month])).astype(np.int64))

        # Parents: a released foundation model (by popularity), an earlier community model, or none.
        by_release = np.argsort(root_release, kind="stable")
        cumulative = np.cumsum(popularity[by_release])
        released = np.searchsorted(root_release[by_release], created, side="right")
        kind = rng.random(n_derived)
        standalone = (kind < 0.08) | (released == 0)
        from_root = ~standalone & ((kind < 0.68) | (np.arange(n_derived) == 0))
        pick = rng.random(n_derived) * cumulative[np.maximum(released - 1, 0)]
        parent_root = by_release[np.minimum(np.searchsorted(cumulative, pick, side="right"), n_roots - 1)]
        parent_derived = np.floor(rng.random(n_derived) * np.arange(n_derived)).astype(np.int64)
        # Repo index: roots first (0..n_roots-1), then community models in creation order.
        parent = np.where(standalone, -1, np.where(from_root, parent_root, n_roots + parent_derived))
        root_of = np.where(standalone, -1, np.where(from_root, parent_root, -2))
        while (root_of == -2).any():  # follow community parents up to their foundation model
            pending = root_of == -2
            root_of[pending] = np.concatenate([np.arange(n_roots), root_of])[parent[pending]]
        parent = np.concatenate([np.full(n_roots, -1), parent])
        self.root_of = np.concatenate([np.arange(n_roots), root_of])
        self.created = np.concatenate([root_release, created])
        # Owners: users by activity, organisations, the labs for the foundation models.
        owner_kind = rng.random(self.n_models)
        user = rng.choice(self.n_users, size=self.n_models, p=self.user_weight)
        org = rng.integers(0, self.n_orgs, self.n_models)
        owner = np.where(owner_kind < 0.8, self.users[user], self.orgs[org])
        owner[:n_roots] = root_owner
        self.owner_user = np.where(owner_kind < 0.8, user, -1)
        self.owner_user[:n_roots] = -1
        size = np.array(["1B", "3B", "7B", "8B", "13B", "70B"], dtype=object)[rng.integers(0, 6, self.n_models)]
        stem = _words(_scatter(np.arange(self.n_models), modulus, 5), 3)
        suffix = np.array(["", "-v0.1", "-v2", "-sft", "-dpo", "-instruct", "-GGUF", "-lora", "-merged"], dtype=object)[
            rng.integers(0, 9, self.n_models)
        ]
        token = np.where(self.root_of >= 0, self.root_token[np.maximum(self.root_of, 0)], "")
        name = np.where(self.root_of >= 0, token + "-" + stem + suffix, np.char.capitalize(stem.astype(str)).astype(object) + "-" + size)
        name[:n_roots] = root_names
        self.model_ids = _distinct(np.where(owner == "", name, owner + "/" + name))
        self.owner = owner
        self.parent = parent
        self.n_roots = n_roots
        # How the card declares the parent: plain, list, tag only, not at all, or no card.
        self.declaration = rng.choice(5, size=self.n_models, p=[0.45, 0.1, 0.1, 0.2, 0.15])
        self.popular = np.zeros(self.n_models, dtype=bool)
        self.popular[:n_roots] = True
        self.datasets = _distinct(
            self.users[rng.choice(self.n_users, size=self.n_datasets, p=self.user_weight)]
            + "/" + _words(_scatter(np.arange(self.n_datasets), modulus, 61), 3) + "-data"
        )  # fmt: skip
        self.dataset_created = rng.integers(HUB_START, HUB_END - 30 * DAY, self.n_datasets)

    # -- rows -----------------------------------------------------------------------------------

    def tables(self) -> Iterator[tuple[str, pd.DataFrame]]:
        yield "author", self._authors()
        next_file_id = 1
        tag_names: set[str] = set()
        for start in range(0, self.n_models, CHUNK_REPOS):
            repos = np.arange(start, min(start + CHUNK_REPOS, self.n_models))
            rng = np.random.default_rng([self.seed, 1, start])
            repo_ids = "models/" + self.model_ids[repos]
            yield "repository", self._repositories(rng, repos, repo_ids)
            yield "model", self._models(rng, repos, repo_ids)
            tags = self._tags(rng, repos, repo_ids)
            tag_names.update(tags["tag_name"])
            yield "tags_in_repo", tags
            files = self._files(rng, repo_ids, next_file_id)
            next_file_id += len(files)
            yield "repo_file", files
            commits = self._commits(rng, self.created[repos], self.owner_user[repos], repo_ids)
            # v1.0 links a commit to its repo only through a file it touched: the repo's first.
            first_file = files.drop_duplicates("repo_id").set_index("repo_id")["v10_file_id"]
            commits["v10_file_id"] = commits["repo_id"].map(first_file)
            self._count_commit_authors(commits)
            yield "commits", commits
            discussions = self._discussions(rng, repos, repo_ids)
            yield "discussion", discussions
            yield "discussion_event", self._events(discussions)
        rng = np.random.default_rng([self.seed, 2])
        dataset_ids = "datasets/" + self.datasets
        yield "repository", self._dataset_repositories(rng, dataset_ids)
        yield "dataset", pd.DataFrame({"dataset_id": dataset_ids, "downloads": rng.integers(0, 5000, self.n_datasets).astype(str)}, dtype=object)
        yield "commits", self._commits(rng, self.dataset_created, np.full(self.n_datasets, -1), dataset_ids)
        yield "tag", pd.DataFrame({"name": sorted(tag_names)}, dtype=object)

    def _count_commit_authors(self, commits: pd.DataFrame) -> None:
        """Count this chunk of model repos' human commit authors (bots are `_BOT_NAMES`); chunks
        hold disjoint repos, so pairs and repos add up."""
        human = commits.loc[~commits["author_name"].isin(_BOT_NAMES), ["repo_id", "author_name"]].drop_duplicates()
        self._author_repo_pairs += len(human)
        self._repos_with_authors += human["repo_id"].nunique()
        self._human_authors.update(human["author_name"].unique())

    def truth(self) -> dict[str, int]:
        """Mart values as the generator made them (after `tables()` ran): what hub_repos_per_author,
        hub_authors_per_repo and hub_authors_over_time must show."""
        return {
            "hub_model_repos": int(self.n_models),
            "hub_human_commit_authors": len(self._human_authors),
            "hub_author_repo_pairs": int(self._author_repo_pairs),
            "hub_repos_with_human_authors": int(self._repos_with_authors),
        }

    def _authors(self) -> pd.DataFrame:
        rng = np.random.default_rng([self.seed, 3])
        names = np.concatenate([self.users, self.orgs, self.labs, np.array(_BOT_NAMES, dtype=object)])
        n = len(names)
        kind = np.array(["user"] * self.n_users + ["org"] * (self.n_orgs + len(self.labs)) + ["user"] * len(_BOT_NAMES), dtype=object)
        unknown = rng.random(n) < 0.2  # commit-only authors: HFCommunity knows their name only
        is_pro = np.where(rng.random(n) < 0.05, "1", "0").astype(object)
        fullname = np.char.capitalize(names.astype(str)).astype(object)
        frame = pd.DataFrame(
            {
                "username": names,
                "avatar_url": "https://cdn-avatars.huggingface.co/v1/production/uploads/" + _hex(rng, n, 24) + ".png",
                "is_pro": is_pro,
                "fullname": fullname,
                "type": kind,
                "source": np.where(unknown, "commit", "hf"),
            },
            dtype=object,
        )
        frame.loc[unknown, ["avatar_url", "is_pro", "fullname", "type"]] = None
        return frame

    def _repositories(self, rng: np.random.Generator, repos: np.ndarray, repo_ids: np.ndarray) -> pd.DataFrame:
        n = len(repos)
        created = self.created[repos]
        modified = np.minimum(created + rng.exponential(40 * DAY, n).astype(np.int64), HUB_END)
        popular = self.popular[repos]
        likes = np.where(popular, rng.integers(500, 5000, n), np.floor(rng.pareto(1.3, n) * 2)).astype(np.int64)
        return pd.DataFrame(
            {
                "id": repo_ids,
                "name": self.model_ids[repos],
                "type": "model",
                "author": np.where(self.owner[repos] == "", None, self.owner[repos]),
                "sha": _hex(rng, n),
                "last_modified": _datetimes(modified),
                "private": "0",
                "card_data": self._cards(rng, repos),
                "gated": np.where(popular & (rng.random(n) < 0.4), "1", "0"),
                "likes": likes.astype(str),
                "disabled": "0",
            },
            dtype=object,
        )

    def _cards(self, rng: np.random.Generator, repos: np.ndarray) -> np.ndarray:
        """card_data as HFCommunity v1.1 stores it: str(ModelCardData), the card's YAML (keys in
        the card's order), or the literal `None` for a repo without a card. The base model is
        declared as a string, a list, or a string with its `base_model_relation`."""
        n = len(repos)
        parent = self.parent[repos]
        base = np.where(parent >= 0, self.model_ids[np.maximum(parent, 0)], "")
        declaration = np.where(parent >= 0, self.declaration[repos], 3)
        license_ = _LICENSES[rng.integers(0, len(_LICENSES), n)]
        relation = np.where(rng.random(n) < 0.3, "\nbase_model_relation: " + _RELATIONS[rng.integers(0, len(_RELATIONS), n)], "")
        card = "license: " + license_
        card = np.where(declaration == 0, card + "\nbase_model: " + base + relation, card)
        card = np.where(declaration == 1, card + "\nbase_model:\n- " + base, card)
        card = card + np.where(rng.random(n) < 0.5, "\nlanguage:\n- en\ntags:\n- generated_from_trainer", "")
        return np.where(declaration == 4, "None", card)

    def _models(self, rng: np.random.Generator, repos: np.ndarray, repo_ids: np.ndarray) -> pd.DataFrame:
        n = len(repos)
        root = np.maximum(self.root_of[repos], 0)
        arch = np.where(self.root_of[repos] >= 0, self.root_arch[root], "LlamaForCausalLM")
        model_type = np.where(self.root_of[repos] >= 0, self.root_tag[root], "llama")
        return pd.DataFrame(
            {
                "model_id": repo_ids,
                "pipeline_tag": np.where(rng.random(n) < 0.9, "text-generation", None),
                "downloads": np.floor(rng.pareto(1.1, n) * 40).astype(np.int64).astype(str),
                "library_name": np.where(rng.random(n) < 0.93, "transformers", "peft"),
                "config": "{'architectures': ['" + arch + "'], 'model_type': '" + model_type + "'}",
            },
            dtype=object,
        )

    def _tags(self, rng: np.random.Generator, repos: np.ndarray, repo_ids: np.ndarray) -> pd.DataFrame:
        n = len(repos)
        root = np.maximum(self.root_of[repos], 0)
        parent = self.parent[repos]
        columns: list[tuple[np.ndarray, np.ndarray]] = [
            (np.full(n, "text-generation", dtype=object), np.ones(n, bool)),
            (_LIBRARY_TAGS[rng.choice(4, size=n, p=[0.85, 0.08, 0.05, 0.02])], np.ones(n, bool)),
            (np.full(n, "safetensors", dtype=object), rng.random(n) < 0.7),
            (np.where(self.root_of[repos] >= 0, self.root_tag[root], "llama"), np.ones(n, bool)),
            ("license:" + _LICENSES[rng.integers(0, len(_LICENSES), n)], rng.random(n) < 0.8),
            (np.full(n, "region:us", dtype=object), np.ones(n, bool)),
            (np.full(n, "conversational", dtype=object), rng.random(n) < 0.3),
        ]
        base = self.model_ids[np.maximum(parent, 0)]
        tag_declared = (parent >= 0) & ((self.declaration[repos] == 2) | ((self.declaration[repos] == 0) & (rng.random(n) < 0.4)))
        columns.append((np.where(rng.random(n) < 0.5, "base_model:", "base_model:finetune:") + base, tag_declared))
        tag = np.concatenate([values[mask] for values, mask in columns])
        repo = np.concatenate([repo_ids[mask] for _, mask in columns])
        order = np.lexsort((tag.astype(str), repo.astype(str)))
        return pd.DataFrame({"tag_name": tag[order], "repo_id": repo[order]}, dtype=object)

    def _files(self, rng: np.random.Generator, repo_ids: np.ndarray, first_id: int) -> pd.DataFrame:
        """repo_file rows: id = sha256 of `<repo id>_<file name>` (the extractor's), LFS for
        large files; `v10_file_id`, v1.0's auto-increment id of the same file."""
        n = len(repo_ids)
        present = np.stack([rng.random(n) < rate for _, rate, _ in _FILES], axis=1)
        repo, which = np.nonzero(present)
        typical = np.array([size for _, _, size in _FILES])[which]
        names = np.array([name for name, _, _ in _FILES], dtype=object)[which]
        size = np.floor(typical * rng.lognormal(0, 0.3, len(repo))).astype(np.int64)
        lfs = size > 10_000_000
        k = len(repo)
        return pd.DataFrame(
            {
                "id": [hashlib.sha256(f"{r}_{f}".encode()).hexdigest() for r, f in zip(repo_ids[repo], names, strict=True)],
                "filename": names,
                "repo_id": repo_ids[repo],
                "size": np.where(lfs, 134, size).astype(str),
                "blob_id": _hex(rng, k),
                "lfs_size": np.where(lfs, size.astype(str), None),
                "lfs_sha": np.where(lfs, _hex(rng, k, 64), None),
                "lfs_pointer_size": np.where(lfs, "134", None),
                "v10_file_id": np.arange(first_id, first_id + k).astype(str),
            },
            dtype=object,
        )

    def _commits(
        self, rng: np.random.Generator, created: np.ndarray, owner_user: np.ndarray, repo_ids: np.ndarray
    ) -> pd.DataFrame:
        """Each repo's history: a team (the owner, if a person, or a lead) and helpers, commits at
        growing gaps from the repo's creation, a bot now and then; times in the author's zone."""
        n = len(repo_ids)
        n_commits = 1 + np.floor(rng.lognormal(self.commit_log_mean, _COMMIT_LOG_SIGMA, n)).astype(np.int64)
        team = np.stack(
            [np.where(owner_user >= 0, owner_user, rng.choice(self.n_users, size=n, p=self.user_weight))]
            + [rng.choice(self.n_users, size=n, p=self.user_weight) for _ in range(3)],
            axis=1,
        )
        team_size = rng.choice([1, 2, 3, 4], size=n, p=[0.72, 0.17, 0.07, 0.04])
        repo = np.repeat(np.arange(n), n_commits)
        k = len(repo)
        member = np.minimum(np.floor(rng.random(k) ** 2 * team_size[repo]).astype(np.int64), team_size[repo] - 1)
        author = self.users[team[repo, member]]
        is_bot = rng.random(k) < 0.02
        author[is_bot] = np.array(_BOT_NAMES, dtype=object)[rng.integers(0, len(_BOT_NAMES), is_bot.sum())]
        gaps = rng.exponential(6 * DAY, k).astype(np.int64)
        first_of_repo = np.r_[0, np.cumsum(n_commits)[:-1]]
        gaps[first_of_repo] = 0
        elapsed = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first_of_repo], n_commits)
        utc = np.minimum(created[repo] + elapsed, HUB_END)
        zone = rng.integers(0, len(_TIMEZONES), k)
        east = np.array(_TIMEZONES)[zone] if self.time_zones else np.zeros(k, dtype=np.int64)
        local = _datetimes(utc + east)  # git's wall clock in the author's zone
        west = (-east).astype(str)  # GitPython's tz offset: seconds west of UTC
        return pd.DataFrame(
            {
                "sha": _hex(rng, k),
                "repo_id": repo_ids[repo],
                "message": _COMMIT_MESSAGES[rng.integers(0, len(_COMMIT_MESSAGES), k)],
                "author_date": local,
                "author_tz": west,
                "committer_date": local,
                "committer_tz": west,
                "in_main_branch": "1",
                "insertions": rng.integers(0, 400, k).astype(str),
                "deletions": rng.integers(0, 40, k).astype(str),
                "author_name": author,
                "committer_name": author,
                "source": "pydriller",
            },
            dtype=object,
        )

    def _discussions(self, rng: np.random.Generator, repos: np.ndarray, repo_ids: np.ndarray) -> pd.DataFrame:
        n = len(repos)
        count = rng.poisson(np.where(self.popular[repos], 25.0, 0.6))
        repo = np.repeat(np.arange(n), count)
        k = len(repo)
        num = np.arange(k) - np.repeat(np.r_[0, np.cumsum(count)[:-1]], count) + 1
        is_pr = rng.random(k) < 0.45
        author = self.users[rng.choice(self.n_users, size=k, p=self.user_weight)]
        by_bot = is_pr & (rng.random(k) < 0.2)
        author[by_bot] = np.array(_BOT_NAMES[:2], dtype=object)[rng.integers(0, 2, by_bot.sum())]
        status_draw = rng.random(k)
        status = np.where(
            is_pr,
            np.select([status_draw < 0.4, status_draw < 0.65], ["merged", "closed"], "open"),
            np.where(status_draw < 0.6, "open", "closed"),
        ).astype(object)
        created = self.created[repos][repo]
        opened = np.minimum(created + rng.exponential(60 * DAY, k).astype(np.int64), HUB_END)
        title = np.where(
            is_pr, _PR_TITLES[rng.integers(0, len(_PR_TITLES), k)], _DISCUSSION_TITLES[rng.integers(0, len(_DISCUSSION_TITLES), k)]
        )
        return pd.DataFrame(
            {
                "num": num.astype(str),
                "repo_id": repo_ids[repo],
                "author": author,
                "title": title,
                "status": status,
                "created_at": _datetimes(opened),
                "is_pull_request": is_pr.astype(np.int64).astype(str),
            },
            dtype=object,
        )

    def _events(self, discussions: pd.DataFrame) -> pd.DataFrame:
        """One opening comment per discussion (a table the warehouse does not load)."""
        return pd.DataFrame(
            {
                "id": discussions["repo_id"] + "#" + discussions["num"],
                "repo_id": discussions["repo_id"],
                "discussion_num": discussions["num"],
                "event_type": "comment",
                "created_at": discussions["created_at"],
                "author": discussions["author"],
                "content": discussions["title"] + "\n\n(opened by " + discussions["author"] + ")",
                "edited": "0",
                "hidden": "0",
            },
            dtype=object,
        )

    def _dataset_repositories(self, rng: np.random.Generator, dataset_ids: np.ndarray) -> pd.DataFrame:
        n = len(dataset_ids)
        return pd.DataFrame(
            {
                "id": dataset_ids,
                "name": self.datasets,
                "type": "dataset",
                "author": [d.split("/")[0] for d in self.datasets],
                "sha": _hex(rng, n),
                "last_modified": _datetimes(self.dataset_created + 10 * DAY),
                "private": "0",
                "card_data": "license: cc-by-4.0\ntask_categories:\n- text-generation",
                "gated": "0",
                "likes": rng.integers(0, 50, n).astype(str),
                "disabled": "0",
            },
            dtype=object,
        )


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.synthetic.hfcommunity",
        description="Write a synthetic HFCommunity dump: hfcommunity_dump.zip (a MariaDB dump, as published) and csv/<table>.csv.",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help=f"1.0 = {MODELS_AT_SCALE_1:,} model repos")
    parser.add_argument("--forms", default=",".join(FORMS), help="zip, csv or both (comma-separated)")
    parser.add_argument(
        "--hub-sized", action="store_true",
        help=f"the whole Hub's counts ({HUB_SIZED.models:,} models, {HUB_SIZED.authors:,} authors, "
        f"~{HUB_SIZED.commits:,} commits) times --scale, instead of {MODELS_AT_SCALE_1:,} models times --scale",
    )  # fmt: skip
    parser.add_argument("--force", action="store_true", help="regenerate even if the marker matches")
    args = parser.parse_args(argv)
    if args.force:
        (args.out / MARKER_NAME).unlink(missing_ok=True)
    forms = tuple(form.strip() for form in args.forms.split(",") if form.strip())
    shape = hub_shape(args.scale) if args.hub_sized else None
    out = ensure_generated_hfcommunity(args.out, seed=args.seed, scale=1.0 if shape else args.scale, forms=forms, shape=shape)
    print(json.dumps({form: str(out / (SQL_DUMP_NAME if form == "zip" else CSV_DIR_NAME)) for form in forms}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
