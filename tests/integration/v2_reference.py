"""An independent reading of the real weekly v2 files for the tests: pandas straight from the
gzip files, with the few column names it needs spelled out here (not the project's seed)."""

from __future__ import annotations

import re
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
