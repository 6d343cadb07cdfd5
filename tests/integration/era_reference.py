"""The era verdicts' numbers read independently from the raw files in pandas, written from the
claims' rules (marts.era_verdicts' `rule`) and METHOD.md without the project's SQL: the paper's
snapshot (through PaperReference), the final v1 table and one weekly v2 file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.integration.paper_reference import PaperReference, _type_of

TUNED = ("fine_tuned", "chat")
LLAMA_MISTRAL = ("Llama", "Mistral", "Mixtral")
QUARTER_DAYS = 91
SMALL_MAX_PARAMS_B = 9
SEED_ARCHITECTURES = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "architecture_groups.csv"


def architecture_group(architecture: pd.Series) -> pd.Series:
    """The seed's grouping (reference data, not SQL): Unknown when empty, Other when unlisted."""
    seed = pd.read_csv(SEED_ARCHITECTURES, dtype=str, keep_default_na=False)
    groups = dict(zip(seed["raw_architecture"], seed["architecture_group"]))
    text = architecture.fillna("").str.strip()
    return text.str.lower().map(groups).where(text.str.lower().isin(groups), text.map(lambda a: "Unknown" if a == "" else "Other"))


def sunday_week(dates: pd.Series) -> pd.Series:
    day = pd.to_datetime(dates, utc=True, errors="coerce", format="ISO8601").dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None)
    return day - pd.to_timedelta((day.dt.dayofweek + 1) % 7, unit="D")


def best_unflagged(board: pd.DataFrame, flagged: pd.Series) -> pd.DataFrame:
    """One row per model: its highest Average (ties: the smallest sha, then the file's order);
    a model flagged on any row left out."""
    board = board.assign(row=range(len(board)), flagged=flagged.to_numpy())
    flagged_ids = set(board.loc[board["flagged"], "model_id"])
    best = board.sort_values(["model_id", "average", "model_sha", "row"], ascending=[True, False, True, True],
                             na_position="last", kind="stable").drop_duplicates("model_id")
    return best[~best["model_id"].isin(flagged_ids)]


def single_base(paper: PaperReference, model_id: str):
    declared = paper.declared_bases.get(model_id, set())
    return next(iter(declared)) if len(declared) == 1 else None


def paper_era(paper: PaperReference) -> pd.DataFrame:
    models = paper.models.reset_index()  # the scrape's kept rows, with every leaderboard column
    return pd.DataFrame({
        "model_id": models["model_id"],
        "model_type": models["model_type"],
        "base_model_id": models["model_id"].map(lambda m: single_base(paper, m)),
        "architecture_group": architecture_group(models["Architecture"]),
        "params_b": pd.to_numeric(models["#Params (B)"], errors="coerce"),
        "average": models["average"],
        "listed_week": sunday_week(models["created"]),
    })


def final_table_era(paper: PaperReference, final_table: Path) -> pd.DataFrame:
    board = pd.read_csv(final_table, dtype=str, keep_default_na=False)
    board = board.assign(model_id=board["fullname"].str.strip().str.lower(),
                         average=pd.to_numeric(board["average"], errors="coerce"))
    best = best_unflagged(board, board["flagged"].str.strip() == "FALSE")  # FALSE = flagged (inverted)
    return pd.DataFrame({
        "model_id": best["model_id"],
        "model_type": best["type"].map(_type_of),
        "base_model_id": best["model_id"].map(lambda m: single_base(paper, m)),
        "architecture_group": architecture_group(best["architecture"]),
        "params_b": pd.to_numeric(best["params_b"], errors="coerce"),
        "average": best["average"],
        "listed_week": sunday_week(best["date"].replace("", None)),
    })


def v2_era(weekly_file: Path) -> pd.DataFrame:
    """One weekly file of the 2025 layout (model_name, metadata_base_model, ...)."""
    board = pd.read_csv(weekly_file, dtype=str, keep_default_na=False)
    board = board.assign(model_id=board["model_name"].str.strip().str.lower(),
                         average=pd.to_numeric(board["model_average_score"], errors="coerce"))
    best = best_unflagged(board, board["features_is_flagged"].str.strip().str.upper() == "TRUE")
    base = best["metadata_base_model"].str.strip().str.lower().str.replace(r" \(merge\)$", "", regex=True)
    base = base.where(~base.isin(["", "removed", "unknown", "none"]) & (base != best["model_id"]))
    return pd.DataFrame({
        "model_id": best["model_id"],
        "model_type": best["model_type"].map(_type_of),
        "base_model_id": base,
        "architecture_group": architecture_group(best["model_architecture"]),
        "params_b": pd.to_numeric(best["metadata_params_billions"], errors="coerce"),
        "average": best["average"],
        "listed_week": sunday_week(best["metadata_submission_date"].replace("", None)),
    })


def claims(models: pd.DataFrame) -> dict[str, tuple[int, float, float]]:
    """claim_id -> (models, measure, reference), by the rules of marts.era_verdicts."""
    dated = models.dropna(subset=["listed_week"])
    first, last = dated["listed_week"].min(), dated["listed_week"].max()
    in_first = (dated["listed_week"] - first).dt.days < QUARTER_DAYS
    in_last = ~in_first & ((last - dated["listed_week"]).dt.days < QUARTER_DAYS)
    tuned = dated["model_type"].isin(TUNED)
    rise = (int(in_first.sum() + in_last.sum()), tuned[in_last].mean(), tuned[in_first].mean())

    by_id = models.set_index("model_id")
    pairs = models[models["model_type"].isin(TUNED) & models["base_model_id"].isin(by_id.index)
                   & models["average"].notna()].copy()
    pairs["base_average"] = pairs["base_model_id"].map(by_id["average"])
    pairs = pairs[pairs["base_average"].notna()]
    pairs["improvement"] = (pairs["average"] - pairs["base_average"]).round(2)
    base_group = pairs["base_model_id"].map(by_id["architecture_group"])
    top_five = pairs["base_model_id"].value_counts().head(5).sum()
    concentration = (len(pairs), base_group.isin(LLAMA_MISTRAL).mean(), top_five / len(pairs))
    improvement = (len(pairs), pairs["improvement"].mean(), (pairs["improvement"] > 0).mean())

    sized = models[(models["params_b"] > 0) & models["average"].notna()]
    small = sized.loc[sized["params_b"] <= SMALL_MAX_PARAMS_B, "average"].max()
    large = sized.loc[sized["params_b"] > SMALL_MAX_PARAMS_B, "average"].max()
    size = (len(sized), (large - small) / large, small)
    return {"rise_of_tuned_models": rise, "concentration_on_few_bases": concentration,
            "community_improves_bases": improvement, "small_models_manageable_loss": size}
