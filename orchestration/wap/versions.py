"""Published versions of the warehouse: publish, list, roll back, prune.

Mechanism (measured and argued in docs/architecture.md): each publication is a new, complete,
read-only DuckDB file `<stem>.versions/vNNNNN-<UTC time>.duckdb` holding only the published
schemas (the marts, copied from the working database with SQL) plus a `meta` schema that
describes the version. The file users open,
`WAREHOUSE_DUCKDB_PATH`, is a byte copy of one of them, replaced by `rename(2)`:

- atomic: a new connection opens the old version or the new one, never a mix;
- a reader already connected holds the old inode open and keeps a consistent view, even after
  that version is pruned;
- nothing ever opens a published file for writing, so a reader never blocks a run and a run
  never blocks a reader;
- a crash before the rename leaves the published file as it was, byte for byte; temporary
  files left by a killed publish are removed by the next one.

Version files are written once, fsynced, renamed into place and made read-only (0444).

Tamper evidence: mode 0444 does not stop root, and a writable `duckdb.connect` rewrites a file
in place. So each version's sha256 is recorded when it is published (its sidecar and
`history.jsonl`), and checked by `make versions`, by every rollback (which never serves a
version whose bytes changed) and by every publish (which reports a served file that changed).
The served file is its own copy, never a hard link: a write through it cannot reach the kept
version, nor the reverse.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.settings import Settings
from orchestration.wap.state import fsync_path, write_json_atomically

# audit: the quarantined rows (orchestration/checks/quarantine.py), published so users see what was set aside.
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "audit")
"""What users query: METHOD.md's contract. Raw, staging and intermediate stay in the working database."""

# Matched with fullmatch only: `$` also matches before a trailing newline.
_VERSION_FILE = re.compile(r"v(?P<sequence>[0-9]{5,})-(?P<stamp>[0-9]{8}T[0-9]{6}Z)\.duckdb")
HISTORY_FILE_NAME = "history.jsonl"
SERVED_RECORD_NAME = "served.json"
"""Which version the published file is a copy of, and that file's inode, so a record left stale
(the file replaced by other means) is seen. Should a replacement reuse the inode number, it is
taken for that version's copy, and verifying it reports it changed unless it has those bytes."""
LOCK_FILE_NAME = ".publish.lock"
READ_ONLY_MODE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH

INTACT = "ok"
CHANGED_IN_PLACE = "CHANGED IN PLACE"
UNVERIFIABLE = "no checksum recorded"


class PublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class PublishTarget:
    published_path: Path
    """WAREHOUSE_DUCKDB_PATH."""
    versions_dir: Path
    keep: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PublishTarget:
        return cls(settings.duckdb_path, settings.versions_dir, settings.keep_versions)


@dataclass(frozen=True)
class Version:
    version_id: str
    sequence: int
    path: Path
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sidecar(self) -> Path:
        return self.path.with_suffix(".json")

    @property
    def sha256(self) -> str | None:
        """Of the version's bytes, recorded when it was published (None: published before that was kept)."""
        return self.info.get("sha256")


@dataclass(frozen=True)
class Integrity:
    """A published file against the sha256 recorded when its version was published, and any
    write-ahead log beside it (uncheckpointed writes: DuckDB replays them for every reader,
    and onto whatever file is renamed to that path next)."""

    path: Path
    version_id: str
    recorded_sha256: str | None
    found_sha256: str | None
    wal_bytes: int | None = None
    """The size of `<path>.wal`, None when there is none (nothing the project runs leaves one)."""

    @property
    def status(self) -> str:
        if self.wal_bytes is not None or (self.recorded_sha256 and self.found_sha256 != self.recorded_sha256):
            return CHANGED_IN_PLACE
        return UNVERIFIABLE if self.recorded_sha256 is None else INTACT

    @property
    def intact(self) -> bool:
        return self.status == INTACT

    def describe(self) -> str:
        where = f"{self.version_id} ({self.path})"
        if self.status == CHANGED_IN_PLACE:
            evidence = []
            if self.recorded_sha256 and self.found_sha256 != self.recorded_sha256:
                evidence.append(f"sha256 {self.found_sha256[:12]}..., recorded {self.recorded_sha256[:12]}...")
            if self.wal_bytes is not None:
                evidence.append(f"a write-ahead log of {self.wal_bytes} bytes beside it holds writes every reader replays")
            return f"{where} was CHANGED IN PLACE since it was published: {'; '.join(evidence)}"
        if self.status == UNVERIFIABLE:
            return f"{where} cannot be verified: no sha256 was recorded when it was published"
        return f"{where}: {INTACT}"

    def record(self) -> dict[str, Any]:
        """For history.jsonl, the sidecar and run metadata."""
        return {"version_id": self.version_id, "path": str(self.path), "status": self.status,
                "recorded_sha256": self.recorded_sha256, "found_sha256": self.found_sha256,
                "wal_bytes": self.wal_bytes}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Integrity:
        return cls(Path(record["path"]), record["version_id"], record["recorded_sha256"], record["found_sha256"],
                   record.get("wal_bytes"))


