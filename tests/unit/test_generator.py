"""The synthetic snapshot: real formats byte for byte, every documented quirk, determinism,
scaling, non-empty marts at small scales, and an atomic, marker-guarded write."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from orchestration.settings import real_data_dir
from orchestration.synthetic import snapshot as generator
from orchestration.synthetic.snapshot import (
    DATASET_FILE_NAMES,
    FILE_NAMES,
    GENERATOR_VERSION,
    MARKER_NAME,
    TRUTH_NAME,
    ensure_generated_snapshot,
    generate_snapshot,
)

SCORES = ["Average ⬆️", "ARC", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande", "GSM8K"]
TIMESTAMP = "%Y-%m-%d %H:%M:%S%z"
BOTS = {"SFconvertbot", "librarian-bot", "leaderboard-pr-bot", "system"}
LEGACY_IDS = {"gpt2", "distilgpt2", "gpt2-xl"}


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory) -> Path:
    """The default offline snapshot (seed 42, scale 1): what the warehouse reads by default."""
    out = tmp_path_factory.mktemp("scale1")
    generate_snapshot(out, seed=42, scale=1.0)
    return out


@pytest.fixture(scope="module")
def frames(snapshot_dir) -> dict[str, pd.DataFrame]:
    return read_snapshot(snapshot_dir)


def read_snapshot(directory: Path) -> dict[str, pd.DataFrame]:
    text = {"dtype": str, "keep_default_na": False}
    return {
        "leaderboard": pd.read_csv(directory / "leaderboard.csv", sep=";", **text),
        "repo_details": pd.read_csv(directory / "repo_details.csv", **text),
        "commit_data": pd.read_csv(directory / "commit_data.csv", **text),
    }


def first_line(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.readline()


def real_file(real_snapshot_dir: Path, name: str) -> Path:
    """The real file a generated one imitates: the paper's, or the final v1 table."""
    if name == FILE_NAMES["leaderboard_v1_final"]:
        return real_data_dir() / "open-llm-leaderboard" / "v1_2024-07-07.csv"
    return real_snapshot_dir / name


def data_rows(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle) - 1


def literal(value: str) -> list[str]:
    parsed = ast.literal_eval(value)
    assert isinstance(parsed, list) and all(isinstance(x, str) for x in parsed), value
    return parsed


def declared_bases(row) -> set[str]:
    """METHOD.md: card base_model value(s) plus base_model:<id> tags, lower-cased, without
    unknown/empty and the model itself."""
    bases: set[str] = set()
    card = row.base_model
    if card.startswith("["):
        bases.update(literal(card))
    elif card and card != "unknown":
        bases.add(card)
    for tag in literal(row.tags):
        if tag.startswith("base_model:"):
            bases.add(tag.split(":")[-1])
    return {b.lower() for b in bases if b and b.lower() != "unknown"} - {row.name.lower()}


