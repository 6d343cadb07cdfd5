"""WAREHOUSE_SOURCE=hfcommunity: the leaderboard models' repo details and commit history taken
from the loaded HFCommunity dump (`raw.hfc_*`) instead of the Hub API, landed as the paper's
repo_details.csv and commit_data.csv, so raw/repo_details and raw/commit_data load, gate and
stage them exactly as they do the paper's snapshot.

Only the repos of models on the leaderboard (`raw.leaderboard`, ids compared lower-cased, as
everywhere in the warehouse) are landed: the paper's files are per leaderboard model, and a
Hub-wide dump has millions of repos. What differs from the Hub API the paper used:
- HFCommunity has no repository creation date: `created_at` is the repo's earliest commit (UTC);
- `base_model`, `datasets` and `language` are the card fields the dump reader parsed from
  `card_data` (YAML in v1.1, a dict repr in v1.0);
- commit authors are git author names (`commits.author_name`), not Hub usernames, and a commit's
  time is its author date in UTC (`author_date` + `author_tz` seconds west of UTC; v1.0 dumps
  kept no zone and are taken as UTC);
- `downloads` is `model.downloads`, the Hub's 30-day count at crawl time (as the Hub API's).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.defs.paper_snapshot.paper_layout import (
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


def _time(text: str | None, seconds_west: str | None = None) -> datetime | None:
    """A dump DATETIME (UTC, or a wall clock with its offset in seconds west of UTC) as UTC."""
    if not text or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
        west = int(seconds_west) if seconds_west not in (None, "") else 0
    except ValueError:
        return None
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    return when.replace(tzinfo=UTC) + timedelta(seconds=west)


def _literal_list(literal: str | None) -> list[str]:
    """The reader's list literal of a card field as a list (None: the card had none)."""
    return ast.literal_eval(literal) if literal else []


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
        ),
        first_commits as (  -- HFCommunity has no creation date: the earliest commit's
            select repo_id, author_date, author_tz
            from raw.hfc_commits where repo_id in (select id from repos)
        )
        select repos.name, repository.author,
               (select list((author_date, author_tz)) from first_commits where first_commits.repo_id = repos.id),
               repository.last_modified, model.downloads, model.library_name, tags.tags,
               repository.card_base_model, repository.card_datasets, repository.card_language,
               coalesce(model.likes, repository.likes)
        from repos
        join raw.hfc_repository as repository on repository.id = repos.id
        left join raw.hfc_model as model on model.model_id = repos.id
        left join tags on tags.repo_id = repos.id
        order by repository._source_row
    """).fetchall()
    details = []
    for name, author, commit_times, last_modified, downloads, library, tags, bases, datasets, languages, likes in rows:
        instants = [when for when in (_time(date, zone) for date, zone in commit_times or []) if when is not None]
        details.append({
            "name": name,
            "author": author or "",
            "created_at": paper_timestamp(min(instants) if instants else None),
            "last_modified": paper_timestamp(_time(last_modified)),
            "downloads": downloads or "",
            "library_name": library or "",
            "tags": paper_literal(tags or []),
            "language": paper_literal(_literal_list(languages) or None),
            "datasets": paper_literal(_literal_list(datasets) or None),
            "base_model": paper_literal(_one_or_list(_literal_list(bases))),
            "likes": likes or "",
        })
    written = write_paper_file(path, REPO_DETAILS_HEADER, details)
    write_source_label(path, _dump_label(conn, "repository"))
    return written


def land_commit_data(conn: duckdb.DuckDBPyConnection, path: Path) -> int:
    """commit_data.csv of the leaderboard's models from raw.hfc_commits (one row per repo with
    commits; the author's wall clock and its zone become UTC)."""
    # By the commits' own repo ids: a repo's history counts even where its repository row is missing.
    rows = conn.execute(f"""
        select regexp_replace(commits.repo_id, '^models/', '') as name, commits.author_name,
               commits.author_date, commits.author_tz
        from raw.hfc_commits as commits
        join ({_BOARD}) as board on board.model_key = lower(regexp_replace(commits.repo_id, '^models/', ''))
        where starts_with(commits.repo_id, 'models/')
        order by name, commits._source_row
    """).fetchall()
    commits: dict[str, list[tuple[datetime, list[str]]]] = defaultdict(list)
    for name, author, author_date, author_tz in rows:
        when = _time(author_date, author_tz)
        if when is not None:
            commits[name].append((when, [author] if author else []))
    written = write_paper_file(
        path, COMMIT_DATA_HEADER, [commit_summary(name, repo_commits) for name, repo_commits in commits.items()]
    )
    write_source_label(path, _dump_label(conn, "commits"))
    return written


def _one_or_list(items: list[str]) -> str | list[str] | None:
    """A card's base_model as the Hub API gives it: one id as a string, several as a list."""
    return None if not items else items[0] if len(items) == 1 else items


LANDERS = {"repo_details": land_repo_details, "commit_data": land_commit_data}