@dataclass(frozen=True)
class RolledBack:
    previous: Version | None
    now: Version
    refused: tuple[Integrity, ...] = ()
    """Versions passed over (without --to) because they changed or cannot be verified."""
    replaced: Integrity | None = None
    """What the served file was found to be before it was replaced."""


@dataclass(frozen=True)
class PublicationInfo:
    """What the publish asset knows about the run; the version records it in `meta`."""

    run_id: str
    audited_by_run: str | None
    source: str | None
    """Where the paper's files came from (WAREHOUSE_SOURCE); None when the version holds none."""
    source_dir: str | None
    gating_checks: Sequence[dict[str, Any]] = ()
    """One dict per check that gated the audited build: asset, check, passed, severity."""
    weekly_source: str | None = None
    """Where the weekly v2 files came from (`landing` or `generated`); None when no week is loaded."""
    weekly_source_dir: str | None = None


@dataclass(frozen=True)
class TableAudit:
    table: str
    working_rows: int
    published_rows: int
    working_hash: int | None
    published_hash: int | None

    @property
    def matches(self) -> bool:
        return self.working_rows == self.published_rows and self.working_hash == self.published_hash


# ---------------------------------------------------------------------------------------------
# Reading versions
# ---------------------------------------------------------------------------------------------


def list_versions(target: PublishTarget) -> list[Version]:
    """Every complete version, oldest first."""
    if not target.versions_dir.is_dir():
        return []
    versions = []
    for path in target.versions_dir.iterdir():
        match = _VERSION_FILE.fullmatch(path.name)
        if not match:
            continue
        sidecar = path.with_suffix(".json")
        info = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        versions.append(Version(path.name.removesuffix(".duckdb"), int(match["sequence"]), path, info))
    return sorted(versions, key=lambda v: v.sequence)


def current_version(target: PublishTarget) -> Version | None:
    """The version `WAREHOUSE_DUCKDB_PATH` is a copy of, or None before the first publish."""
    try:
        published = target.published_path.stat()
    except FileNotFoundError:
        return None
    versions = list_versions(target)
    served = target.versions_dir / SERVED_RECORD_NAME
    record = json.loads(served.read_text(encoding="utf-8")) if served.exists() else {}
    if (record.get("inode"), record.get("device")) == (published.st_ino, published.st_dev):
        # Without opening the file: a user holding it read-write must not stall a run.
        published_id = record["version_id"]
    else:
        # Served before the record was kept, copied in by other means, or a crash between the
        # swap and the record: ask the file itself.
        try:
            published_id = read_published_version_id(target.published_path)
        except duckdb.Error:
            return None  # not a DuckDB file, no `meta`, or held by a writer: a copy of no version
    return next((v for v in versions if v.version_id == published_id), None)


def read_published_version_id(path: Path) -> str | None:
    with connect_read_only(path) as conn:
        row = conn.execute("select version_id from meta.publication").fetchone()
    return row[0] if row else None


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """How every reader the project starts opens a published file."""
    if not path.exists():
        raise PublishError(f"{path} does not exist yet: nothing has been published (run `make run`)")
    return duckdb.connect(str(path), read_only=True)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify(version: Version, path: Path | None = None) -> Integrity:
    """Hash `path` (a copy of `version`, such as the served file; by default the version's own
    file), compare it with the sha256 recorded when the version was published, and look for a
    write-ahead log beside it."""
    path = path or version.path
    found = file_sha256(path) if version.sha256 else None
    return Integrity(path, version.version_id, version.sha256, found, _wal_bytes(path))


