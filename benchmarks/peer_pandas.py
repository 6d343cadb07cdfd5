"""The peer: the author marts (Figures 1-3, paper and whole Hub) computed by a straightforward,
reasonably written pandas program from the raw files, as an in-memory analysis would do it.

It follows METHOD.md's definitions, not the warehouse's SQL: read the CSVs (only the columns
needed, as text), clean and parse with pandas string methods, group by. The marts it computes
(`PEER_MARTS`) are a subset of the warehouse's: the ones whose input is the largest at Hub scale
(every commit of every model repo). A test checks that it gives the DuckDB marts' rows exactly.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pandas as pd

PEER_MARTS = (
    "authors_over_time", "repos_per_author", "authors_per_repo",
    "hub_authors_over_time", "hub_repos_per_author", "hub_authors_per_repo",
)  # fmt: skip
_BOTS = ("system", "leaderboard-pr-bot")
_LIST_ITEM = re.compile(r"'[^']*'|\"[^\"]*\"")


def is_bot(authors: pd.Series) -> pd.Series:
    names = authors.str.strip().str.lower()
    return names.isin(_BOTS) | names.str.endswith("bot")


def utc_timestamps(text: pd.Series) -> pd.Series:
    """Text timestamps with an offset as UTC instants; blank or unparseable ones are NaT."""
    return pd.to_datetime(text.str.strip().replace("", None), utc=True, errors="coerce", format="ISO8601")


def paper_commit_authors(commit_data_csv: Path) -> pd.DataFrame:
    """(model_id, author, first_commit) for the paper's commit_data.csv: authors parsed from the
    list literal, repos merged by lower-cased id, bots dropped."""
    commits = pd.read_csv(commit_data_csv, usecols=["name", "first_commit", "authors"], dtype=str, keep_default_na=False)
    commits["model_id"] = commits["name"].str.strip().str.lower()
    commits["first_commit"] = utc_timestamps(commits["first_commit"])
    raw = commits["authors"].str.strip()
    listed = raw.str.startswith("[")
    commits["author"] = raw.where(listed, "").str.findall(_LIST_ITEM)
    commits.loc[~listed, "author"] = raw[~listed].map(lambda value: [value])
    rows = commits[["model_id", "first_commit", "author"]].explode("author").dropna(subset=["author"])
    rows["author"] = rows["author"].where(~rows["author"].str.match(r"^['\"]"), rows["author"].str[1:-1]).str.strip()
    rows = rows[(rows["author"] != "") & ~rows["author"].str.lower().isin(("unknown", "none"))]
    first = commits.groupby("model_id")["first_commit"].min()
    rows = rows[~is_bot(rows["author"])][["model_id", "author"]].drop_duplicates()
    rows["first_commit"] = rows["model_id"].map(first)
    return rows.reset_index(drop=True)


def hub_commit_authors(csv_dir: Path) -> pd.DataFrame:
    """(model_id, author, first_commit) over HFCommunity's model repos: each human author's first
    commit in each repo."""
    repos = pd.read_csv(csv_dir / "repository.csv", usecols=["id", "type"], dtype=str, keep_default_na=False)
    repos = repos[repos["type"].str.strip() == "model"]
    model_of = pd.Series(
        repos["id"].str.strip().str.replace(r"^models/", "", regex=True).str.strip().str.lower().values,
        index=repos["id"].str.strip().values,
    )
    model_of = model_of[~model_of.index.duplicated()]
    commits = pd.read_csv(
        csv_dir / "commits.csv", usecols=["repo_id", "author_name", "author_date", "author_tz"], dtype=str, keep_default_na=False
    )
    commits["author"] = commits["author_name"].str.strip()
    commits = commits[(commits["author"] != "") & ~is_bot(commits["author"])]
    commits["model_id"] = commits["repo_id"].str.strip().map(model_of)
    commits = commits.dropna(subset=["model_id"])
    # author_date is the author's wall clock, author_tz its offset in seconds west of UTC.
    west = pd.to_timedelta(pd.to_numeric(commits["author_tz"], errors="coerce").fillna(0), unit="s")
    commits["committed_at"] = utc_timestamps(commits["author_date"]) + west
    authors = commits.groupby(["model_id", "author"], as_index=False)["committed_at"].min()
    return authors.rename(columns={"committed_at": "first_commit"})


def authors_over_time(commit_authors: pd.DataFrame) -> pd.DataFrame:
    first = commit_authors.dropna(subset=["first_commit"]).groupby("author")["first_commit"].min()
    months = first.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    monthly = months.value_counts().sort_index()
    every_month = pd.date_range(monthly.index.min(), monthly.index.max(), freq="MS")
    new_authors = monthly.reindex(every_month, fill_value=0)
    return pd.DataFrame({
        "month_start": every_month,
        "new_authors": new_authors.values.astype("int64"),
        "total_authors": new_authors.cumsum().values.astype("int64"),
    })  # fmt: skip


def repos_per_author(commit_authors: pd.DataFrame) -> pd.DataFrame:
    return commit_authors.groupby("author")["model_id"].nunique().rename("repos").reset_index()


def authors_per_repo(commit_authors: pd.DataFrame) -> pd.DataFrame:
    return commit_authors.groupby("model_id")["author"].nunique().rename("authors").reset_index()


def peer_marts(generated_dir: Path, hfcommunity_csv: Path) -> dict[str, pd.DataFrame]:
    paper = paper_commit_authors(generated_dir / "commit_data.csv")
    hub = hub_commit_authors(hfcommunity_csv)
    return {
        "authors_over_time": authors_over_time(paper),
        "repos_per_author": repos_per_author(paper),
        "authors_per_repo": authors_per_repo(paper),
        "hub_authors_over_time": authors_over_time(hub),
        "hub_repos_per_author": repos_per_author(hub),
        "hub_authors_per_repo": authors_per_repo(hub),
    }


def main(task_path: str) -> int:
    """Compute the peer's marts and write their sizes and the time it took (`python -m
    benchmarks.peer_pandas TASK.json`); with `out_dir`, also each mart as Parquet."""
    task = json.loads(Path(task_path).read_text())
    started = time.perf_counter()
    marts = peer_marts(Path(task["generated_dir"]), Path(task["hfcommunity_csv"]))
    seconds = time.perf_counter() - started
    if task.get("out_dir"):
        out_dir = Path(task["out_dir"])
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in marts.items():
            frame.to_parquet(out_dir / f"{name}.parquet")
    summary = {name: {"rows": len(frame)} for name, frame in marts.items()}
    Path(task["result"]).write_text(json.dumps({"total_seconds": seconds, "marts": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
