"""An independent reading of the real weekly v2 files for the tests: pandas straight from the
gzip files, with the few column names it needs spelled out here (not the project's seed)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

FILE_DATE = re.compile(r"huggingface_v2_([0-9]{4}-[0-9]{2}-[0-9]{2})\.csv\.gz")
# Old layouts → December 2024 rename.
ID_COLUMNS = ("fullname", "model_name")
PRECISION_COLUMNS = ("precision", "model_precision")
MATH_COLUMNS = ("math_lvl_5", "evaluations_math_normalized_score")


def _first_present(frame: pd.DataFrame, names: tuple[str, ...]) -> str:
    return next(name for name in names if name in frame.columns)


def read_snapshot(path: Path) -> pd.DataFrame:
    """evaluation_id (lower-cased id | precision | sha) and MATH Lvl 5, one file."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    ids = frame[_first_present(frame, ID_COLUMNS)].str.strip().str.lower()
    precision = frame[_first_present(frame, PRECISION_COLUMNS)].str.strip()
    sha = frame["model_sha"].str.strip()
    return pd.DataFrame({
        "evaluation_id": ids + "|" + precision + "|" + sha,
        "math": pd.to_numeric(frame[_first_present(frame, MATH_COLUMNS)]),
    })


def snapshot_files(directory: Path) -> dict[date, Path]:
    return {
        date.fromisoformat(FILE_DATE.fullmatch(p.name).group(1)): p
        for p in sorted(directory.glob("huggingface_v2_*.csv.gz"))
    }


def all_evaluation_ids(directory: Path) -> set[str]:
    return {e for path in snapshot_files(directory).values() for e in read_snapshot(path)["evaluation_id"]}


def math_restatements(directory: Path, before: date, after: date) -> set[str]:
    """Evaluations in both snapshots whose MATH Lvl 5 score differs at two decimals."""
    files = snapshot_files(directory)
    old = read_snapshot(files[before]).drop_duplicates("evaluation_id", keep=False).set_index("evaluation_id")
    new = read_snapshot(files[after]).drop_duplicates("evaluation_id", keep=False).set_index("evaluation_id")
    both = old.join(new, lsuffix="_old", rsuffix="_new", how="inner")
    changed = both[both["math_old"].round(2) != both["math_new"].round(2)]
    return set(changed.index)


# The attributes a version of the history keeps besides scores and likes, by their names in the
# scraped layouts to December 2024 and in the renamed ones after.
ATTRIBUTE_COLUMNS = {
    "model_type": ("type", "model_type"),
    "architecture": ("architecture", "model_architecture"),
    "params_b": ("params_b", "metadata_params_billions"),
    "license": ("hub_license", "metadata_hub_license"),
    "is_flagged": ("flagged", "features_is_flagged"),
    "is_merged": ("not_merged", "features_is_merged"),
    "is_moe": ("moe", "features_is_moe"),
    "is_available_on_hub": ("available_on_the_hub", "features_is_not_available_on_hub"),
    "base_model": ("base_model", "metadata_base_model"),
    "submission_date": ("submission_date", "metadata_submission_date"),
    "upload_date": ("upload_to_hub_date", "metadata_upload_date"),
}


def _attribute_values(name: str, text: pd.Series) -> pd.Series:
    """As the history compares them: params in whole billions, truncated (the 2024 layouts print
    7.616 as 7); dates as UTC days; ids lower-cased; flags in any case; empty text as missing."""
    if name == "params_b":
        return pd.to_numeric(text, errors="coerce").map(lambda v: None if pd.isna(v) else math.floor(v))
    if name.endswith("_date"):
        days = pd.to_datetime(text, utc=True, errors="coerce", format="mixed").dt.date.astype(object)
        return days.where(days.notna(), None)
    if name == "base_model":
        text = text.str.lower()
    elif name.startswith("is_"):
        text = text.str.upper()
    return text.replace("", None)