def history(target: PublishTarget) -> list[dict[str, Any]]:
    path = target.versions_dir / HISTORY_FILE_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------------------------


def publish(
    target: PublishTarget,
    working_db: Path,
    info: PublicationInfo,
    *,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
) -> tuple[Version, list[TableAudit]]:
    """Copy `schemas` of the working database into a new version, verify the copy, and serve
    it. Raises PublishError (publishing nothing) if the copy differs.

    The file it replaces is verified first; one that was changed in place is still replaced
    (the new version is good, and a write-ahead log left beside it is removed, or readers would
    replay it onto the new version), and reported: in the new version's sidecar (`replaced`)
    and in history.jsonl."""
    with _publish_lock(target):
        _remove_stale_temporaries(target)
        replaced = _verify_served(target)
        _record_changed_in_place(target, [replaced], found_by="publish")
        versions = list_versions(target)
        sequence = (versions[-1].sequence + 1) if versions else 1
        published_at = datetime.now(UTC).replace(microsecond=0)
        version_id = f"v{sequence:05d}-{published_at.strftime('%Y%m%dT%H%M%SZ')}"
        final = target.versions_dir / f"{version_id}.duckdb"
        tmp = target.versions_dir / f".{version_id}.duckdb.tmp"
        swap = _swap_path(target)
        try:
            audits, source_files = _write_version(tmp, working_db, schemas, version_id, sequence, published_at, info)
            mismatched = [a for a in audits if not a.matches]
            if mismatched:
                raise PublishError(
                    "the copy differs from the working database for "
                    + ", ".join(f"{a.table} ({a.working_rows} vs {a.published_rows} rows)" for a in mismatched)
                )
            fsync_path(tmp)
            os.chmod(tmp, READ_ONLY_MODE)
            # The version's checksum is the served copy's, read back: what readers will open.
            sha256 = _copy_hashing(tmp, swap)
            sidecar = {
                "version_id": version_id,
                "sequence": sequence,
                "published_at": published_at.isoformat(),
                "run_id": info.run_id,
                "audited_by_run": info.audited_by_run,
                "source": info.source,
                "source_dir": info.source_dir,
                "weekly_source": info.weekly_source,
                "weekly_source_dir": info.weekly_source_dir,
                "source_files": source_files,
                "row_counts": {a.table: a.published_rows for a in audits},
                # What unchanged_version compares the next run's marts with.
                "fingerprints": {a.table: [a.published_rows, a.published_hash] for a in audits},
                "gating_checks": list(info.gating_checks),
                "bytes": tmp.stat().st_size,
                "sha256": sha256,
                "replaced": replaced.record() if replaced else None,
            }
            # Before the version appears, so no version is ever listed without its checksum.
            write_json_atomically(final.with_suffix(".json"), sidecar)
            os.replace(tmp, final)
            fsync_path(target.versions_dir)
            version = Version(version_id, sequence, final, sidecar)
            _swap_in(target, swap, version)
        finally:
            tmp.unlink(missing_ok=True)
            swap.unlink(missing_ok=True)
        _append_history(target, {"event": "publish", "version_id": version_id, "run_id": info.run_id, "sha256": sha256})
        prune(target)
        return version, audits


# PublicationInfo's fields that say where the rows came from: another source is a change.
SOURCE_FIELDS = ("source", "source_dir", "weekly_source", "weekly_source_dir")


def unchanged_version(
    target: PublishTarget, working_db: Path, info: PublicationInfo, *, schemas: Sequence[str] = PUBLISHED_SCHEMAS,
) -> Version | None:
    """The version served now if publishing the working database would give it again, else None.

    The same: every published table with the same rows and content hash (table_fingerprint,
    recorded in the version's sidecar when it was published), built from the same raw files
    (meta.source_files) of the same sources, and the served file intact; one changed in place
    is replaced by a new version."""
    with _publish_lock(target):
        current = current_version(target)
        if current is None or "fingerprints" not in current.info or not working_db.exists():
            return None
        if any(current.info.get(name) != getattr(info, name) for name in SOURCE_FIELDS):
            return None
        if not verify(current, target.published_path).intact:
            return None
        with duckdb.connect(str(working_db), read_only=True) as conn:
            tables = conn.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database() and list_contains($schemas, schema_name) order by all",
                {"schemas": list(schemas)},
            ).fetchall()
            fingerprints = {f"{schema}.{name}": list(table_fingerprint(conn, f"{_quote(schema)}.{_quote(name)}"))
                            for schema, name in tables}
            source_files = raw_source_files(conn)
        same = fingerprints == current.info["fingerprints"] and source_files == current.info.get("source_files")
        return current if same else None


