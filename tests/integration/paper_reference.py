"""An independent reading of the real snapshot in plain pandas and Python, written from
METHOD.md without the project's SQL, for the end-to-end test to compare marts against."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

TYPE_BY_TEXT = [
    ("fine-tuned", "fine_tuned"),
    ("chat", "chat"),
    ("merge", "merge"),
    ("continuously pretrained", "continuously_pretrained"),
    ("pretrained", "pretrained"),
]
BENCHMARKS = {"average": "Average ⬆️", "arc": "ARC", "hellaswag": "HellaSwag", "mmlu": "MMLU",
              "truthfulqa": "TruthfulQA", "winogrande": "Winogrande", "gsm8k": "GSM8K"}


def _type_of(type_string) -> str:
    text = "" if pd.isna(type_string) else str(type_string).lower()
    return next((kind for needle, kind in TYPE_BY_TEXT if needle in text), "unknown")


def _as_list(value) -> list[str]:
    if pd.isna(value) or str(value).strip() in ("", "unknown", "[]"):
        return []
    text = str(value).strip()
    items = ast.literal_eval(text) if text.startswith("[") else [text]
    return [str(i).strip() for i in items if str(i).strip() and str(i).strip().lower() != "unknown"]


def _is_bot(author: str) -> bool:
    name = author.strip().lower()
    return name in ("system", "leaderboard-pr-bot") or name.endswith("bot")


class PaperReference:
    def __init__(self, snapshot_dir: Path):
        board = pd.read_csv(snapshot_dir / "leaderboard.csv", sep=";", dtype=str, keep_default_na=False)
        board["model_id"] = board["model_name_for_query"].str.strip().str.lower()
        board["flagged"] = board["Flagged"].str.strip() == "False"
        board["avg"] = pd.to_numeric(board["Average ⬆️"], errors="coerce")
        flagged_ids = set(board.loc[board["flagged"], "model_id"])
        best = board.sort_values(["model_id", "avg", "Model sha"], ascending=[True, False, True], kind="stable")
        best = best.drop_duplicates("model_id", keep="first")
        self.all_models = best.set_index("model_id")  # flagged models too
        self.all_models["model_type"] = self.all_models["TypeString"].map(_type_of)
        best = best[~best["model_id"].isin(flagged_ids)].copy()
        best["model_type"] = best["TypeString"].map(_type_of)
        for name, column in BENCHMARKS.items():
            best[name] = pd.to_numeric(best[column], errors="coerce")

        details = pd.read_csv(snapshot_dir / "repo_details.csv", dtype=str, keep_default_na=False)
        details["model_id"] = details["name"].str.strip().str.lower()
        details["created"] = pd.to_datetime(details["created_at"], utc=True)
        # The Hub's created_at floor (2022-03-02 23:29:04-05, stamped on older repos) is no date.
        floor = (details["created"] >= pd.Timestamp("2022-03-02 23:29:04", tz="UTC")) & (
            details["created"] < pd.Timestamp("2022-03-02 23:30:00", tz="UTC"))
        self.censored_ids = set(details.loc[floor, "model_id"]) - set(details.loc[~floor & details["created"].notna(), "model_id"])
        details.loc[floor, "created"] = pd.NaT
        details["modified"] = pd.to_datetime(details["last_modified"], utc=True)
        details["row"] = range(len(details))
        created = details.groupby("model_id")["created"].min()
        latest = details.sort_values(["modified", "row"], ascending=[False, True]).drop_duplicates("model_id")
        self.latest_details = latest.set_index("model_id")
        self.models = best.set_index("model_id")
        self.models["created"] = created.reindex(self.models.index)

        bases: dict[str, set[str]] = {}
        for row in latest.itertuples():
            declared = {b.lower() for b in _as_list(row.base_model)}
            declared |= {t.split(":")[-1].lower() for t in _as_list(row.tags) if t.lower().startswith("base_model:")}
            declared -= {"", "unknown", row.model_id}
            bases[row.model_id] = declared
        self.declared_bases = bases

        commits = pd.read_csv(snapshot_dir / "commit_data.csv", dtype=str, keep_default_na=False)
        commits["model_id"] = commits["name"].str.strip().str.lower()
        commits["first"] = pd.to_datetime(commits["first_commit"], utc=True)
        pairs = []
        for row in commits.itertuples():
            for author in _as_list(row.authors):
                if not _is_bot(author):
                    pairs.append((row.model_id, author, row.first))
        self.commit_authors = pd.DataFrame(pairs, columns=["model_id", "author", "first"])

    def models_per_type(self) -> dict[str, int]:
        return self.models["model_type"].value_counts().to_dict()

    def new_models_per_type_in_week(self, week_start: str) -> dict[str, int]:
        created = self.models["created"].dropna()
        day = created.dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None)
        sunday = day - pd.to_timedelta((day.dt.dayofweek + 1) % 7, unit="D")
        in_week = self.models.loc[sunday[sunday == pd.Timestamp(week_start)].index]
        return in_week["model_type"].value_counts().to_dict()

    def authors_with_exactly_one_repo(self) -> int:
        repos = self.commit_authors.groupby("author")["model_id"].nunique()
        return int((repos == 1).sum())

    def new_authors_in_month(self, month: str) -> int:
        first = self.commit_authors.groupby("author")["first"].min()
        return int((first.dt.strftime("%Y-%m") == month).sum())

    def improvement_pairs(self) -> pd.DataFrame:
        rows = []
        for model_id, model in self.models.iterrows():
            declared = self.declared_bases.get(model_id, set())
            if model["model_type"] in ("fine_tuned", "chat") and len(declared) == 1:
                (base_id,) = declared
                if base_id in self.models.index:
                    rows.append((model_id, base_id, model["average"] - self.models.at[base_id, "average"]))
        return pd.DataFrame(rows, columns=["model_id", "base_model_id", "improvement"])