def read_attributes(path: Path) -> pd.DataFrame:
    """The attributes of one file by evaluation_id (ids listed twice left out), each column under
    the name the file gives it: a file without a column (the base model before September 2024)
    has nothing to compare in it."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    ids = frame[_first_present(frame, ID_COLUMNS)].str.strip().str.lower()
    precision = frame[_first_present(frame, PRECISION_COLUMNS)].str.strip()
    values = {"evaluation_id": ids + "|" + precision + "|" + frame["model_sha"].str.strip()}
    for name, sources in ATTRIBUTE_COLUMNS.items():
        for source in (s for s in sources if s in frame.columns):
            values[f"{name}:{source}"] = _attribute_values(name, frame[source].str.strip())
    return pd.DataFrame(values).drop_duplicates("evaluation_id", keep=False).set_index("evaluation_id")


@dataclass(frozen=True)
class AttributeChanges:
    compared: set[str]
    """Evaluations in both files (once each)."""
    by_attribute: dict[str, set[str]]
    """Attribute → the evaluations whose value differs between the two files."""


def attribute_changes(directory: Path, before: date, after: date) -> AttributeChanges:
    """Attributes changed between two snapshots, compared where both files name the column alike
    (a pair within one layout, or a later layout that only adds columns)."""
    files = snapshot_files(directory)
    old, new = read_attributes(files[before]), read_attributes(files[after])
    compared = old.index.intersection(new.index)
    by_attribute: dict[str, set[str]] = {}
    for column in (c for c in old.columns if c in new.columns):
        o, n = old.loc[compared, column], new.loc[compared, column]
        differs = ~((o == n) | (o.isna() & n.isna()))
        by_attribute.setdefault(column.split(":")[0], set()).update(compared[differs])
    return AttributeChanges(set(compared), by_attribute)


# -- The v2 canon and its marts, from one snapshot file (the renamed layouts, December 2024 on) --

CANON_SOURCE_COLUMNS = {
    "model_name": "model_name", "precision": "model_precision", "model_sha": "model_sha",
    "declared_type": "model_type", "flagged": "features_is_flagged", "merged": "features_is_merged",
    "base": "metadata_base_model", "generation": "metadata_generation",
    "submitted": "metadata_submission_date", "average": "model_average_score",
    **{b: f"evaluations_{b if b != 'math_lvl_5' else 'math'}_normalized_score"
       for b in ("ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlu_pro")},
}
V2_BENCHMARKS = ("average", "ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlu_pro")
# The declared type's text (spaces removed: `chatmodels` and `💬 chat models` alike) → v1's codes.
V2_TYPE_BY_TEXT = (("multimodal", "multimodal"), ("fine-tuned", "fine_tuned"), ("chat", "chat"),
                   ("merge", "merge"), ("continuouslypretrained", "continuously_pretrained"),
                   ("pretrained", "pretrained"))


def _v2_type(text: str) -> str:
    squeezed = text.lower().replace(" ", "")
    return next((code for needle, code in V2_TYPE_BY_TEXT if needle in squeezed), "unknown")


def _sunday_on_or_before(day: date | None) -> date | None:
    return None if day is None else date.fromordinal(day.toordinal() - (day.weekday() + 1) % 7)


def v2_canon(path: Path) -> pd.DataFrame:
    """One row per non-flagged model of one snapshot, indexed by lower-cased id: the evaluation
    with the highest average, ties by the smallest sha, then the earlier row."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = sorted(set(CANON_SOURCE_COLUMNS.values()) - set(frame.columns))
    if missing:
        raise ValueError(f"{path.name}: not a renamed-layout file, no column(s) {', '.join(missing)}")
    rows = pd.DataFrame({name: frame[column].str.strip() for name, column in CANON_SOURCE_COLUMNS.items()})
    rows["model_id"] = rows["model_name"].str.lower()
    rows["row"] = range(len(rows))
    for name in V2_BENCHMARKS:
        rows[name] = pd.to_numeric(rows[name].replace("", None))
    rows["model_sha"] = rows["model_sha"].replace("", None)
    flagged = set(rows.loc[rows["flagged"].str.upper() == "TRUE", "model_id"])
    kept = (rows.sort_values(["model_id", "average", "model_sha", "row"], ascending=[True, False, True, True],
                             na_position="last")
            .drop_duplicates("model_id").set_index("model_id"))
    kept = kept[~kept.index.isin(flagged)].copy()
    kept["model_type"] = kept["declared_type"].map(_v2_type)
    base = kept["base"].str.lower().str.replace(r" \(merge\)$", "", regex=True)
    kept["base_model_status"] = [
        "none" if b == "" else "removed" if b == "removed" else "self" if b == m else "declared"
        for m, b in zip(kept.index, base)
    ]
    kept["base_model_id"] = base.where(kept["base_model_status"] == "declared", None)
    kept["generation"] = pd.to_numeric(kept["generation"].replace("", None)).astype("Int64")
    kept["is_merged"] = kept["merged"].str.upper() == "TRUE"
    submitted = pd.to_datetime(kept["submitted"].replace("", None), utc=True, format="mixed")
    kept["week_start"] = [None if pd.isna(t) else _sunday_on_or_before(t.date()) for t in submitted]
    return kept