def rollback(target: PublishTarget, to: str | None = None) -> RolledBack:
    """Serve an earlier version again: `to` (a version id or its `vNNNNN` prefix), or the newest
    one before the current whose bytes are still those recorded when it was published. A
    version changed in place (or that cannot be verified) is never served: named with `to`, it
    is refused; otherwise it is passed over, and if no earlier version is intact, refused. Like
    a publish, it verifies the file it replaces and records one that changed."""
    with _publish_lock(target):
        versions = list_versions(target)
        current = current_version(target)
        current_name = current.version_id if current else "the current one"
        if to is not None:
            candidates = [v for v in versions if v.version_id == to or v.version_id.split("-")[0] == to][:1]
            if not candidates:
                known = ", ".join(v.version_id for v in versions) or "none"
                raise PublishError(f"no published version {to!r}; kept versions: {known}")
        else:
            candidates = [v for v in reversed(versions) if current is None or v.sequence < current.sequence]
            if not candidates:
                raise PublishError(f"no version before {current_name} to roll back to")
        replaced = _verify_served(target)
        refused: list[Integrity] = []
        chosen = None
        for candidate in candidates:
            integrity = _serve(target, candidate)
            if integrity.intact:
                chosen = candidate
                break
            refused.append(integrity)
        _record_changed_in_place(target, [replaced, *refused], found_by="rollback")
        if chosen is None:
            reasons = "; ".join(i.describe() for i in refused)
            if to is not None:
                raise PublishError(f"rollback never serves a version it cannot vouch for: {reasons}")
            raise PublishError(f"no intact version before {current_name} to roll back to: {reasons}")
        _append_history(
            target,
            {"event": "rollback", "version_id": chosen.version_id,
             "from_version_id": current.version_id if current else None,
             "passed_over": [i.version_id for i in refused]},
        )
        return RolledBack(current, chosen, tuple(refused), replaced)


def prune(target: PublishTarget) -> list[Version]:
    """Delete all but the newest `keep` versions, never the current one. Readers connected to a
    deleted version keep reading it (the open file outlives its name)."""
    versions = list_versions(target)
    current = current_version(target)
    keep = {v.version_id for v in versions[-target.keep:]}
    if current is not None:
        keep.add(current.version_id)
    removed = [v for v in versions if v.version_id not in keep]
    for version in removed:
        version.path.unlink(missing_ok=True)
        version.sidecar.unlink(missing_ok=True)
        _wal_of(version.path).unlink(missing_ok=True)
    return removed


