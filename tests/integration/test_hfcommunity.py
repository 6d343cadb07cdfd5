"""The HFCommunity dump through the real `build_warehouse` job: the generated dump as HFCommunity
publishes it (a .zip holding a MariaDB dump, schema v1.1) by default, and a v1.0 dump of the same
content by WAREHOUSE_HFCOMMUNITY_DUMP (the project's CSV export loads the same raw rows as the zip:
tests/unit/test_hfcommunity_reader.py, so no run of its own); the Hub-wide marts
checked against values computed from the generator's CSV export of the same content in pandas (no
project SQL), and a truncated dump that fails its load naming file and line, leaving the
published warehouse and every raw.hfc_* table as they were."""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.synthetic.hfcommunity import CSV_DIR_NAME, SQL_DUMP_NAME, SQL_MEMBER_NAME, generate_hfcommunity
from orchestration.defs.hfcommunity.reader import HFC_TABLES, raw_table_name
from tests.integration.harness import (
    HUB_MARTS,
    PublishedState,
    check_evaluations,
    materialized_keys,
    run_warehouse,
)

RAW_KEYS = {f"raw/{raw_table_name(table)}" for table in HFC_TABLES}
HFC_DBT_KEYS = {
    *(f"staging/stg_hfc_{table}" for table in HFC_TABLES),
    "intermediate/int_hfc_commit_authors",
    "intermediate/int_hfc_repositories",
    "intermediate/int_hfc_model_families",
    *(f"marts/{mart}" for mart in HUB_MARTS),
}