def v2_weekly_models_by_type(canon: pd.DataFrame) -> dict[tuple[date, str], int]:
    dated = canon[canon["week_start"].notna()]
    return {key: int(n) for key, n in dated.groupby(["week_start", "model_type"]).size().items()}


def v2_model_improvements(canon: pd.DataFrame) -> pd.DataFrame:
    """(model_id, base_model_id, model_type, benchmark, improvement) for fine-tunes and chats over a
    declared base that is itself in the canon, per benchmark both scored."""
    models = canon[canon["model_type"].isin(["fine_tuned", "chat"]) & canon["base_model_id"].isin(canon.index)]
    rows = []
    for model_id, model in models.iterrows():
        base = canon.loc[model["base_model_id"]]
        for benchmark in V2_BENCHMARKS:
            if pd.notna(model[benchmark]) and pd.notna(base[benchmark]):
                rows.append((model_id, model["base_model_id"], model["model_type"], benchmark,
                             model[benchmark] - base[benchmark]))
    return pd.DataFrame(rows, columns=["model_id", "base_model_id", "model_type", "benchmark", "improvement"])


def v2_improvement_per_base(improvements: pd.DataFrame) -> pd.DataFrame:
    grouped = improvements.groupby(["base_model_id", "benchmark"])["improvement"]
    return pd.DataFrame({
        "n_models": grouped.size(), "mean_improvement": grouped.mean(), "median_improvement": grouped.median(),
        "max_improvement": grouped.max(), "share_improved": grouped.apply(lambda s: (s > 0).mean()),
    })


def v2_merge_share(canon: pd.DataFrame) -> pd.DataFrame:
    """Per submission week: new models, merges (type merge or the merged flag), generations."""
    dated = canon[canon["week_start"].notna()].assign(
        merge=lambda f: (f["model_type"] == "merge") | f["is_merged"])
    grouped = dated.groupby("week_start")
    return pd.DataFrame({
        "new_models": grouped.size(), "merge_models": grouped["merge"].sum(),
        "merge_type_models": grouped["model_type"].apply(lambda s: (s == "merge").sum()),
        "merged_flag_models": grouped["is_merged"].sum(),
        "max_generation": grouped["generation"].max(),
        "mean_generation": grouped["generation"].apply(lambda s: s.dropna().astype(float).mean()),
    })


def v2_lineage_agreement(canon: pd.DataFrame, hub_bases: dict[str, set[str]]) -> dict[str, bool]:
    """Model → whether the leaderboard's base is among its Hub card's declared bases, for models
    with both."""
    return {model_id: base in hub_bases[model_id]
            for model_id, base in canon["base_model_id"].dropna().items() if hub_bases.get(model_id)}