# ---------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_version(
    tmp: Path,
    working_db: Path,
    schemas: Sequence[str],
    version_id: str,
    sequence: int,
    published_at: datetime,
    info: PublicationInfo,
) -> tuple[list[TableAudit], list[dict[str, Any]]]:
    """Build the version file at `tmp` from the working database; return the per-table audit.

    A new DuckDB file holding only `schemas` (the marts users query) and `meta`: each table
    copied with SQL from the working database, attached read-only. A byte copy of the working
    file would be faster (about 4 s against 80 s for a 1.66 GB working database, measured in
    docs/architecture.md) but keeps the raw, staging and intermediate tables' blocks as free
    space, so every kept version would be as large as the working database.
    """
    if not working_db.exists():
        raise PublishError(f"the working database {working_db} does not exist: nothing to publish")
    tmp.unlink(missing_ok=True)
    audits: list[TableAudit] = []
    with duckdb.connect(str(tmp)) as conn:
        conn.execute(f"attach {_literal(str(working_db))} as working (read_only)")
        objects = conn.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() where database_name = 'working' "
            "union all select schema_name, view_name, 'view' from duckdb_views() "
            "where database_name = 'working' and not internal order by all",
        ).fetchall()
        tables = [(s, n) for s, n, kind in objects if s in schemas and kind == "table"]
        views = [f"{s}.{n}" for s, n, kind in objects if s in schemas and kind == "view"]
        if views:
            raise PublishError(f"published schemas must hold tables, not views: {', '.join(views)}")
        if not tables:
            raise PublishError(f"the working database {working_db} has no tables in {', '.join(schemas)}")
        source_files = raw_source_files(conn, "working")
        for schema in sorted({s for s, _ in tables}):
            conn.execute(f"create schema {_quote(schema)}")
        for schema, name in tables:
            qualified = f"{_quote(schema)}.{_quote(name)}"
            conn.execute(f"create table {qualified} as select * from working.{qualified}")
        audits = [_audit_table(conn, schema, name) for schema, name in tables]
        conn.execute("detach working")
        conn.execute("create schema meta")
        conn.execute(
            """
            create table meta.publication as select
                $version_id::varchar as version_id, $sequence::integer as sequence,
                $published_at::timestamptz as published_at, $run_id::varchar as run_id,
                $audited_by_run::varchar as audited_by_run, $source::varchar as source,
                $source_dir::varchar as source_dir, $weekly_source::varchar as weekly_source,
                $weekly_source_dir::varchar as weekly_source_dir
            """,
            {
                "version_id": version_id, "sequence": sequence, "published_at": published_at,
                "run_id": info.run_id, "audited_by_run": info.audited_by_run,
                "source": info.source, "source_dir": info.source_dir,
                "weekly_source": info.weekly_source, "weekly_source_dir": info.weekly_source_dir,
            },
        )
        conn.execute("create table meta.table_row_counts (table_name varchar, row_count bigint)")
        _insert(conn, "meta.table_row_counts", [(a.table, a.published_rows) for a in audits])
        conn.execute(
            "create table meta.source_files (table_name varchar, source_file varchar, "
            "checksum_sha256 varchar, row_count bigint)"
        )
        _insert(
            conn, "meta.source_files",
            [(f["table"], f["source_file"], f["checksum_sha256"], f["rows"]) for f in source_files],
        )
        conn.execute(
            "create table meta.gating_checks (asset_key varchar, check_name varchar, passed boolean, "
            "severity varchar, run_id varchar)"
        )
        _insert(
            conn, "meta.gating_checks",
            [(c["asset"], c["check"], c["passed"], c.get("severity"), c.get("run_id")) for c in info.gating_checks],
        )
        conn.execute("checkpoint")
    return audits, source_files


