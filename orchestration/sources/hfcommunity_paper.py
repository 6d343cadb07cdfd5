"""WAREHOUSE_SOURCE=hfcommunity: the leaderboard models' repo details and commit history taken
from the loaded HFCommunity dump (`raw.hfc_*`) instead of the Hub API, landed as the paper's
repo_details.csv and commit_data.csv, so raw/repo_details and raw/commit_data load, gate and
stage them exactly as they do the paper's snapshot.

Only the repos of models on the leaderboard (`raw.leaderboard`, ids compared lower-cased, as
everywhere in the warehouse) are landed: the paper's files are per leaderboard model, and a
Hub-wide dump has millions of repos. HFCommunity keeps the card's metadata as a Python dict repr
(`card_data`), so `base_model`, `datasets` and `language` are read from it as the Hub API would
give them; a card that does not parse gives none of the three.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.sources.paper_layout import (
    COMMIT_DATA_HEADER,
    REPO_DETAILS_HEADER,
    commit_summary,
    paper_literal,
    paper_timestamp,
    write_paper_file,
    write_source_label,
)

# The leaderboard's models, as lower-cased repo ids without HFCommunity's `models/` prefix.
_BOARD = "select distinct lower(trim(model_name_for_query)) as model_key from raw.leaderboard"
# The leaderboard's model repos in the dump.
_LEADERBOARD_REPOS = f"""
    select repository.id, regexp_replace(repository.id, '^models/', '') as name
    from raw.hfc_repository as repository
    join ({_BOARD}) as board on board.model_key = lower(regexp_replace(repository.id, '^models/', ''))
    where repository.type = 'model'
"""


def _card(card_data: str | None) -> dict:
    if not card_data:
        return {}
    try:
        card = ast.literal_eval(card_data)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return {}
    return card if isinstance(card, dict) else {}


def _time(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when  # dump DATETIMEs are UTC


def _dump_label(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    (source,) = conn.execute(f"select any_value(_source_file) from raw.hfc_{table}").fetchone()
    return f"{source}#{table}"


def land_repo_details(conn: duckdb.DuckDBPyConnection, path: Path) -> int:
    """repo_details.csv of the leaderboard's models from raw.hfc_repository, hfc_model and
    hfc_tags_in_repo; returns the number of rows."""
    rows = conn.execute(f"""
        with repos as ({_LEADERBOARD_REPOS}),
        tags as (
            select repo_id, list(tag_name order by _source_row) as tags
            from raw.hfc_tags_in_repo where repo_id in (select id from repos) group by repo_id
        )
        select repos.name, repository.author, repository.created_at, repository.last_modified,
               coalesce(model.downloads, repository.downloads), model.library_name, tags.tags,
               repository.card_data, coalesce(model.likes, repository.likes)
        from repos
        join raw.hfc_repository as repository on repository.id = repos.id
        left join raw.hfc_model as model on model.model_id = repos.id
        left join tags on tags.repo_id = repos.id
        order by repository._source_row
    """).fetchall()
    details = []
    for name, author, created_at, last_modified, downloads, library, tags, card_data, likes in rows:
        card = _card(card_data)
        details.append({
            "name": name,
            "author": author or "",
            "created_at": paper_timestamp(_time(created_at)),
            "last_modified": paper_timestamp(_time(last_modified)),
            "downloads": downloads or "",
            "library_name": library or "",
            "tags": paper_literal(tags or []),
            "language": paper_literal(card.get("language")),
            "datasets": paper_literal(card.get("datasets")),
            "base_model": paper_literal(card.get("base_model")),
            "likes": likes or "",
        })
    written = write_paper_file(path, REPO_DETAILS_HEADER, details)
    write_source_label(path, _dump_label(conn, "repository"))
    return written


def land_commit_data(conn: duckdb.DuckDBPyConnection, path: Path) -> int:
    """commit_data.csv of the leaderboard's models from raw.hfc_commits (one row per repo with
    commits; the commit's local time with its offset becomes UTC)."""
    # By the commits' own repo ids: a repo's history counts even where its repository row is missing.
    rows = conn.execute(f"""
        select regexp_replace(commits.repo_id, '^models/', '') as name, commits.author, commits.timestamp
        from raw.hfc_commits as commits
        join ({_BOARD}) as board on board.model_key = lower(regexp_replace(commits.repo_id, '^models/', ''))
        where starts_with(commits.repo_id, 'models/')
        order by name, commits._source_row
    """).fetchall()
    commits: dict[str, list[tuple[datetime, list[str]]]] = defaultdict(list)
    for name, author, timestamp in rows:
        when = _time(timestamp)
        if when is not None:
            commits[name].append((when, [author] if author else []))
    written = write_paper_file(
        path, COMMIT_DATA_HEADER, [commit_summary(name, repo_commits) for name, repo_commits in commits.items()]
    )
    write_source_label(path, _dump_label(conn, "commits"))
    return written


LANDERS = {"repo_details": land_repo_details, "commit_data": land_commit_data}
