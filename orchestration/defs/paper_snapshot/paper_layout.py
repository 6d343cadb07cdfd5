"""The paper's repo_details.csv and commit_data.csv layouts, as the connectors write them.

The Hugging Face connector and the HFCommunity source both land the Hub's repo details and
commit history as these two files, so raw/repo_details and raw/commit_data load, gate and stage
them exactly as they do the paper's snapshot. Beside each landed file, `<file>.source` names
where its rows came from; the loader writes that into `_source_file`.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

REPO_DETAILS_HEADER = (
    "", "name", "author", "created_at", "last_modified", "downloads", "library_name", "tags",
    "language", "datasets", "base_model", "likes",
)  # fmt: skip
COMMIT_DATA_HEADER = ("", "name", "num_of_authors", "num_of_commits", "first_commit", "last_commit", "authors")


def paper_timestamp(value: datetime | None) -> str:
    """The paper's timestamp text: `2024-03-22 14:08:40+00:00` (UTC); a naive time is UTC."""
    if value is None:
        return ""
    return str(value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC))


def paper_literal(value: object) -> str:
    """The paper's list literal (`['a', 'b']`); a plain string as is; nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return repr([str(v) for v in value])
    return str(value)


def commit_summary(name: str, commits: Iterable[tuple[datetime, Sequence[str]]]) -> dict[str, str]:
    """One repo's commit_data row from its commits (time, authors); authors in order of their
    first commit."""
    oldest_first = sorted(commits, key=lambda commit: commit[0])
    authors = list(dict.fromkeys(author for _, commit_authors in oldest_first for author in commit_authors))
    return {
        "name": name,
        "num_of_authors": str(len(authors)),
        "num_of_commits": str(len(oldest_first)),
        "first_commit": paper_timestamp(oldest_first[0][0]) if oldest_first else "",
        "last_commit": paper_timestamp(oldest_first[-1][0]) if oldest_first else "",
        "authors": repr(authors),
    }


def write_csv_atomic(path: Path, rows: Iterable[Sequence[str]]) -> None:
    """A CSV (gzip-compressed when the name ends in .gz), replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    opener = (lambda p: gzip.open(p, "wt", encoding="utf-8", newline="")) if path.suffix == ".gz" else (
        lambda p: p.open("w", encoding="utf-8", newline=""))
    with opener(tmp) as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    os.replace(tmp, path)


def write_paper_file(path: Path, header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> int:
    """`rows` (dicts keyed by the header's names) as a paper-layout file with its leading index."""
    write_csv_atomic(path, [header, *([str(i), *(row[c] for c in header[1:])] for i, row in enumerate(rows))])
    return len(rows)


def write_source_label(path: Path, label: str) -> None:
    """Where a landed file came from, beside it (`<file>.source`): the raw table's _source_file."""
    path.with_name(path.name + ".source").write_text(label, encoding="utf-8")


def read_source_label(path: Path) -> str | None:
    try:
        return path.with_name(path.name + ".source").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