def improvement_marts(frames: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small pandas rendering of model_improvements and improvement_per_dataset (METHOD.md)."""
    lb = frames["leaderboard"].assign(model_id=lambda f: f.model_name_for_query.str.lower())
    lb["average"] = pd.to_numeric(lb["Average ⬆️"])
    models = (
        lb[lb.Flagged == "True"]
        .sort_values(["average", "Model sha"], ascending=[False, True])
        .drop_duplicates("model_id")
    )
    rd = frames["repo_details"].assign(model_id=lambda f: f.name.str.lower())
    latest = rd.sort_values("last_modified").drop_duplicates("model_id", keep="last")
    latest = latest.assign(bases=[declared_bases(r) for r in latest.itertuples()])
    tuned = models[models.Type.isin(["🔶", "💬"])].merge(latest, on="model_id")
    tuned = tuned[tuned.bases.map(len) == 1].assign(base_model_id=lambda f: f.bases.map(min))
    scores = models[["model_id", "average"]].rename(columns={"model_id": "base_model_id", "average": "base_score"})
    improvements = tuned.merge(scores, on="base_model_id")
    improvements["improvement"] = improvements.average - improvements.base_score

    def dataset_list(value: str) -> list[str]:
        if value.startswith("["):
            return literal(value)
        return [value] if value and value != "unknown" else []

    per_dataset = (
        improvements.assign(dataset=improvements.datasets.map(dataset_list))
        .explode("dataset")
        .dropna(subset=["dataset"])
        .groupby(["dataset", "Type"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=["🔶", "💬"], fill_value=0)
    )
    per_dataset = per_dataset[(per_dataset["🔶"] >= 4) & (per_dataset["💬"] >= 4)]
    return improvements, per_dataset


# -- format --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FILE_NAMES.values()))
def test_headers_are_the_real_files_headers_byte_for_byte(snapshot_dir, real_snapshot_dir, name):
    assert first_line(snapshot_dir / name) == first_line(real_file(real_snapshot_dir, name))


@pytest.mark.parametrize("name", sorted(FILE_NAMES.values()))
def test_line_endings_and_encoding_match_the_real_files(snapshot_dir, real_snapshot_dir, name):
    ours = (snapshot_dir / name).read_bytes()
    real_line = first_line(real_file(real_snapshot_dir, name))
    crlf = real_line.endswith(b"\r\n")
    assert ours.count(b"\r\n") == (ours.count(b"\n") if crlf else 0)
    assert not ours.startswith(b"\xef\xbb\xbf")
    ours.decode("utf-8")


@pytest.mark.parametrize("name", ["repo_details.csv", "commit_data.csv"])
def test_quoting_is_minimal_as_in_the_real_files(snapshot_dir, name):
    """Every line is exactly what csv's minimal quoting writes: list literals with a comma are
    quoted, one-item lists and plain values are not."""
    lines = (snapshot_dir / name).read_bytes().decode("utf-8").splitlines(keepends=True)
    width = len(next(csv.reader([lines[0]])))
    for line in lines:
        fields = next(csv.reader([line]))
        assert len(fields) == width, line
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(fields)
        assert buffer.getvalue() == line


def test_leaderboard_fields_never_need_quoting(snapshot_dir):
    text = (snapshot_dir / "leaderboard.csv").read_bytes().decode("utf-8")
    assert '"' not in text
    widths = {line.count(";") for line in text.split("\r\n") if line}
    assert widths == {21}


def test_value_formats(frames):
    lb, rd, cd = frames["leaderboard"], frames["repo_details"], frames["commit_data"]
    models = lb[lb.model_name_for_query != "baseline"]
    for column in SCORES:
        assert models[column].str.fullmatch(r"\d{1,2}\.\d{1,2}|100\.0").all(), column
        assert not models[column].str.fullmatch(r"\d+\.\d0").any(), column  # 72.0 and 81.3, never 81.30
    assert models["#Params (B)"].str.fullmatch(r"\d+\.0").all()
    assert models["Hub ❤️"].str.fullmatch(r"\d+\.0").all()
    assert (models.ModelHub == "https://huggingface.co/" + models.model_name_for_query).all()
    for column in ("Merged", "Flagged", "MoE", "Available on the hub"):
        assert set(models[column]) == {"True", "False"}, column
    assert models["Model sha"].str.fullmatch(r"[0-9a-f]{40}|").all()
    assert set(models.Precision) <= {"float16", "bfloat16", "4bit", "8bit", "GPTQ"}
    assert set(models["Weight type"]) <= {"Original", "Adapter", "Delta"}
    type_strings = dict(zip(generator.TYPE_EMOJI, generator.TYPE_STRING))
    assert (models.TypeString == models.Type.map(type_strings)).all()
    for column in ("created_at", "last_modified"):
        assert rd[column].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00").all(), column
    for column in ("first_commit", "last_commit"):
        assert cd[column].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00").all(), column
    assert rd.downloads.str.fullmatch(r"\d+").all()
    assert (rd.iloc[:, 0] == [str(i) for i in range(len(rd))]).all()
    assert (cd.iloc[:, 0] == [str(i) for i in range(len(cd))]).all()


def test_repos_older_than_the_hubs_creation_dates_report_its_floor(frames):
    """As the Hub API does (ModelInfo: "the lowest value is 2022-03-02T23:29:04.000Z"): no
    created_at below the floor, and the repos created before it carry exactly that instant,
    while their commit history keeps its real, earlier first commit."""
    rd, cd = frames["repo_details"], frames["commit_data"]
    floor = "2022-03-02 23:29:04+00:00"
    assert (rd.created_at >= floor).all()
    at_floor = set(rd.loc[rd.created_at == floor, "name"])
    assert at_floor
    assert (cd.loc[cd.name.isin(at_floor), "first_commit"] < floor).any()


def test_values_parse_and_are_plausible(frames):
    lb, rd, cd = frames["leaderboard"], frames["repo_details"], frames["commit_data"]
    scores = lb[SCORES].apply(pd.to_numeric)
    assert scores.notna().all().all()
    assert ((scores >= 0) & (scores <= 100)).all().all()
    benchmarks = scores[SCORES[1:]]
    assert ((benchmarks.mean(axis=1) - scores[SCORES[0]]).abs() <= 0.011).all()
    assert 50 <= scores[SCORES[0]].median() <= 68

    created = pd.to_datetime(rd.created_at, format=TIMESTAMP)
    modified = pd.to_datetime(rd.last_modified, format=TIMESTAMP)
    # A repo dated at the Hub's floor may have been modified before it (the real file has
    # KoboldAI/GPT-J-6B-Adventure: created 2022-03-02 23:29:04, last modified 2021-12-24).
    at_floor = rd.created_at == "2022-03-02 23:29:04+00:00"
    assert ((modified >= created) | at_floor).all()
    assert modified.max() <= pd.Timestamp("2024-04-18", tz="UTC")
    in_window = created.between(pd.Timestamp("2023-01-01", tz="UTC"), pd.Timestamp("2024-04-30", tz="UTC"))
    assert in_window.mean() >= 0.95
    # Growth over time: the boom starts in December 2023.
    per_month = created.dt.strftime("%Y-%m").value_counts()
    assert per_month["2024-01"] > per_month["2023-09"] > per_month["2023-03"]

    first = pd.to_datetime(cd.first_commit, format=TIMESTAMP)
    last = pd.to_datetime(cd.last_commit, format=TIMESTAMP)
    assert (last >= first).all()
    assert first.min() >= pd.Timestamp("2019-01-01", tz="UTC")
    assert last.max() <= pd.Timestamp("2024-05-20", tz="UTC")
    authors = cd.authors.map(literal)
    assert (authors.map(len) == cd.num_of_authors.astype(int)).all()
    assert (cd.num_of_commits.astype(int) >= cd.num_of_authors.astype(int)).all()
    assert (authors.map(lambda a: len(set(a)) == len(a))).all()


# -- shapes --------------------------------------------------------------------------------------


def test_scale_one_has_about_the_real_sizes(snapshot_dir, real_snapshot_dir):
    for name in FILE_NAMES.values():
        ours, real = data_rows(snapshot_dir / name), data_rows(real_file(real_snapshot_dir, name))
        assert abs(ours - real) <= 0.1 * real, name


def test_type_and_architecture_mix(frames):
    lb = frames["leaderboard"]
    types = lb.Type.value_counts(normalize=True)
    for emoji, share in {"🔶": 0.58, "💬": 0.20, "🤝": 0.13, "🟢": 0.06, "🟩": 0.01, "?": 0.02}.items():
        assert abs(types[emoji] - share) <= max(0.3 * share, 0.01), emoji
    arch = lb.Architecture.value_counts(normalize=True)
    assert arch["LlamaForCausalLM"] > 0.25 and arch["MistralForCausalLM"] > 0.25
    for name in ("MixtralForCausalLM", "Unknown", "?", "GPT2LMHeadModel", "GPTNeoXForCausalLM",
                 "Qwen2ForCausalLM", "GemmaForCausalLM", "PhiForCausalLM", "OPTForCausalLM"):  # fmt: skip
        assert arch.get(name, 0) > 0.003, name
    assert lb.Architecture.nunique() >= 15  # and a tail of others
    params = lb.groupby("Architecture")["#Params (B)"].agg(lambda s: s.value_counts().index[0])
    assert params["MistralForCausalLM"] == "7.0"
    assert params["PhiForCausalLM"] == "2.0"
    assert (lb.loc[lb.Architecture == "MixtralForCausalLM", "#Params (B)"] == "46.0").any()


def test_authors_and_commit_authors_are_pareto_distributed(frames):
    orgs = frames["leaderboard"].model_name_for_query.drop_duplicates().str.split("/").str[0]
    per_org = orgs.value_counts()
    assert per_org.median() <= 4 and per_org.max() >= 10 * per_org.median()
    people = frames["commit_data"].authors.map(literal).explode()
    humans = people[~people.isin(BOTS) & ~people.str.lower().str.endswith("bot")].value_counts()
    top = humans.head(max(len(humans) // 100, 1)).sum()
    assert top / humans.sum() >= 0.08  # the top 1% of authors hold a big share of repos


def test_fine_tunes_mostly_improve_on_their_declared_base(frames):
    improvements, _ = improvement_marts(frames)
    for emoji in ("🔶", "💬"):
        of_type = improvements[improvements.Type == emoji]
        assert len(of_type) >= 50, emoji
        assert (of_type.improvement > 0).mean() >= 0.6, emoji
    assert improvements.base_model_id.value_counts().iloc[0] >= 30  # a popular base


def test_family_seed_names_appear(frames):
    names = (
        frames["leaderboard"].model_name_for_query.str.split("/").str[-1].str.lower()
        .str.replace(r"[-_.]", "", regex=True)
    )  # fmt: skip
    for pattern in ("llama3", "mistral7b", "mixtral8x7b", "llama27b", "phi2", "llama7b", "llama2"):
        assert names.str.contains(pattern).sum() >= 5, pattern


# -- quirks --------------------------------------------------------------------------------------


def test_inverted_flags(frames):
    lb = frames["leaderboard"]
    models = lb[lb.model_name_for_query != "baseline"]
    flagged = (models.Flagged == "False").mean()
    assert 0.005 <= flagged <= 0.05  # raw False = flagged, a few percent
    merged = models.Merged == "False"
    assert merged.mean() > 0.1
    assert merged[models.Type == "🤝"].mean() > 0.5  # merges mostly carry the (inverted) flag
    moe = models.MoE == "False"
    assert moe[models.Architecture == "MixtralForCausalLM"].mean() > 0.5
    assert moe[models.Architecture == "MistralForCausalLM"].mean() < 0.05


def test_leaderboard_has_duplicate_rows_and_case_variants(frames):
    lb = frames["leaderboard"]
    ids = lb.model_name_for_query
    repeated = lb[ids.duplicated(keep=False)]
    assert 0.03 <= ids.duplicated().mean() <= 0.08
    per_model = repeated.groupby("model_name_for_query")
    assert (per_model.Precision.nunique() > 1).mean() > 0.9
    assert (per_model["Average ⬆️"].nunique() > 1).mean() > 0.5
    variants = ids.drop_duplicates()
    assert variants.str.lower().duplicated().sum() >= 3  # same model, another letter case
    averages = pd.to_numeric(lb["Average ⬆️"])
    assert averages.is_monotonic_decreasing  # the page's order


def test_baseline_and_legacy_rows(frames):
    lb = frames["leaderboard"]
    baseline = lb[lb.model_name_for_query == "baseline"]
    assert len(baseline) == 1
    row = baseline.iloc[0]
    assert row.Type == "None" and row.TypeString == ""
    assert row.ModelHub.startswith("https://huggingface.co/spaces/")
    for column in ("Architecture", "Weight type", "Precision", "Hub License", "#Params (B)", "Hub ❤️",
                   "Available on the hub", "MoE"):  # fmt: skip
        assert row[column] == "None", column
    assert (row.Flagged, row.Merged, row["Model sha"]) == ("False", "False", "N/A")
    assert LEGACY_IDS <= set(lb.model_name_for_query)
    assert (lb.model_name_for_query.str.contains("/") | lb.model_name_for_query.isin(LEGACY_IDS | {"baseline"})).all()


def test_some_leaderboard_models_have_no_repo_details(frames):
    lb = set(frames["leaderboard"].model_name_for_query.str.lower()) - {"baseline"}
    rd = set(frames["repo_details"].name.str.lower())
    missing = lb - rd
    assert 0.05 <= len(missing) / len(lb) <= 0.2
    assert rd - lb  # and a few repos that never reached the leaderboard


def test_case_differences_between_files(frames):
    lb = set(frames["leaderboard"].model_name_for_query)
    rd = frames["repo_details"].name
    differs_in_case_only = rd[~rd.isin(lb) & rd.str.lower().isin({i.lower() for i in lb})]
    assert differs_in_case_only.nunique() >= 10
    bases = frames["repo_details"].base_model
    plain = bases[~bases.str.startswith("[") & ~bases.isin(["", "unknown"])]
    assert (~plain.isin(lb) & plain.str.lower().isin({i.lower() for i in lb})).sum() >= 5


def test_repo_details_duplicates(frames):
    rd = frames["repo_details"]
    counts = rd.name.value_counts()
    assert 0.03 <= (counts > 1).mean() <= 0.08
    repeated = rd[rd.name.isin(counts[counts > 1].index)].groupby("name")
    differing = repeated.created_at.nunique() > 1
    assert 0.02 <= differing.mean() <= 0.3
    assert (repeated.last_modified.nunique() > 1)[differing].all()


def test_base_model_and_dataset_declarations(frames):
    rd = frames["repo_details"]
    base, datasets, tags = rd.base_model, rd.datasets, rd.tags
    lists = base[base.str.startswith("[") & (base != "[]")].map(literal)
    assert (lists.map(len) == 2).sum() >= 50
    assert (lists.map(len) == 1).sum() >= 10
    assert (base == "unknown").sum() >= 50 and (base == "[]").sum() >= 10 and (base == "").mean() > 0.5
    assert (~base.str.startswith("[") & ~base.isin(["", "unknown"])).sum() >= 100  # plain ids
    assert tags.str.contains("'base_model:[^f]", regex=True).sum() >= 200
    assert tags.str.contains("'base_model:finetune:").sum() >= 5
    assert (datasets.str.startswith("[")).sum() >= 500 and (datasets == "unknown").sum() >= 50
    assert (datasets == "").mean() > 0.4
    assert (~datasets.str.startswith("[") & ~datasets.isin(["", "unknown"])).sum() >= 5  # plain ids
    for column in ("tags", "datasets", "base_model", "language"):
        values = rd[column][rd[column].str.startswith("[")]
        values.map(literal)  # every list literal parses
    assert tags.str.endswith("'region:us']").all()


def test_commit_authors_include_bots(frames):
    people = set(frames["commit_data"].authors.map(literal).explode())
    assert BOTS <= people
    assert any(p.lower().endswith("bot") and p not in BOTS for p in people)  # other *bot accounts
    assert any(" " in p for p in people)  # display names
    assert set(frames["commit_data"].name) <= set(frames["leaderboard"].model_name_for_query)


def test_no_real_names_are_copied(frames, real_snapshot_dir):
    real = read_snapshot(real_snapshot_dir)
    allowed = LEGACY_IDS | {"baseline"}
    ours = set(frames["leaderboard"].model_name_for_query.str.lower()) | set(frames["repo_details"].name.str.lower())
    theirs = set(real["leaderboard"].model_name_for_query.str.lower()) | set(real["repo_details"].name.str.lower())
    assert ours & theirs <= allowed
    orgs = {i.split("/")[0] for i in ours if "/" in i}
    assert not orgs & {i.split("/")[0] for i in theirs if "/" in i}
    people = set(frames["commit_data"].authors.map(literal).explode().str.lower())
    real_people = set(real["commit_data"].authors.map(literal).explode().str.lower())
    assert people & real_people <= {b.lower() for b in BOTS}


# -- small scales: every mart still has rows ---------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_scale_still_fills_every_mart(tmp_path, seed):
    generate_snapshot(tmp_path, seed=seed, scale=0.05)
    small = read_snapshot(tmp_path)
    improvements, per_dataset = improvement_marts(small)
    assert set(improvements.Type) == {"🔶", "💬"}
    assert len(per_dataset) >= 1
    rd = small["repo_details"]
    assert rd.created_at.nunique() > 100  # weekly marts
    names = small["leaderboard"].model_name_for_query.str.lower().str.replace(r"[-_.]", "", regex=True)
    assert names.str.contains("mistral7b").any() and names.str.contains("llama27b").any()
    people = small["commit_data"].authors.map(literal).explode()
    assert (~people.isin(BOTS)).sum() > 10


# -- determinism, scaling, atomic writes -------------------------------------------------------------


def test_same_seed_and_scale_give_identical_bytes(tmp_path):
    a, b, c = (generate_snapshot(tmp_path / d, seed=s, scale=0.1) for d, s in (("a", 5), ("b", 5), ("c", 6)))
    for key in FILE_NAMES:
        assert a[key].read_bytes() == b[key].read_bytes(), key
        assert a[key].read_bytes() != c[key].read_bytes(), key


def test_scale_multiplies_row_counts(tmp_path):
    small = generate_snapshot(tmp_path / "small", seed=3, scale=0.1)
    large = generate_snapshot(tmp_path / "large", seed=3, scale=0.4)
    for key in FILE_NAMES:
        ratio = data_rows(large[key]) / data_rows(small[key])
        assert 3.4 <= ratio <= 4.6, (key, ratio)


def test_rejects_a_non_positive_scale(tmp_path):
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, scale=0)


def test_ensure_reuses_matching_files_and_regenerates_otherwise(tmp_path):
    out = ensure_generated_snapshot(tmp_path / "gen", seed=4, scale=0.05)
    marker = json.loads((out / MARKER_NAME).read_text())
    assert marker["generator_version"] == GENERATOR_VERSION
    assert (marker["seed"], marker["scale"]) == (4, 0.05)
    leaderboard = out / "leaderboard.csv"
    stamp = leaderboard.stat().st_mtime_ns
    os.utime(leaderboard, ns=(stamp - 10**9, stamp - 10**9))
    stamp = leaderboard.stat().st_mtime_ns

    ensure_generated_snapshot(out, seed=4, scale=0.05)
    assert leaderboard.stat().st_mtime_ns == stamp  # reused, not rewritten

    original = leaderboard.read_bytes()
    leaderboard.write_bytes(original[: len(original) // 2])  # a half-written file
    ensure_generated_snapshot(out, seed=4, scale=0.05)
    assert leaderboard.read_bytes() == original

    ensure_generated_snapshot(out, seed=5, scale=0.05)
    assert json.loads((out / MARKER_NAME).read_text())["seed"] == 5
    assert leaderboard.read_bytes() != original
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER_NAME, TRUTH_NAME, *FILE_NAMES.values(), *DATASET_FILE_NAMES.values()])


def test_a_failed_write_leaves_the_previous_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "leaderboard.csv"
    target.write_bytes(b"previous")

    def explode(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        generator._write_atomic(target, explode)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["leaderboard.csv"]


def test_generate_drops_a_stale_marker(tmp_path):
    ensure_generated_snapshot(tmp_path, seed=1, scale=0.05)
    generate_snapshot(tmp_path, seed=2, scale=0.05)
    assert not (tmp_path / MARKER_NAME).exists()


def test_cli_writes_the_three_files(tmp_path, capsys):
    assert generator.main(["--out", str(tmp_path), "--seed", "9", "--scale", "0.05"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == set(FILE_NAMES) | set(DATASET_FILE_NAMES)
    assert all(Path(p).is_file() for p in printed.values())
    assert json.loads((tmp_path / MARKER_NAME).read_text())["seed"] == 9


# -- the final v1 table's layout (leaderboard_v1_final.csv) -------------------------------------------

FINAL_SCORES = ["average", "arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"]


@pytest.fixture(scope="module")
def final(snapshot_dir) -> pd.DataFrame:
    return pd.read_csv(snapshot_dir / "leaderboard_v1_final.csv", dtype=str, keep_default_na=False)


def test_the_final_table_names_agree_across_settings_generator_and_reader():
    from orchestration.settings import V1_DATASET_FILE_NAME, V1_FINAL_TABLE_FILE_NAME, V1_SOURCES
    from orchestration.synthetic.snapshot import FINAL_TABLE_COLUMNS
    from orchestration.defs.paper_snapshot.reader import LEADERBOARD_LAYOUTS, LEADERBOARD_V1_DATASET, LEADERBOARD_V1_FINAL

    assert tuple(LEADERBOARD_LAYOUTS) == V1_SOURCES
    assert LEADERBOARD_V1_FINAL.file_name == V1_FINAL_TABLE_FILE_NAME == FILE_NAMES["leaderboard_v1_final"]
    assert LEADERBOARD_V1_DATASET.file_name == V1_DATASET_FILE_NAME == DATASET_FILE_NAMES["leaderboard_v1_dataset"]
    # every column of the final table is loaded, except `model` (the display name, = fullname)
    assert set(FINAL_TABLE_COLUMNS) - set(LEADERBOARD_V1_FINAL.columns) == {"model"}


def test_the_final_table_has_the_scrapes_rows_without_the_baseline(frames, final):
    board = frames["leaderboard"]
    models = board[board.model_name_for_query != "baseline"].reset_index(drop=True)
    assert len(final) == len(models)
    assert (final.fullname == models.model_name_for_query).all()
    assert (final.model == final.fullname).all()
    assert (final.url == models.ModelHub).all()
    assert (final.t == models.Type).all() and (final.type == models.TypeString).all()
    assert (final.model_sha == models["Model sha"]).all() and (final.precision == models.Precision).all()
    for ours, theirs in zip(FINAL_SCORES, SCORES):
        assert (pd.to_numeric(final[ours]) == pd.to_numeric(models[theirs])).all(), ours
    assert (pd.to_numeric(final.params_b) == pd.to_numeric(models["#Params (B)"])).all()
    # likes only grow between May and July, for some models
    growth = pd.to_numeric(final.hub_hearts) - pd.to_numeric(models["Hub ❤️"])
    assert (growth >= 0).all() and 0.05 < (growth > 0).mean() < 0.25


def test_the_final_tables_flags_are_inverted_like_the_scrapes(frames, final):
    """TRUE/FALSE for True/False, the same inversion (FALSE = flagged / merged / MoE); a few
    models were flagged after the May scrape, none unflagged."""
    models = frames["leaderboard"].query("model_name_for_query != 'baseline'").reset_index(drop=True)
    spelled = {"True": "TRUE", "False": "FALSE"}
    for ours, theirs in (("merged", "Merged"), ("moe", "MoE"), ("available_on_the_hub", "Available on the hub")):
        assert (final[ours] == models[theirs].map(spelled)).all(), ours
    changed = final.flagged != models.Flagged.map(spelled)
    assert (final.flagged[changed] == "FALSE").all()
    assert 1 <= final.fullname[changed].str.lower().nunique() <= 15


def test_the_final_tables_value_formats(snapshot_dir, final):
    for column in FINAL_SCORES + ["params_b"]:
        assert final[column].str.fullmatch(r"\d+(\.\d{1,2})?").all(), column
        assert not final[column].str.endswith(".0").any(), column  # 72, not 72.0
    assert final.hub_hearts.str.fullmatch(r"\d+").all()
    for column in ("merged", "flagged", "moe", "available_on_the_hub"):
        assert set(final[column]) == {"TRUE", "FALSE"}, column
    dates = final.date[final.date != ""]
    iso = dates.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert dates[~iso].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}").all()  # a few naive, as in July
    assert 1 <= (~iso).sum() <= 10 and 1 <= (final.date == "").sum() <= 50
    parsed = pd.to_datetime(dates, format="ISO8601", utc=True)
    assert parsed.min() >= pd.Timestamp("2023-07-19", tz="UTC")
    assert parsed.max() <= pd.Timestamp("2024-06-16", tz="UTC")


def test_the_final_table_is_quoted_as_r_writes_it(snapshot_dir):
    """Empty strings are quoted (`""`), missing values (the scrape's `None` licence) are bare
    empty fields, and fields holding a comma are quoted; nothing else is. LF line ends."""
    import re

    text = (snapshot_dir / "leaderboard_v1_final.csv").read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    lines = text.split("\n")[:-1]
    header = lines[0].split(",")
    seen = {"quoted empty": 0, "bare empty": 0, "quoted comma": 0}
    for line in lines[1:]:
        tokens = re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,"]*)', line)
        assert len(tokens) == len(header) == 24, line
        for column, token in zip(header, tokens):
            if token == "":
                assert column == "hub_license", line  # only a missing licence is NA
                seen["bare empty"] += 1
            elif token.startswith('"'):
                inner = token[1:-1]
                assert inner == "" or "," in inner, token
                seen["quoted empty" if inner == "" else "quoted comma"] += 1
    assert min(seen.values()) > 10, seen


# -- the v1 dataset's parquet (leaderboard_v1.parquet) -----------------------------------------------


def test_the_dataset_parquet_has_the_documented_schema_and_the_final_tables_rows(snapshot_dir, final):
    """open-llm-leaderboard-old/contents' 26 columns, in order and typed (the dataset card at
    50df5643…, docs/sources.md), holding the final table's rows: the same ids, scores, likes and
    dates, the flags as stored inverted as the CSV's, `Model` the anchor to `url`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(snapshot_dir / DATASET_FILE_NAMES["leaderboard_v1_dataset"])
    expected = [
        ("eval_name", "string"), ("Precision", "string"), ("Type", "string"), ("T", "string"),
        ("Weight type", "string"), ("Architecture", "string"), ("Model", "string"), ("fullname", "string"),
        ("Model sha", "string"), ("Average ⬆️", "double"), ("Hub License", "string"), ("Hub ❤️", "int64"),
        ("#Params (B)", "int64"), ("Available on the hub", "bool"), ("Merged", "bool"), ("MoE", "bool"),
        ("Flagged", "bool"), ("date", "string"), ("Chat Template", "bool"), ("ARC", "double"),
        ("HellaSwag", "double"), ("MMLU", "double"), ("TruthfulQA", "double"), ("Winogrande", "double"),
        ("GSM8K", "double"), ("Maintainers Choice", "bool"),
    ]  # fmt: skip
    assert [(f.name, str(f.type)) for f in table.schema] == expected
    data = table.to_pandas()
    assert len(data) == len(final)
    assert (data["fullname"] == final.fullname).all()
    assert (data["eval_name"] == final.fullname.str.replace("/", "_", n=1) + "_" + final.precision).all()
    for ours, theirs in (("Average ⬆️", "average"), ("ARC", "arc"), ("GSM8K", "gsm8k"), ("#Params (B)", "params_b"),
                         ("Hub ❤️", "hub_hearts")):
        assert (data[ours] == pd.to_numeric(final[theirs])).all(), ours
    for ours, theirs in (("Merged", "merged"), ("MoE", "moe"), ("Flagged", "flagged"),
                         ("Available on the hub", "available_on_the_hub")):
        assert (data[ours].map({True: "TRUE", False: "FALSE"}) == final[theirs]).all(), ours
    assert (data["T"] == final.t).all() and (data["Type"].fillna("") == final.type).all()
    assert (data["date"].fillna("") == final.date).all() and (data["Hub License"].fillna("") == final.hub_license).all()
    hrefs = data["Model"].str.extract(r'href="([^"]*)"', expand=False)
    assert (hrefs == final.url).all() and data["Model"].str.contains("open-llm-leaderboard/details_").all()
    assert table.column("Chat Template").null_count == table.column("Maintainers Choice").null_count == len(final)
    assert pa.types.is_boolean(table.schema.field("Flagged").type)


def test_evaluations_come_after_the_model_was_created(frames, final):
    created = frames["repo_details"].assign(model_id=lambda f: f.name.str.lower()).groupby("model_id").created_at.min()
    dated = final[final.date != ""].assign(model_id=lambda f: f.fullname.str.lower())
    evaluated = pd.to_datetime(dated.date, format="ISO8601", utc=True)
    created_at = pd.to_datetime(dated.model_id.map(created), format=TIMESTAMP)
    known = created_at.notna()
    assert known.mean() > 0.8
    assert (evaluated[known] >= created_at[known]).all()
    assert (evaluated[known] - created_at[known]).median() < pd.Timedelta(days=14)


def test_the_generated_final_table_passes_its_gate(snapshot_dir, tmp_path):
    import duckdb

    from orchestration.checks.raw_checks import validate_raw_table
    from orchestration.defs.paper_snapshot.reader import LEADERBOARD_V1_FINAL, load_snapshot_file

    outcomes = []
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        load_snapshot_file(
            conn, LEADERBOARD_V1_FINAL, snapshot_dir / "leaderboard_v1_final.csv",
            audit=lambda c, t: outcomes.append(validate_raw_table(c, "leaderboard", t, layout="final_table"))
            or outcomes[-1].success,
        )
    assert outcomes[-1].success, outcomes[-1].summary