def is_bot(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in ("system", "leaderboard-pr-bot") or lowered.endswith("bot")


class HubReference:
    """The Hub-wide marts read straight off the generator's per-table CSV export (the v1.1
    dump's columns): commit instants from author_date + author_tz (seconds west of UTC), cards
    as YAML (`None` without one)."""

    def __init__(self, csv_dir: Path):
        def table(name: str) -> pd.DataFrame:
            return pd.read_csv(csv_dir / f"{name}.csv", dtype=str, keep_default_na=False)

        repos = table("repository")
        models = repos[repos["type"] == "model"].copy()
        models["model_id"] = models["id"].str.removeprefix("models/").str.strip().str.lower()
        self.model_of = dict(zip(models["id"], models["model_id"], strict=True))

        commits = table("commits")
        commits = commits[commits["repo_id"].isin(self.model_of) & ~commits["author_name"].map(is_bot)].copy()
        commits["model_id"] = commits["repo_id"].map(self.model_of)
        commits["author"] = commits["author_name"]
        commits["at"] = pd.to_datetime(commits["author_date"], utc=True) + pd.to_timedelta(commits["author_tz"].astype(int), unit="s")
        pairs = commits.groupby(["model_id", "author"])["at"].min().reset_index()
        self.authors_per_repo = pairs.groupby("model_id").size().sort_index()
        self.repos_per_author = pairs.groupby("author").size().sort_index()
        first = pairs.groupby("author")["at"].min()
        months = first.dt.tz_localize(None).dt.to_period("M")
        self.new_authors_by_month = months.value_counts().sort_index()

        self.family_of = self._families(models, table("tags_in_repo"))
        threads = table("discussion")
        threads = threads[threads["repo_id"].isin(self.model_of)].copy()
        threads["family"] = threads["repo_id"].map(self.model_of).map(self.family_of)
        threads = threads[threads["family"].notna()]
        threads["month"] = pd.to_datetime(threads["created_at"], utc=True, format="ISO8601").dt.tz_localize(None).dt.to_period("M")
        threads["pr"] = threads["is_pull_request"] == "1"
        self.threads = threads

    def _families(self, models: pd.DataFrame, tags: pd.DataFrame) -> dict[str, str | None]:
        """Lineage roots through card and tag declarations, then the seed's name rule with sizes
        read from names."""
        declared: dict[str, set[str]] = {}
        for model_id, card in zip(models["model_id"], models["card_data"], strict=True):
            base = yaml.safe_load(card).get("base_model") if card and card != "None" else None
            for value in [base] if isinstance(base, str) else base or []:
                declared.setdefault(model_id, set()).add(value.strip().lower())
        for tag, repo_id in zip(tags["tag_name"], tags["repo_id"], strict=True):
            if tag.lower().startswith("base_model:") and repo_id in self.model_of:
                declared.setdefault(self.model_of[repo_id], set()).add(tag.rsplit(":", 1)[1].strip().lower())
        declared = {m: {b for b in bases if b and b != m} for m, bases in declared.items()}
        declared = {m: bases for m, bases in declared.items() if bases}
        seed = pd.read_csv(DBT_PROJECT_DIR / "seeds" / "base_model_families.csv").sort_values("priority")

        def family_of_root(root: str) -> tuple[int, str] | None:
            name = re.sub(r"[-_.]", "", root.split("/")[-1])
            for row in seed.itertuples():
                sized = pd.isna(row.params_b_rounded) or re.search(r"[0-9]b$", row.pattern) or f"{int(row.params_b_rounded)}b" in name
                if row.pattern in name and sized:
                    return int(row.priority), row.family
            return None

        families = {}
        for model_id in models["model_id"]:
            if model_id not in declared:
                roots = {model_id}
            else:
                seen, stack = set(), list(declared[model_id])
                while stack:
                    ancestor = stack.pop()
                    if ancestor not in seen:
                        seen.add(ancestor)
                        stack.extend(declared.get(ancestor, ()))
                roots = {a for a in seen if a not in declared}
            found = sorted((f, root) for root in roots if (f := family_of_root(root)) is not None)
            families[model_id] = found[0][0][1] if found else None
        return families

    def activity(self) -> pd.DataFrame:
        grouped = self.threads.groupby(["family", "month"])
        frame = pd.DataFrame(
            {
                "discussions": grouped["pr"].apply(lambda pr: int((~pr).sum())),
                "pull_requests": grouped["pr"].sum().astype(int),
                "merged_pull_requests": grouped.apply(lambda g: int((g["pr"] & (g["status"] == "merged")).sum()), include_groups=False),
                "repos": grouped["repo_id"].nunique(),
            }
        )
        return frame.sort_index()


@pytest.fixture(scope="module")
def built(generated_build):
    """The session's build of the generated default (its HFCommunity input is the SQL dump)."""
    return generated_build.settings, generated_build.results["core"]


def published_mart(settings, mart: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(f"select * from marts.{mart}").df()


def assert_hub_marts_match(reference: HubReference, read) -> None:
    per_repo = read("hub_authors_per_repo").set_index("model_id")["authors"].sort_index()
    assert per_repo.to_dict() == reference.authors_per_repo.to_dict()
    per_author = read("hub_repos_per_author").set_index("author")["repos"].sort_index()
    assert per_author.to_dict() == reference.repos_per_author.to_dict()

    over_time = read("hub_authors_over_time")
    months = pd.to_datetime(over_time["month_start"]).dt.to_period("M")
    new = dict(zip(months, over_time["new_authors"], strict=True))
    assert {m: n for m, n in new.items() if n} == reference.new_authors_by_month.to_dict()
    assert list(months) == list(pd.period_range(months.min(), months.max(), freq="M"))
    assert over_time.sort_values("month_start")["total_authors"].iloc[-1] == len(reference.repos_per_author)

    activity = read("discussion_activity_per_family")
    activity["month"] = pd.to_datetime(activity["month_start"]).dt.to_period("M")
    got = activity.set_index(["family", "month"])[["discussions", "pull_requests", "merged_pull_requests", "repos"]]
    expected = reference.activity()
    assert len(expected) > 10 and expected["pull_requests"].sum() > 50
    pd.testing.assert_frame_equal(got.sort_index().astype("int64"), expected.astype("int64"), check_names=False)


def test_generated_sql_dump_feeds_the_hub_wide_marts_and_figures(built, tmp_path):
    settings, result = built
    assert result.success
    done = materialized_keys(result)
    assert RAW_KEYS | HFC_DBT_KEYS | {"published/warehouse"} <= done
    assert {f"figures/{mart}" for mart in HUB_MARTS} <= done
    checks = check_evaluations(result)
    for key in RAW_KEYS:
        name = key.split("/")[1]
        assert checks[f"{key}:{name}_expectations"].passed
    for mart in HUB_MARTS:
        assert (settings.figures_dir / f"{mart}.png").stat().st_size > 10_000
    reference = HubReference(same_content_export(settings, tmp_path))
    assert_hub_marts_match(reference, lambda mart: published_mart(settings, mart))
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        (source_file,) = conn.execute("select distinct _source_file from raw.hfc_commits").fetchone()
        created = conn.execute("select count(created_at), count(*), bool_and(created_at_exact) from intermediate.int_hfc_repositories").fetchone()
    assert source_file == f"{settings.hfcommunity_dump_path}!/{SQL_MEMBER_NAME}" and settings.hfcommunity_dump_path.name == SQL_DUMP_NAME
    assert created[0] == created[1] > 0 and created[2]  # every repo dated by its first commit, exactly


def same_content_export(settings, out: Path, **options) -> Path:
    """The generator's CSV export of the content the run's dump holds (same seed and scale)."""
    generate_hfcommunity(out, seed=settings.generator_seed, scale=settings.generator_scale, forms=("csv",), **options)
    return out / CSV_DIR_NAME


def working_mart_reader(settings):
    def working_mart(mart: str) -> pd.DataFrame:
        with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
            return conn.execute(f"select * from marts.{mart}").df()

    return working_mart


def test_a_v1_0_dump_gives_the_marts_of_the_same_content(generated_build, tmp_path, monkeypatch):
    """A 2023 dump (schema v1.0: commits without repo or zone, `file` + `files_in_commit`, cards
    as dict reprs) of the generated Hub gives the marts computed from the v1.1 export of the same
    content (commits at UTC: v1.0 kept no zone)."""
    settings0 = generated_build.settings
    dump_dir = tmp_path / "v1.0"
    generate_hfcommunity(dump_dir, seed=settings0.generator_seed, scale=settings0.generator_scale, forms=("zip",),
                         schema_version="v1.0", time_zones=False)  # fmt: skip
    with zipfile.ZipFile(dump_dir / SQL_DUMP_NAME) as archive:
        text = archive.read(SQL_MEMBER_NAME).decode()
    assert "CREATE TABLE `file` (" in text and "`timestamp` timestamp" in text and "CREATE TABLE `repo_file`" not in text
    reference = HubReference(same_content_export(settings0, tmp_path / "export", time_zones=False))
    settings = generated_build.copy(tmp_path / "w", monkeypatch, WAREHOUSE_HFCOMMUNITY_DUMP=str(dump_dir / SQL_DUMP_NAME))
    result = run_warehouse(settings, only=RAW_KEYS | HFC_DBT_KEYS)
    assert result.success
    assert_hub_marts_match(reference, working_mart_reader(settings))


def test_a_truncated_dump_fails_naming_file_and_line_and_changes_nothing(generated_build, tmp_path, monkeypatch):
    source = generated_build.settings
    truncated = tmp_path / "truncated.sql.gz"
    with zipfile.ZipFile(source.hfcommunity_generated_dir / SQL_DUMP_NAME) as archive:
        text = archive.read(SQL_MEMBER_NAME).decode()
    cut = text.index("INSERT INTO `discussion`") + 300  # inside a row of the discussion table
    truncated.write_bytes(gzip.compress(text[:cut].encode()))
    cut_line = text[:cut].count("\n") + 1

    settings = generated_build.copy(tmp_path / "w", monkeypatch, WAREHOUSE_HFCOMMUNITY_DUMP=str(truncated))
    before = PublishedState.of(settings)
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        raw_before = conn.execute("select count(*), min(_loaded_at) from raw.hfc_discussion").fetchone()

    result = run_warehouse(settings, only=RAW_KEYS | HFC_DBT_KEYS | {"published/warehouse"})
    assert not result.success
    failures = [event for event in result.all_events if event.is_step_failure]
    assert len(failures) == 1
    message = failures[0].event_specific_data.error.message
    assert str(truncated) in message and f"line {cut_line}" in message and "`discussion`" in message
    assert not (materialized_keys(result) & (RAW_KEYS | HFC_DBT_KEYS | {"published/warehouse"}))
    assert PublishedState.of(settings) == before
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*), min(_loaded_at) from raw.hfc_discussion").fetchone() == raw_before
