"""The synthetic weekly v2 pulls: the real files' dates and headers, their value formats, and the
shapes of the real series (growth, persistence, like drift, the MATH Lvl 5 re-scoring), all
deterministic by seed and proportional to the scale."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.settings import real_data_dir
from orchestration.synthetic import weekly as gw
from orchestration.synthetic.snapshot import HUB_URL, _Snapshot
from orchestration.synthetic.weekly import (
    GENERATOR_VERSION,
    HEADERS,
    MARKER_NAME,
    MATH_RESCORE_DATE,
    NEW_LAYOUT_FROM,
    WEEKLY_DATES,
    ensure_generated_weekly,
    file_name,
    generate_weekly_v2,
    header_for,
)

OLD_SCORES = ("ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlupro")
NEW_SCORES = ("ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fullmatch: `$` would allow a trailing newline
SHA = re.compile(r"[0-9a-f]{40}")
EMOJI_TYPES = {
    "🟢": "🟢 pretrained",
    "🟩": "🟩 continuously pretrained",
    "🔶": "🔶 fine-tuned on domain-specific datasets",
    "💬": "💬 chat models (RLHF, DPO, IFT, ...)",
    "🤝": "🤝 base merges and moerges",
    "🌸": "🌸 multimodal",
    "❓": "❓ other",
}
NEW_TYPES = {
    "pretrained", "continuouslypretrained", "fine-tunedondomain-specificdatasets", "chatmodels",
    "basemergesandmoerges", "multimodal", "❓other",
}  # fmt: skip


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_weekly_dir() -> Path:
    path = real_data_dir() / "open-llm-leaderboard" / "v2_weekly"
    if not path.is_dir():
        pytest.fail(f"the real weekly v2 files are missing at {path} (set WAREHOUSE_REAL_DATA_DIR)")
    return path


@pytest.fixture(scope="module")
def weekly_dir(tmp_path_factory) -> Path:
    """The default offline pulls (seed 42, scale 1)."""
    out = tmp_path_factory.mktemp("weekly1")
    generate_weekly_v2(out, seed=42, scale=1.0)
    return out


@pytest.fixture(scope="module")
def tables(weekly_dir) -> dict[str, pd.DataFrame]:
    return {d: read_weekly_table(weekly_dir / file_name(d)) for d in WEEKLY_DATES}


@pytest.fixture(scope="module")
def evaluations(tables) -> dict[str, pd.DataFrame]:
    """Each pull in one shape, whatever its layout: indexed by model|precision|sha."""
    return {d: unify(d, t) for d, t in tables.items()}


def unify(day: str, table: pd.DataFrame) -> pd.DataFrame:
    if day < NEW_LAYOUT_FROM:
        out = pd.DataFrame(
            {
                "model": table["fullname"],
                "precision": table["precision"],
                "sha": table["model_sha"],
                "likes": table["hub_hearts"].astype(int),
                "average": table["average"].astype(float),
                **{b: table[o].astype(float) for b, o in zip(NEW_SCORES, OLD_SCORES)},
            }
        )
    else:
        out = pd.DataFrame(
            {
                "model": table["model_name"],
                "precision": table["model_precision"],
                "sha": table["model_sha"],
                "likes": table["metadata_hub_hearts"].astype(int),
                "average": table["model_average_score"].astype(float).round(2),
                **{b: table[f"evaluations_{b}_normalized_score"].astype(float).round(2) for b in NEW_SCORES},
            }
        )
    out.index = out["model"] + "|" + out["precision"] + "|" + out["sha"]
    return out


def read_weekly_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def real_header(directory: Path, day: str) -> list[str]:
    with gzip.open(directory / file_name(day), "rt", encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").split(",")


def pairs():
    return list(zip(WEEKLY_DATES[:-1], WEEKLY_DATES[1:]))


def carried(evaluations, before: str, after: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    a, b = evaluations[before], evaluations[after]
    keys = a.index.intersection(b.index)
    return a.loc[keys], b.loc[keys]


def week_start(day: str) -> date:
    d = date.fromisoformat(day)
    return d - timedelta(days=(d.weekday() + 1) % 7)  # the Sunday that starts its week


# -- dates and headers ---------------------------------------------------------------------------


def test_dates_are_the_real_pull_dates(real_weekly_dir):
    real = sorted(p.name for p in real_weekly_dir.glob("huggingface_v2_*.csv.gz"))
    assert real == [file_name(d) for d in WEEKLY_DATES]


def test_module_headers_are_the_real_headers(real_weekly_dir):
    for start, columns in HEADERS:
        assert list(columns) == real_header(real_weekly_dir, start), start
    for day in WEEKLY_DATES:
        assert list(header_for(day)) == real_header(real_weekly_dir, day), day
    assert len({columns for _, columns in HEADERS}) == 6


def test_each_file_has_the_real_header_of_its_date(weekly_dir, real_weekly_dir):
    for day in WEEKLY_DATES:
        with gzip.open(weekly_dir / file_name(day), "rt", encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n").split(",")
        assert header == real_header(real_weekly_dir, day), day


def test_week_pattern_five_double_and_five_empty_weeks(weekly_dir):
    written = sorted(p.name[len("huggingface_v2_") : -len(".csv.gz")] for p in weekly_dir.glob("*.csv.gz"))
    assert written == list(WEEKLY_DATES)
    per_week = Counter(week_start(d) for d in written)
    first, last = min(per_week), max(per_week)
    weeks = [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]
    assert len(weeks) == 31
    assert sum(per_week[w] == 2 for w in weeks) == 5
    assert sum(per_week[w] == 0 for w in weeks) == 5
    assert max(per_week.values()) == 2


# -- determinism and scale -----------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate_weekly_v2(tmp_path / "a", seed=7, scale=0.3)
    b = generate_weekly_v2(tmp_path / "b", seed=7, scale=0.3)
    c = generate_weekly_v2(tmp_path / "c", seed=8, scale=0.3)
    assert [p.name for p in a] == [file_name(d) for d in WEEKLY_DATES]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    raw = a[-1].read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\0\0\0\0"  # gzip, mtime 0
    assert a[-1].read_bytes() != c[-1].read_bytes()


def test_rows_grow_within_the_real_range(tables):
    rows = [len(tables[d]) for d in WEEKLY_DATES]
    assert 190 <= rows[0] <= 290  # real: 237
    assert 3300 <= rows[-1] <= 4400  # real: 3,818
    assert all(b >= a for a, b in zip(rows, rows[1:])), rows
    assert rows[-1] > 10 * rows[0]


def test_scale_gives_proportionally_fewer_rows(tmp_path, tables):
    small = generate_weekly_v2(tmp_path, seed=42, scale=0.2)
    full_rows = np.array([len(tables[d]) for d in WEEKLY_DATES])
    small_rows = np.array([len(read_weekly_table(p)) for p in small])
    assert 0.15 <= small_rows.sum() / full_rows.sum() <= 0.25
    assert 0.15 <= small_rows[-1] / full_rows[-1] <= 0.25
    assert small_rows[-1] > 5 * small_rows[0]


# -- persistence, likes, restatements ------------------------------------------------------------


def test_evaluations_are_unique_and_persist(evaluations):
    for day, ev in evaluations.items():
        assert ev.index.is_unique, day
    gone_total = 0
    for before, after in pairs():
        a, b = evaluations[before], evaluations[after]
        kept = a.index.isin(b.index).mean()
        assert kept >= 0.97, (before, after, kept)  # real: 97.2% at worst, mostly 100%
        assert (~b.index.isin(a.index)).sum() > 0, after  # new evaluations every pull
        gone_total += int((~a.index.isin(b.index)).sum())
    assert gone_total > 0  # a few disappear


def test_evaluations_survive_the_layout_change(evaluations):
    old, new = carried(evaluations, "2024-12-07", "2024-12-15")
    assert len(old) >= 0.99 * len(evaluations["2024-12-07"])
    for b in NEW_SCORES:
        assert np.allclose(old[b], new[b], atol=0.0051), b


def test_like_counts_drift_upwards(evaluations):
    for before, after in pairs():
        a, b = carried(evaluations, before, after)
        delta = b["likes"] - a["likes"]
        assert 0.03 <= (delta != 0).mean() <= 0.6, (before, after)  # real: 11%-51%
        assert (delta > 0).sum() > (delta < 0).sum(), (before, after)


def test_bulk_math_restatement(evaluations):
    k = WEEKLY_DATES.index(MATH_RESCORE_DATE)
    before, after = WEEKLY_DATES[k - 1], WEEKLY_DATES[k]
    a, b = carried(evaluations, before, after)
    changed = (a["math"] - b["math"]).abs() > 0.0051
    assert 0.55 <= changed.mean() <= 0.85  # real: 70.2%
    up = b.loc[changed, "math"] > a.loc[changed, "math"]
    assert up.mean() >= 0.95
    ratio = (b["math"] / a["math"])[changed & (a["math"] > 0)]
    assert 1.05 <= ratio.median() <= 1.15  # real: 1.10
    assert ((a["average"] - b["average"]).abs()[changed] > 0).mean() >= 0.9  # the average follows
    for other_before, other_after in pairs():
        if other_after == after:
            continue
        x, y = carried(evaluations, other_before, other_after)
        share = ((x["math"] - y["math"]).abs() > 0.0051).mean()
        assert share < 0.1, (other_before, other_after, share)


def test_smaller_restatements_elsewhere(evaluations):
    moved = []
    for before, after in pairs():
        if after == MATH_RESCORE_DATE:
            continue
        a, b = carried(evaluations, before, after)
        other = ["ifeval", "bbh", "gpqa", "musr", "mmlu_pro"]
        moved.append(((a[other] - b[other]).abs() > 0.0051).any(axis=1).sum())
    assert sum(m > 0 for m in moved) >= 2


# -- value formats -------------------------------------------------------------------------------


def flags_ok(column: pd.Series) -> bool:
    return column.isin(["TRUE", "FALSE"]).all()


def dates_ok(column: pd.Series) -> bool:
    return column.map(lambda v: v == "" or bool(ISO_DATE.fullmatch(v))).all()


def test_old_layout_values(tables):
    for day in [d for d in WEEKLY_DATES if d < NEW_LAYOUT_FROM]:
        t = tables[day]
        for b in OLD_SCORES:
            assert t[b].astype(float).between(0, 100).all(), (day, b)
            assert t[f"{b}_raw"].astype(float).between(0, 1).all(), (day, b)
            # R prints round(x, 2): no trailing zeros.
            assert not t[b].str.contains(r"\.\d*0$").any(), (day, b)
        scores = t[list(OLD_SCORES)].astype(float)
        assert (scores.mean(axis=1) - t["average"].astype(float)).abs().max() <= 0.011
        assert (np.diff(t["average"].astype(float)) <= 0).all(), day  # best first
        for column in ("not_merged", "available_on_the_hub", "flagged", "moe", "chat_template", t.columns[30]):
            assert flags_ok(t[column]), (day, column)
        assert dates_ok(t["submission_date"]) and dates_ok(t["upload_to_hub_date"]), day
        assert (t["t"].map(EMOJI_TYPES) == t["type"]).all(), day
        assert (t["model"] == t["fullname"]).all() and (t["url"] == HUB_URL + t["fullname"]).all()
        assert t["precision"].isin(["bfloat16", "float16", "4bit"]).all()
        assert t["params_b"].str.fullmatch(r"-?\d+").all()
        assert (t["hub_hearts"].astype(int) >= 0).all()
        assert t["model_sha"].map(lambda v: v == "" or bool(SHA.fullmatch(v))).all()
        assert (t["hub_license"][t["available_on_the_hub"] == "TRUE"] != "").mean() > 0.9
        if "co_cost_kg" in t.columns:
            assert (t["co_cost_kg"].astype(float) > 0).all()
            assert t["generation"].str.fullmatch(r"\d+").all()
    # Inverted flags, as in the real files: TRUE = not flagged / not MoE.
    last_old = tables["2024-12-07"]
    assert (last_old["flagged"] == "TRUE").mean() > 0.99 and (last_old["moe"] == "TRUE").mean() > 0.9
    assert (tables["2024-07-13"]["maintainers_highlight"] == "TRUE").mean() > 0.8  # the launch set


def test_new_layout_values(tables):
    for day in [d for d in WEEKLY_DATES if d >= NEW_LAYOUT_FROM]:
        t = tables[day]
        for b in NEW_SCORES:
            assert t[f"evaluations_{b}_value"].astype(float).between(0, 1).all(), (day, b)
            assert t[f"evaluations_{b}_normalized_score"].astype(float).between(0, 100).all(), (day, b)
        assert t["evaluations_math_name"].eq("MATH Level 5").all()
        norm = t[[f"evaluations_{b}_normalized_score" for b in NEW_SCORES]].astype(float)
        assert np.allclose(norm.mean(axis=1), t["model_average_score"].astype(float), atol=1e-9)
        gpqa = t["evaluations_gpqa_value"].astype(float)
        assert np.allclose(t["evaluations_gpqa_normalized_score"].astype(float),
                           np.maximum(0, (gpqa - 0.25) / 0.75 * 100), atol=1e-9)  # fmt: skip
        chat = t["model_has_chat_template"].map({"TRUE": "True", "FALSE": "False"})
        composite = t["model_name"] + "_" + t["model_precision"] + "_" + t["model_sha"] + "_" + chat
        assert (composite == t["id"]).all(), day
        assert t["model_type"].isin(NEW_TYPES).all()
        for column in [c for c in t.columns if c.startswith("features_")] + ["model_has_chat_template"]:
            assert flags_ok(t[column]), (day, column)
        assert dates_ok(t["metadata_upload_date"]) and dates_ok(t["metadata_submission_date"])
        assert t["metadata_params_billions"].astype(float).notna().all()
        assert (t["metadata_hub_hearts"].astype(int) >= 0).all()
        # Inverted: TRUE = available; unavailable models have no licence.
        off = t["features_is_not_available_on_hub"] == "FALSE"
        assert 0.05 < off.mean() < 0.6
        assert (t.loc[off, "metadata_hub_license"] == "").mean() > 0.9
        assert (t["features_is_flagged"] == "TRUE").sum() <= 0.01 * len(t)
        # Rows by organisation, then name.
        names = t["model_name"].str.split("/", n=1)
        keys = list(zip(names.str[0], names.str[-1]))
        assert keys == sorted(keys), day
    # Params: exact in the new layout, their floor in the old one.
    old, new = tables["2024-12-07"], tables["2024-12-15"]
    merged = old.merge(new, left_on=["fullname", "precision", "model_sha"],
                       right_on=["model_name", "model_precision", "model_sha"])  # fmt: skip
    params = merged["metadata_params_billions"].astype(float)
    assert (np.floor(params).astype(int).astype(str) == merged["params_b"]).all()
    # The same meaning under the inverted name (a few repos leave or return to the Hub each week).
    assert (merged["available_on_the_hub"] == merged["features_is_not_available_on_hub"]).mean() >= 0.99
    assert (merged["flagged"] != merged["features_is_flagged"]).all()


def test_quoted_type_text_in_the_raw_bytes(weekly_dir):
    with gzip.open(weekly_dir / file_name("2024-07-13"), "rt", encoding="utf-8") as handle:
        text = handle.read()
    assert ',"💬 chat models (RLHF, DPO, IFT, ...)",' in text
    assert "\r" not in text and text.endswith("\n")


def test_re_evaluated_v1_models_keep_their_snapshot_ids(tables):
    """Most of the launch set are models of the v1 snapshot with the same seed and scale."""
    snapshot = _Snapshot(seed=42, scale=1.0)
    snapshot._build_names()
    snapshot._build_models()
    v1_ids = set(snapshot.model_ids)
    first = tables[WEEKLY_DATES[0]]["fullname"]
    last = tables[WEEKLY_DATES[-1]]["model_name"]
    assert 0.4 <= first.isin(v1_ids).mean() <= 0.8  # real: 64%
    assert 0.03 <= last.isin(v1_ids).mean() <= 0.15  # real: 8%
    assert not last[~last.isin(v1_ids)].str.lower().isin({i.lower() for i in v1_ids}).any()


# -- marker and CLI ------------------------------------------------------------------------------


def test_ensure_generated_weekly_regenerates_only_when_needed(tmp_path):
    out = tmp_path / "weekly"
    assert ensure_generated_weekly(out, seed=3, scale=0.1) == out
    marker = json.loads((out / MARKER_NAME).read_text())
    assert marker["generator_version"] == GENERATOR_VERSION and marker["seed"] == 3 and marker["scale"] == 0.1
    assert set(marker["files"]) == {file_name(d) for d in WEEKLY_DATES}
    last = out / file_name(WEEKLY_DATES[-1])
    stamp = last.stat().st_mtime_ns
    ensure_generated_weekly(out, seed=3, scale=0.1)
    assert last.stat().st_mtime_ns == stamp  # the marker matched: nothing rewritten
    before = last.read_bytes()
    ensure_generated_weekly(out, seed=4, scale=0.1)
    assert last.read_bytes() != before and json.loads((out / MARKER_NAME).read_text())["seed"] == 4
    (out / file_name(WEEKLY_DATES[3])).unlink()
    ensure_generated_weekly(out, seed=4, scale=0.1)
    assert (out / file_name(WEEKLY_DATES[3])).is_file()


def test_cli(tmp_path, capsys):
    out = tmp_path / "cli"
    assert gw.main(["--out", str(out), "--seed", "5", "--scale", "0.1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [Path(p).name for p in printed] == [file_name(d) for d in WEEKLY_DATES]
    stamp = (out / MARKER_NAME).stat().st_mtime_ns
    assert gw.main(["--out", str(out), "--seed", "5", "--scale", "0.1", "--force"]) == 0
    assert (out / MARKER_NAME).stat().st_mtime_ns != stamp


def test_rejects_a_non_positive_scale(tmp_path):
    with pytest.raises(ValueError):
        generate_weekly_v2(tmp_path, scale=0)


# -- the pulls as the dataset's own parquet (open-llm-leaderboard/contents) ----------------------------

V2_HEAD = ["eval_name", "Precision", "Type", "T", "Weight type", "Architecture", "Model", "fullname", "Model sha",
           "Average ⬆️", "Hub License", "Hub ❤️", "#Params (B)", "Available on the hub"]
V2_SCORES = [f"{b}{s}" for b in ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO") for s in (" Raw", "")]
V2_TAIL = ["Upload To Hub Date", "Submission Date", "Generation", "Base Model"]
# docs/sources.md: the dataset's layout on each date (cards e0671fc3…, 0029b25d…, stacklok/results d13314a1…).
PARQUET_LAYOUTS = {
    "2024-12-01": [*V2_HEAD, "Not_Merged", "MoE", "Flagged", "Chat Template", "CO₂ cost (kg)", *V2_SCORES,
                   "Maintainer's Highlight", *V2_TAIL],
    "2024-12-07": [*V2_HEAD, "Not_Merged", "MoE", "Flagged", "Chat Template", "CO₂ cost (kg)", *V2_SCORES,
                   "Official Providers", *V2_TAIL],
    "2025-02-08": [*V2_HEAD, "MoE", "Flagged", "Chat Template", "CO₂ cost (kg)", *V2_SCORES, "Merged",
                   "Official Providers", *V2_TAIL],
}


@pytest.mark.parametrize("day", sorted(PARQUET_LAYOUTS))
def test_a_pull_as_the_datasets_parquet_has_its_dates_schema_and_the_same_content(weekly_dir, tables, tmp_path, day):
    """The same evaluations, scores and likes; the flags in the layout's polarity (before
    2024-12-10 Not_Merged / MoE / Flagged hold the negation, after it Merged / MoE / Flagged hold
    the truth); `Type` the full ModelType name even where the CSV has the backend's label."""
    import pyarrow.parquet as pq

    path = gw.write_weekly_v2_parquet(weekly_dir / file_name(day), tmp_path)
    assert path.name == f"huggingface_v2_{day}.parquet"
    table = pq.read_table(path)
    assert table.column_names == PARQUET_LAYOUTS[day] and len(table.column_names) == 36
    types = {f.name: str(f.type) for f in table.schema}
    assert types["#Params (B)"] == ("double" if day >= "2024-12-10" else "int64")
    assert (types["Hub ❤️"], types["Generation"], types["Flagged"], types["Average ⬆️"]) == ("int64", "int64", "bool", "double")
    data = table.to_pandas()
    csv = tables[day]
    truth = unify(day, csv)
    assert list(data["fullname"] + "|" + data["Precision"] + "|" + data["Model sha"].fillna("")) == list(truth.index)
    assert (data["Hub ❤️"].to_numpy() == truth["likes"].to_numpy()).all()
    assert np.allclose(data["Average ⬆️"].round(2), truth["average"])
    if day < NEW_LAYOUT_FROM:  # the page scrape: flagged and moe inverted, not_merged "not merged"
        flagged, moe, merged = (csv[c] == "FALSE" for c in ("flagged", "moe", "not_merged"))
        assert (data["Type"] == csv["type"]).all() and (data["T"] == csv["t"]).all()
    else:
        flagged, moe, merged = (csv[f"features_is_{c}"] == "TRUE" for c in ("flagged", "moe", "merged"))
        assert set(data["Type"]) <= set(EMOJI_TYPES.values())
        assert (data["T"] == data["Type"].str[0]).all()
    if day >= "2024-12-10":
        assert ((data["Flagged"] == flagged) & (data["MoE"] == moe) & (data["Merged"] == merged)).all()
    else:
        assert ((data["Flagged"] != flagged) & (data["MoE"] != moe) & (data["Not_Merged"] != merged)).all()
    assert data["Model"].str.contains('href="https://huggingface.co/', regex=False).all()