def _insert(conn: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    if rows:
        placeholders = ", ".join("?" for _ in rows[0])
        conn.executemany(f"insert into {table} values ({placeholders})", rows)


def table_fingerprint(conn: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """The rows of `relation` (a quoted, qualified name) and an order-independent hash of its
    content: the sum of every row's hash, so a duplicated row changes it (a XOR would cancel)."""
    rows, content = conn.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {relation} as t").fetchone()
    return int(rows), int(content)


def _audit_table(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> TableAudit:
    """Rows and an order-independent content hash, in the working database and in the copy."""
    qualified = f"{_quote(schema)}.{_quote(name)}"
    working_rows, working_hash = table_fingerprint(conn, f"working.{qualified}")
    published_rows, published_hash = table_fingerprint(conn, qualified)
    return TableAudit(f"{schema}.{name}", working_rows, published_rows, working_hash, published_hash)


def raw_source_files(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[dict[str, Any]]:
    """Which raw files the published marts were built from (the raw tables' lineage columns), in
    `catalog` (by default the connection's own database)."""
    catalog = catalog or conn.execute("select current_database()").fetchone()[0]
    raw_tables = conn.execute(
        "select table_name from duckdb_columns() where database_name = $catalog "
        "and schema_name = 'raw' and column_name = '_source_checksum' "
        "and not starts_with(table_name, '_') order by 1",
        {"catalog": catalog},
    ).fetchall()
    files = []
    for (name,) in raw_tables:
        rows = conn.execute(
            f"select _source_file, _source_checksum, count(*) from {_quote(catalog)}.raw.{_quote(name)} "
            "group by all order by all"
        ).fetchall()
        files += [
            {"table": f"raw.{name}", "source_file": f, "checksum_sha256": c, "rows": n} for f, c, n in rows
        ]
    return files


def _wal_bytes(path: Path) -> int | None:
    try:
        return _wal_of(path).stat().st_size
    except FileNotFoundError:
        return None


def _wal_of(path: Path) -> Path:
    """Where DuckDB keeps a database's uncheckpointed writes."""
    return path.with_name(f"{path.name}.wal")


def _swap_path(target: PublishTarget) -> Path:
    """Beside the published file (the same filesystem, so the rename is atomic)."""
    return target.published_path.with_name(f".{target.published_path.name}.{os.getpid()}.swap")


def _copy_hashing(source: Path, destination: Path) -> str:
    """A read-only byte copy with its own inode (never a hard link), fsynced; returns the sha256
    of the copy, read back. shutil copies in the kernel (sendfile); a filesystem that shared
    extents instead (a reflink) would copy them on write, so a write to one file still leaves
    the other as it was."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.unlink(missing_ok=True)
    shutil.copyfile(source, destination)
    os.chmod(destination, READ_ONLY_MODE)
    fsync_path(destination)
    return file_sha256(destination)


def _swap_in(target: PublishTarget, swap: Path, version: Version) -> None:
    """Atomically make `swap`, a copy of `version`, the published file, and record which it is."""
    # Left by a writer on the file being replaced (already recorded by the caller's check):
    # DuckDB would replay it onto the new file for every reader.
    _wal_of(target.published_path).unlink(missing_ok=True)
    os.replace(swap, target.published_path)
    fsync_path(target.published_path.parent)
    served = target.published_path.stat()
    write_json_atomically(
        target.versions_dir / SERVED_RECORD_NAME,
        {"version_id": version.version_id, "inode": served.st_ino, "device": served.st_dev},
    )


def _serve(target: PublishTarget, version: Version) -> Integrity:
    """Copy the version's file beside the published one, hash the copy, and swap it in only if
    it has the bytes recorded when the version was published (what is checked is what is
    served). Otherwise the published file stays as it was."""
    if version.sha256 is None:
        return verify(version)
    swap = _swap_path(target)
    try:
        integrity = Integrity(version.path, version.version_id, version.sha256, _copy_hashing(version.path, swap),
                              _wal_bytes(version.path))
        if integrity.intact:
            _swap_in(target, swap, version)
    finally:
        swap.unlink(missing_ok=True)
    return integrity


def _verify_served(target: PublishTarget) -> Integrity | None:
    """The published file against its version's recorded sha256 (None: it serves no kept version)."""
    current = current_version(target)
    return verify(current, target.published_path) if current else None


def _record_changed_in_place(target: PublishTarget, found: Sequence[Integrity | None], *, found_by: str) -> None:
    for integrity in found:
        if integrity is not None and integrity.status == CHANGED_IN_PLACE:
            _append_history(target, {"event": "changed_in_place", "found_by": found_by, **integrity.record()})


def _append_history(target: PublishTarget, event: dict[str, Any]) -> None:
    line = json.dumps({"at": datetime.now(UTC).isoformat(), **event}, sort_keys=True)
    with (target.versions_dir / HISTORY_FILE_NAME).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _remove_stale_temporaries(target: PublishTarget) -> None:
    """Left by a publish that was killed: never visible to readers, safe to delete under the lock."""
    for path in target.versions_dir.glob(".*.tmp"):
        path.unlink(missing_ok=True)
    for path in target.published_path.parent.glob(f".{target.published_path.name}.*.swap"):
        path.unlink(missing_ok=True)
    # A sidecar is written just before its version is renamed into place.
    for sidecar in target.versions_dir.glob("v*.json"):
        version_file = sidecar.with_suffix(".duckdb")
        if _VERSION_FILE.fullmatch(version_file.name) and not version_file.exists():
            sidecar.unlink(missing_ok=True)


@contextlib.contextmanager
def _publish_lock(target: PublishTarget) -> Iterator[None]:
    """One publisher or rollback at a time, across processes (released by the OS on a crash)."""
    target.versions_dir.mkdir(parents=True, exist_ok=True)
    with (target.versions_dir / LOCK_FILE_NAME).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
