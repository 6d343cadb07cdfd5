"""An independent reading of the real snapshot for the figure marts (Figs 6-12 and the marts
beyond the paper), in plain pandas and Python, written from METHOD.md and the choices the marts'
YAML descriptions state, without the project's SQL or seeds."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from tests.integration.paper_reference import BENCHMARKS, PaperReference, _as_list

# METHOD.md, Fig 11: (label, pattern, size in whole billions or None), in matching order.
FAMILIES = [
    ("Llama-3-8B", "llama3", 8),
    ("Mistral-7B", "mistral7b", 7),
    ("Mixtral-8x7B", "mixtral8x7b", 46),
    ("Llama-2-7B", "llama27b", 7),
    ("Phi-3-mini", "phi3mini", None),
    ("Phi-2", "phi2", None),
    ("Llama-3-70B", "llama3", 70),
    ("Llama-30B", "llama", 30),
    ("Llama-7B", "llama7b", 7),
    ("Llama-2-70B", "llama2", 70),
    ("Phi-3-medium", "phi3medium", None),
]
FAMILY_ORDER = {label: i for i, (label, _, _) in enumerate(FAMILIES)}

# METHOD.md: the release dates the figures mark.
RELEASES = [
    ("Llama 1", "2023-02-24"), ("Falcon-7B", "2023-04-24"), ("Llama 2", "2023-07-18"),
    ("Mistral 7B", "2023-09-20"), ("Phi-1.5", "2023-10-17"), ("Mixtral 8x7B", "2023-12-11"),
    ("Phi-2", "2024-01-11"), ("Gemma", "2024-02-08"), ("Mixtral 8x22B", "2024-04-10"),
    ("Llama 3", "2024-04-18"), ("Phi-3-mini", "2024-04-22"), ("Mistral 7B v0.3", "2024-05-22"),
]  # fmt: skip

# METHOD.md's architecture groups, by the transformers class names the leaderboard prints.
ARCHITECTURE_GROUPS = {
    "llamaforcausallm": "Llama", "llamamodel": "Llama",
    "mistralforcausallm": "Mistral", "mistralmodel": "Mistral",
    "mixtralforcausallm": "Mixtral", "qwen2forcausallm": "Qwen2",
    "gemmaforcausallm": "Gemma", "gemmamodel": "Gemma",
    "phiforcausallm": "Phi", "phimodel": "Phi", "phi3forcausallm": "Phi",
    "optforcausallm": "OPT", "gpt2lmheadmodel": "GPT2", "gpt2model": "GPT2",
    "gptneoxforcausallm": "GPT-NeoX",
}  # fmt: skip

# size_efficiency_frontier's classes: [low, high) in billions.
SIZE_CLASSES = [("<3B", 0, 3), ("3-9B", 3, 9), ("9-15B", 9, 15), ("15-35B", 15, 35),
                ("35-80B", 35, 80), (">80B", 80, math.inf)]  # fmt: skip


def normalised_name(model_id: str) -> str:
    return re.sub(r"[-_.]", "", model_id.lower().split("/")[-1])


def whole_billions(params: float) -> int | None:
    """params_b rounded to the nearest whole billion, halves away from zero."""
    return None if pd.isna(params) else int(math.floor(params + 0.5))


def family_by_name(model_id: str, params: float) -> str | None:
    name, size = normalised_name(model_id), whole_billions(params)
    return next((label for label, pattern, need in FAMILIES if pattern in name and need in (None, size)), None)


def architecture_group(raw) -> str:
    text = "" if pd.isna(raw) else str(raw).strip().lower()
    if text in ("", "?", "unknown", "none"):
        return "Unknown"
    return ARCHITECTURE_GROUPS.get(text, "Other")


def sunday_of(created: pd.Series) -> pd.Series:
    day = created.dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None)
    return day - pd.to_timedelta((day.dt.dayofweek + 1) % 7, unit="D")


class FigureReference(PaperReference):
    def __init__(self, snapshot_dir: Path):
        super().__init__(snapshot_dir)
        models = self.models
        models["params"] = pd.to_numeric(models["#Params (B)"], errors="coerce")
        models["group"] = models["Architecture"].map(architecture_group)
        models["week"] = sunday_of(models["created"])
        models["month"] = models["created"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
        models["name_family"] = [family_by_name(i, p) for i, p in zip(models.index, models["params"])]
        self.all_models["params"] = pd.to_numeric(self.all_models["#Params (B)"], errors="coerce")

    # Fig 6 ----------------------------------------------------------------------------------
    def top_authors(self) -> pd.DataFrame:
        """The ten authors with the most repos (ties by name): author, rank, repos, models
        (their repos that are non-flagged v1 models), mean Average over those."""
        repos = self.commit_authors.groupby("author")["model_id"].nunique().reset_index(name="repos")
        top = repos.sort_values(["repos", "author"], ascending=[False, True], kind="stable").head(10)
        rows = []
        for rank, row in enumerate(top.itertuples(), start=1):
            ids = set(self.commit_authors.loc[self.commit_authors.author == row.author, "model_id"])
            ids &= set(self.models.index)
            rows.append((row.author, rank, row.repos, len(ids), self.models.loc[sorted(ids), "average"].mean()))
        return pd.DataFrame(rows, columns=["author", "rank", "repos", "models", "mean_average"])

    # Fig 7 ----------------------------------------------------------------------------------
    def type_scores_in_week(self, week_start: str) -> dict[str, tuple[int, float, float, int]]:
        """Per model type: new models in the week, their mean and max Average, and the running
        count of the type up to that week."""
        dated = self.models.dropna(subset=["week"])
        week = pd.Timestamp(week_start)
        out = {}
        for kind, group in dated[dated.week == week].groupby("model_type"):
            cumulative = int(((dated.model_type == kind) & (dated.week <= week)).sum())
            out[kind] = (len(group), group["average"].mean(), group["average"].max(), cumulative)
        return out

    # Figs 8 and 9 ---------------------------------------------------------------------------
    def architecture_week(self, week_start: str, group: str) -> dict[str, float]:
        counted = self.models[(self.models.params > 0)].dropna(subset=["week"])
        week = pd.Timestamp(week_start)
        groups = counted["group"].nunique()
        weeks = (counted.week.max() - counted.week.min()).days // 7 + 1
        new = int(((counted.week == week) & (counted.group == group)).sum())
        before = int(((counted.week == week - pd.Timedelta(days=7)) & (counted.group == group)).sum())
        mean = (counted.week == week).sum() / groups
        return {"new_models": new, "change_vs_previous_week": new - before, "mean": mean,
                "change_vs_mean": new - mean, "rows": weeks * groups}  # fmt: skip

    # Fig 10 ---------------------------------------------------------------------------------
    def params_cell(self, params_bin: int, group: str) -> tuple[int, float, str]:
        sized = self.models[self.models.params > 0].copy()
        sized["bin"] = sized["params"].map(whole_billions)
        cell = sized[(sized.bin == params_bin) & (sized.group == group)].reset_index()
        best = cell.sort_values(["average", "created", "model_id"], ascending=[False, True, True],
                                na_position="last", kind="stable").iloc[0]  # fmt: skip
        return len(cell), best["average"], best["model_id"]

    # Fig 11 ---------------------------------------------------------------------------------
    def removed_merges(self) -> set[str]:
        """Merges (type, un-inverted flag, a plain tag containing `merge`, `merge` in the id) and
        every model whose declared base is one, transitively."""
        removed = set()
        for model_id, row in self.all_models.iterrows():
            tags = _as_list(self.latest_details["tags"].get(model_id))  # [] without repo details
            merge_tag = any("merge" in t.lower() and ":" not in t and "/" not in t for t in tags)
            if row["model_type"] == "merge" or row["Merged"].strip() == "False" or merge_tag or "merge" in model_id:
                removed.add(model_id)
        removed |= {b for bases in self.declared_bases.values() for b in bases if "merge" in b}
        while True:
            more = {m for m, bases in self.declared_bases.items() if m not in removed and bases & removed}
            if not more:
                return removed
            removed |= more

    def family_records(self) -> pd.DataFrame:
        """Per family, the dated non-merge members that set a new running maximum: family,
        model_id, days_since_release, improvement_over_first."""
        removed = self.removed_merges()
        members = self.models[self.models.name_family.notna() & ~self.models.index.isin(removed)]
        members = members.dropna(subset=["created", "average"]).reset_index()
        rows = []
        for family, group in members.groupby("name_family"):
            group = group.sort_values(["created", "model_id"], kind="stable")
            first = group.iloc[0]
            best = -math.inf
            for row in group.itertuples():
                if row.average > best:
                    best = row.average
                    days = (row.created - first.created).total_seconds() / 86400
                    rows.append((family, row.model_id, days, row.average - first.average))
        return pd.DataFrame(rows, columns=["family", "model_id", "days_since_release", "improvement_over_first"])

    # Fig 12 ---------------------------------------------------------------------------------
    def improvement_per_dataset(self) -> pd.DataFrame:
        """Mean improvement of the Average per card dataset (lower-cased) and model type, for
        datasets with at least 4 models of each type."""
        pairs = self.improvement_pairs()
        rows = []
        for pair in pairs.itertuples():
            datasets = _as_list(self.latest_details["datasets"].get(pair.model_id))
            for dataset in {d.strip().lower() for d in datasets}:
                rows.append((dataset, self.models.at[pair.model_id, "model_type"], pair.improvement))
        long = pd.DataFrame(rows, columns=["dataset", "model_type", "improvement"])
        stats = long.groupby(["dataset", "model_type"])["improvement"].agg(["size", "mean"]).reset_index()
        stats.columns = ["dataset", "model_type", "n_models", "mean_improvement"]
        enough = stats[stats.n_models >= 4].groupby("dataset")["model_type"].nunique()
        keep = set(enough[enough == 2].index)
        return stats[stats.dataset.isin(keep)].sort_values(["dataset", "model_type"]).reset_index(drop=True)

    # Beyond the paper -----------------------------------------------------------------------
    def benchmark_pairs(self) -> pd.DataFrame:
        """model_id, base_model_id, benchmark, improvement for every benchmark (the pairs of
        improvement_pairs: fine_tuned/chat models with exactly one declared v1 base)."""
        pairs = self.improvement_pairs()
        rows = []
        for pair in pairs.itertuples():
            for benchmark in BENCHMARKS:
                model, base = self.models.at[pair.model_id, benchmark], self.models.at[pair.base_model_id, benchmark]
                if pd.notna(model) and pd.notna(base):
                    rows.append((pair.model_id, pair.base_model_id, benchmark, model - base))
        return pd.DataFrame(rows, columns=["model_id", "base_model_id", "benchmark", "improvement"])

    def most_fine_tuned_bases(self) -> list[str]:
        pairs = self.benchmark_pairs()
        counts = pairs.groupby("base_model_id")["model_id"].nunique().reset_index(name="n")
        return counts.sort_values(["n", "base_model_id"], ascending=[False, True]).head(10)["base_model_id"].tolist()

    def size_frontier(self, size_class: str) -> tuple[float, str, int]:
        """The class's final frontier (best Average of all its dated models), the model that first
        reached it, and the number of months from its first model's month to the last month of
        any class."""
        low, high = next((lo, hi) for name, lo, hi in SIZE_CLASSES if name == size_class)
        dated = self.models[(self.models.params > 0)].dropna(subset=["created", "average"])
        members = dated[(dated.params >= low) & (dated.params < high)].reset_index()
        best = members.sort_values(["average", "created", "model_id"], ascending=[False, True, True]).iloc[0]
        first, last = pd.Period(members["month"].min(), "M"), pd.Period(dated["month"].max(), "M")
        return best["average"], best["model_id"], (last - first).n + 1

    def lineage_family(self, model_id: str) -> str | None:
        """The family of the roots of the model's declared-base lineage (ancestors that declare
        no base), a root's size its own params_b when it is a v1 model, else the model's."""
        seen, frontier = set(), set(self.declared_bases.get(model_id, set()))
        while frontier:
            seen |= frontier
            frontier = {b for a in frontier for b in self.declared_bases.get(a, set())} - seen
        roots = [a for a in seen if not self.declared_bases.get(a)]
        own = self.models.at[model_id, "params"]
        families = []
        for root in roots:
            root_params = self.all_models.at[root, "params"] if root in self.all_models.index else own
            family = family_by_name(root, root_params)
            if family:
                families.append(family)
        return min(families, key=FAMILY_ORDER.get) if families else None

    def family_agreement(self) -> pd.DataFrame:
        """Per family: models by name, by lineage, and by both (non-flagged v1 models)."""
        by_name = self.models["name_family"]
        by_lineage = pd.Series({m: self.lineage_family(m) for m in self.models.index})
        rows = []
        for label, _, _ in FAMILIES:
            name, lineage = by_name == label, by_lineage.reindex(by_name.index) == label
            rows.append((label, int(name.sum()), int(lineage.sum()), int((name & lineage).sum())))
        return pd.DataFrame(rows, columns=["family", "by_name", "by_lineage", "both"]).set_index("family")
