"""The weekly v2 leaderboard end to end on the 31 real snapshots: a one-run backfill, week by
week runs and a full refresh give one history; a re-run changes nothing; the November 2024
MATH re-scoring and attribute changes (licenses, base models, the January 2025 params recount)
appear as versions, counted independently from the files; an unknown header blocks its week
and everything downstream, in that run and in later ones.

The one-run backfill is the session's `real_weekly_build`; tests that run again take a copy.
The history grown from an empty warehouse (out of order, week by week) is built once for the
module, and its first week run alone arrives with the unknown header."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from tests.conftest import REAL_FIRST_WEEK as FIRST_WEEK
from tests.conftest import REAL_LAST_WEEK as LAST_WEEK
from tests.conftest import make_settings
from tests.integration.harness import (
    PublishedState,
    check_evaluations,
    dbt_reparsed_because,
    materialized_keys,
    published_weekly_marts,
    run_warehouse,
    run_weekly,
    table_rows,
)
from tests.integration.paper_reference import PaperReference
from tests.integration.v2_reference import (
    all_evaluation_ids,
    attribute_changes,
    math_restatements,
    snapshot_files,
    v2_canon,
    v2_improvement_per_base,
    v2_lineage_agreement,
    v2_merge_share,
    v2_model_improvements,
    v2_weekly_models_by_type,
)

WEEKLY_ASSETS = {
    "raw/leaderboard_v2", "staging/stg_leaderboard_v2", "intermediate/int_leaderboard_v2_observations",
    "marts/leaderboard_v2_history", "marts/weekly_leaderboard_v2",
}


def all_weeks() -> list[str]:
    weeks, week = [], date.fromisoformat(FIRST_WEEK)
    while week <= date.fromisoformat(LAST_WEEK):
        weeks.append(week.isoformat())
        week = date.fromordinal(week.toordinal() + 7)
    return weeks


@pytest.fixture(scope="module")
def backfilled(real_weekly_build):
    """Every real week loaded, audited and published by one backfill run: (settings, run)."""
    return real_weekly_build.settings, real_weekly_build.results["weekly"]


def test_one_run_backfill_loads_every_file_and_publishes(backfilled, real_weekly_dir):
    settings, result = backfilled
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        runs = instance.get_run_records()
    assert len(runs) == 1, "a backfill of 31 weeks is one run"
    assert materialized_keys(result) >= WEEKLY_ASSETS | {"published/warehouse"}
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        snapshots = conn.execute("select count(distinct snapshot_date), count(distinct _source_file) from raw.leaderboard_v2").fetchone()
    assert snapshots == (31, 31), "every file is its own snapshot, two-file weeks included"
    # Weeks without a file are reported as missing snapshots (a warning), not as empty weeks.
    present = check_evaluations(result)["raw/leaderboard_v2:leaderboard_v2_snapshot_present"]
    assert not present.passed and present.severity == dg.AssetCheckSeverity.WARN
    assert present.metadata["missing_weeks"].value == ["2024-08-25", "2024-09-08", "2024-09-22", "2024-11-24", "2024-12-08"]
    weekly = table_rows(settings.duckdb_path, "marts.weekly_leaderboard_v2")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        without = conn.execute(
            "select list(week_start::varchar order by week_start), count(*) filter (where evaluations_present is not null) "
            "from marts.weekly_leaderboard_v2 where not has_snapshot").fetchone()
        two = conn.execute("select list(week_start::varchar order by week_start) from marts.weekly_leaderboard_v2 where snapshots = 2").fetchone()[0]
    assert len(weekly) == len(all_weeks())
    assert without == (["2024-08-25", "2024-09-08", "2024-09-22", "2024-11-24", "2024-12-08"], 0)
    assert two == ["2024-09-01", "2024-09-15", "2024-09-29", "2024-12-01", "2025-01-26"]


def test_history_holds_every_evaluation_seen_in_any_file(backfilled, real_weekly_dir):
    settings, _ = backfilled
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        in_history = {row[0] for row in conn.execute("select distinct evaluation_id from marts.leaderboard_v2_history").fetchall()}
        current_per_evaluation = conn.execute(
            "select max(n) from (select count(*) filter (where is_current) n from marts.leaderboard_v2_history group by evaluation_id)"
        ).fetchone()[0]
    assert in_history == all_evaluation_ids(real_weekly_dir)
    assert current_per_evaluation == 1


def test_math_rescoring_of_november_2024_opens_versions_and_closes_the_old(backfilled, real_weekly_dir):
    settings, _ = backfilled
    expected = math_restatements(real_weekly_dir, date(2024, 11, 1), date(2024, 11, 9))
    assert len(expected) > 1000, "the bulk re-scoring touched most evaluations"
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        rows = conn.execute("""
            select new.evaluation_id, old.is_current, old.valid_to
            from marts.leaderboard_v2_history new
            join marts.leaderboard_v2_history old
              on old.evaluation_id = new.evaluation_id and old.valid_to = new.valid_from
            where new.valid_from = date '2024-11-09' and new.change_kind = 'restated'
              and round(old.math_lvl_5, 2) <> round(new.math_lvl_5, 2)
        """).fetchall()
    restated = {evaluation for evaluation, _, _ in rows}
    assert restated == expected
    assert all(not is_current and valid_to == date(2024, 11, 9) for _, is_current, valid_to in rows)
    weekly = dict(table_rows(settings.duckdb_path, "(select week_start, restated_evaluations from marts.weekly_leaderboard_v2)"))
    assert weekly[date(2024, 11, 3)] >= len(expected)


# Consecutive snapshots: the base model column appears (2024-09-01: nothing to compare it with,
# though some 700 evaluations show one), base models change (2024-09-29), params are recounted in
# bulk (2025-01-12).
ATTRIBUTE_CHANGES = [("2024-08-24", "2024-09-01"), ("2024-09-20", "2024-09-29"), ("2025-01-05", "2025-01-12")]


@pytest.mark.parametrize(("before", "after"), ATTRIBUTE_CHANGES)
def test_attribute_changes_open_versions_that_keep_the_old_values(backfilled, real_weekly_dir, before, after):
    settings, _ = backfilled
    expected = attribute_changes(real_weekly_dir, date.fromisoformat(before), date.fromisoformat(after))
    changed = set().union(*expected.by_attribute.values())
    assert changed, "the pair has attribute changes"
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        opened = conn.execute("""
            select new.evaluation_id, new.change_kind, old.is_current,
                   floor(old.params_b) is distinct from floor(new.params_b)
            from marts.leaderboard_v2_history new
            join marts.leaderboard_v2_history old
              on old.evaluation_id = new.evaluation_id and old.valid_to = new.valid_from
            where new.valid_from = ?
        """, [after]).fetchall()
    opened = [row for row in opened if row[0] in expected.compared]
    kind = {evaluation: change_kind for evaluation, change_kind, _, _ in opened}
    # One kind per version: a score restated the same day wins (its versions are tested above).
    restated = {evaluation for evaluation, change_kind in kind.items() if change_kind == "restated"}
    assert {evaluation for evaluation, change_kind in kind.items() if change_kind == "attributes_changed"} == changed - restated
    assert not any(is_current for _, _, is_current, _ in opened), "the old version is closed, not overwritten"
    params = {evaluation for evaluation, _, _, params_differ in opened if params_differ}
    assert params == expected.by_attribute["params_b"], "both params counts kept, one per version"


# -- The v2 canon and its marts against pandas over the latest real file ----------------------

# Published scores are doubles from text, improvements kept to six decimals.
SCORE_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def canon_reference(real_weekly_dir):
    """dim_models_v2 read again from the latest real file (2025-02-08) in pandas."""
    files = snapshot_files(real_weekly_dir)
    return v2_canon(files[max(files)])


def published_frame(settings, sql: str):
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        return conn.execute(sql).df()


def test_v2_canon_keeps_one_evaluation_per_model_of_the_latest_snapshot(backfilled, canon_reference):
    settings, _ = backfilled
    canon = published_frame(settings, "select * from marts.dim_models_v2").set_index("model_id").sort_index()
    expected = canon_reference.sort_index()
    assert list(canon.index) == list(expected.index)
    assert len(canon) == 3742 and (canon["as_of_snapshot_date"].astype(str) == "2025-02-08").all()
    for column in ("model_type", "base_model_status", "model_sha", "precision", "is_merged"):
        assert canon[column].tolist() == expected[column].tolist(), column
    assert canon["base_model_id"].fillna("∅").tolist() == expected["base_model_id"].fillna("∅").tolist()
    assert canon["generation"].astype("Int64").tolist() == expected["generation"].tolist()
    assert [None if pd.isna(d) else d.date() for d in canon["week_start"]] == expected["week_start"].tolist()
    for benchmark in ("average", "ifeval", "bbh", "math_lvl_5", "gpqa", "musr", "mmlu_pro"):
        assert (canon[benchmark] - expected[benchmark]).abs().max() < SCORE_TOLERANCE, benchmark
    # The rules at work on the real file: merges name themselves `org/m (Merge)`, multimodal kept apart.
    assert expected["base_model_status"].value_counts().to_dict() == {"self": 2729, "declared": 624, "removed": 389}
    assert (expected["model_type"] == "multimodal").sum() == 6


def test_v2_weekly_models_by_type_counts_submission_weeks(backfilled, canon_reference):
    settings, _ = backfilled
    mart = published_frame(settings, "select * from marts.weekly_models_by_type_v2")
    counted = {(row.week_start.date(), row.model_type): row.new_models for row in mart.itertuples()}
    assert counted == v2_weekly_models_by_type(canon_reference)
    assert set(mart["undated_models_left_out"]) == {int(canon_reference["week_start"].isna().sum())}


def test_v2_model_improvements_over_declared_bases_on_the_board(backfilled, canon_reference):
    settings, _ = backfilled
    mart = published_frame(settings, "select * from marts.model_improvements_v2")
    expected = v2_model_improvements(canon_reference)
    key = ["model_id", "benchmark"]
    both = mart.merge(expected, on=key, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", key + ["_merge"]].head()
    assert (both["base_model_id"] == both["base_model_id_expected"]).all()
    assert (both["model_type"] == both["model_type_expected"]).all()
    assert (both["improvement"] - both["improvement_expected"]).abs().max() < SCORE_TOLERANCE
    average = expected[expected["benchmark"] == "average"].groupby("model_type")["improvement"].mean()
    assert expected["model_id"].nunique() == 514
    assert round(average["fine_tuned"], 1) == 1.0 and round(average["chat"], 1) == 2.2


def test_v2_improvement_per_base_summarises_each_base(backfilled, canon_reference):
    settings, _ = backfilled
    mart = published_frame(settings, "select * from marts.benchmark_improvement_per_base_v2").set_index(["base_model_id", "benchmark"])
    expected = v2_improvement_per_base(v2_model_improvements(canon_reference))
    assert sorted(mart.index) == sorted(expected.index)
    mart = mart.loc[expected.index]
    assert mart["n_models"].tolist() == expected["n_models"].tolist()
    for column in ("mean_improvement", "median_improvement", "max_improvement", "share_improved"):
        assert (mart[column] - expected[column]).abs().max() < SCORE_TOLERANCE, column


def test_v2_merge_share_and_generation_depth_per_week(backfilled, canon_reference):
    settings, _ = backfilled
    mart = published_frame(settings, "select * from marts.merge_share_v2")
    mart.index = [d.date() for d in mart["week_start"]]
    expected = v2_merge_share(canon_reference)
    assert list(mart.index) == list(expected.index)
    for column in ("new_models", "merge_models", "merge_type_models", "merged_flag_models", "max_generation"):
        assert mart[column].tolist() == expected[column].astype(int).tolist(), column
    assert (mart["mean_generation"] - expected["mean_generation"]).abs().max() < SCORE_TOLERANCE
    assert int(expected["max_generation"].max()) == 10


def test_v2_lineage_agreement_with_the_paper_snapshot_hub_cards(real_weekly_build, canon_reference, real_snapshot_dir,
                                                                 tmp_path, monkeypatch):
    """A weekly-only warehouse has no Hub cards: the mart is empty there. With the paper
    snapshot's repo details loaded into a copy (their raw table and the three models to the
    declared bases, not the paper's whole build), the weekly job compares them."""
    assert published_frame(real_weekly_build.settings, "select count(*) n from marts.base_model_lineage_agreement_v2")["n"][0] == 0
    settings = real_weekly_build.copy(tmp_path, monkeypatch, WAREHOUSE_SNAPSHOT_DIR=str(real_snapshot_dir))
    hub_bases = {"raw/repo_details", "staging/stg_repo_details", "intermediate/int_repo_details",
                 "intermediate/int_declared_base_models"}
    assert run_warehouse(settings, only=hub_bases).success
    assert run_weekly(settings, None, LAST_WEEK, assets={"marts/base_model_lineage_agreement_v2"}).success
    with duckdb.connect(str(settings.working_duckdb_path), read_only=True) as conn:
        agrees = dict(conn.execute("select model_id, agrees from marts.base_model_lineage_agreement_v2").fetchall())
    expected = v2_lineage_agreement(canon_reference, PaperReference(real_snapshot_dir).declared_bases)
    assert agrees == expected
    assert (len(agrees), sum(agrees.values())) == (33, 28)


def test_rerunning_one_week_changes_nothing(real_weekly_build, tmp_path, monkeypatch):
    settings = real_weekly_build.copy(tmp_path, monkeypatch)
    before = published_weekly_marts(settings)
    raw_before = table_rows(settings.working_duckdb_path, "(select * exclude (_loaded_at) from raw.leaderboard_v2)")
    result = run_weekly(settings, None, "2024-11-03")
    assert result.success
    assert published_weekly_marts(settings) == before
    assert table_rows(settings.working_duckdb_path, "(select * exclude (_loaded_at) from raw.leaderboard_v2)") == raw_before


# The history grown from an empty warehouse in another order than the one run's: weeks from the
# middle first, then the start (earlier weeks after later ones), then a late file between them;
# then one week at a time where the history turns (the MATH re-scoring of November 2024, a week
# without a file), each run extending the history incrementally from its anchor; then the rest
# in one run that publishes. The late file comes before the weeks run one at a time: its run
# rebuilds the history from its week on, which would otherwise redo theirs.
MIDDLE, START, LATE = ("2024-08-18", "2024-10-27"), ("2024-07-07", "2024-08-04"), "2024-08-11"
ONE_AT_A_TIME = ("2024-11-03", "2024-11-10", "2024-11-17", "2024-11-24")
# The first week run alone arrives first with an unknown header, in the same history: the late
# file's run is the whole job, so the bad week has a publication to leave alone; so is the real
# file's run, which publishes the week.
UNKNOWN_HEADER_WEEK, UNKNOWN_HEADER_FILE = ONE_AT_A_TIME[0], "huggingface_v2_2024-11-09.csv.gz"
PUBLISH = {"published/warehouse"}


@dataclass(frozen=True)
class UnknownHeaderRuns:
    """The week UNKNOWN_HEADER_WEEK run with an unknown header, run again without the raw asset,
    then run with the real file: each run, and what was published around them."""

    published: PublishedState
    history: dict[str, list[tuple]]
    bad: dg.ExecuteInProcessResult
    published_after_bad: PublishedState
    later: dg.ExecuteInProcessResult
    published_after_later: PublishedState
    history_after_later: dict[str, list[tuple]]
    fixed: dg.ExecuteInProcessResult
    last_published_valid_from: date


@dataclass(frozen=True)
class GrownHistory:
    """What the runs growing one history from an empty warehouse left."""

    reparsed_because: dict[str, str | None]
    """Each week run alone → why its dbt invocation parsed the whole project (None: it did not)."""
    after_the_rest: dict[str, list[tuple]]
    """The published weekly marts after the run of the rest."""
    full_refresh: dg.ExecuteInProcessResult
    after_full_refresh: dict[str, list[tuple]]
    unknown_header: UnknownHeaderRuns


@pytest.fixture(scope="module")
def grown_history(real_weekly_dir, tmp_path_factory):
    # Its own build: the history grown from an empty warehouse is the subject.
    root = tmp_path_factory.mktemp("grown_history")
    with pytest.MonkeyPatch.context() as monkeypatch, dg.DagsterInstance.ephemeral() as instance:
        settings = make_settings(root, monkeypatch, WAREHOUSE_LANDING_DIR=str(real_weekly_dir))
        # Every week is loaded and built; the whole job (every weekly mart, published) where a
        # test needs a publication, and for the rest.
        for first, last, assets in ((*MIDDLE, WEEKLY_ASSETS), (*START, WEEKLY_ASSETS), (LATE, None, None)):
            assert run_weekly(settings, instance, first, last, assets=assets).success, f"weeks {first}..{last}"
        reparsed_because, unknown_header = {}, None
        for week in ONE_AT_A_TIME:
            if week == UNKNOWN_HEADER_WEEK:
                unknown_header = _run_with_unknown_header(settings, instance, root, monkeypatch, real_weekly_dir)
            else:
                assert run_weekly(settings, instance, week, assets=WEEKLY_ASSETS).success, f"week {week}"
            reparsed_because[week] = dbt_reparsed_because(settings)
        rest = all_weeks()[all_weeks().index(ONE_AT_A_TIME[-1]) + 1:]
        assert run_weekly(settings, instance, rest[0], rest[-1]).success
        after_the_rest = published_weekly_marts(settings)
        full_refresh = run_weekly(settings, instance, LAST_WEEK, full_refresh=True)
        yield GrownHistory(reparsed_because, after_the_rest, full_refresh, published_weekly_marts(settings), unknown_header)


def _run_with_unknown_header(settings, instance, root: Path, monkeypatch, real_weekly_dir: Path) -> UnknownHeaderRuns:
    """The runs of UnknownHeaderRuns. The bad file is dropped into a landing directory of its
    own (the real one is shared and read-only); the fix is the real file, read from where the
    history's other weeks are."""
    published, history = PublishedState.of(settings), published_weekly_marts(settings)
    landing = root / "landing_with_unknown_header"
    landing.mkdir()
    _unknown_header_copy(real_weekly_dir / UNKNOWN_HEADER_FILE, landing / UNKNOWN_HEADER_FILE)
    with_unknown_header = make_settings(root, monkeypatch, WAREHOUSE_LANDING_DIR=str(landing))
    bad = run_weekly(with_unknown_header, instance, UNKNOWN_HEADER_WEEK)
    published_after_bad = PublishedState.of(settings)
    # A later run without the raw asset (the schedule, the sensor, a user).
    later = run_weekly(with_unknown_header, instance, UNKNOWN_HEADER_WEEK,
                       assets=WEEKLY_ASSETS - {"raw/leaderboard_v2"} | PUBLISH)
    published_after_later, history_after_later = PublishedState.of(settings), published_weekly_marts(settings)

    settings = make_settings(root, monkeypatch, WAREHOUSE_LANDING_DIR=str(real_weekly_dir))  # the real file again
    fixed = run_weekly(settings, instance, UNKNOWN_HEADER_WEEK)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as conn:
        last = conn.execute("select max(valid_from) from marts.leaderboard_v2_history").fetchone()[0]
    return UnknownHeaderRuns(published, history, bad, published_after_bad, later, published_after_later,
                             history_after_later, fixed, last)


def test_weeks_out_of_order_week_by_week_and_full_refresh_equal_the_one_run_backfill(backfilled, grown_history):
    one_run = published_weekly_marts(backfilled[0])
    assert grown_history.reparsed_because == dict.fromkeys(ONE_AT_A_TIME), "the next week's run reuses dbt's parse"
    assert grown_history.after_the_rest == one_run, "out of order, then week by week == one run"
    assert grown_history.full_refresh.success
    assert grown_history.after_full_refresh == one_run, "full refresh == one run"


def _unknown_header_copy(source: Path, target: Path) -> None:
    """A gzip copy of `source` whose `math_lvl_5` column is renamed (an unannounced layout)."""
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        text = handle.read()
    header, rest = text.split("\n", 1)
    columns = header.split(",")
    columns[columns.index("math_lvl_5")] = "math_level_5"
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        handle.write(",".join(columns) + "\n" + rest)


def test_unknown_header_blocks_its_week_here_and_in_later_runs(grown_history):
    runs = grown_history.unknown_header
    assert not runs.bad.success
    header = check_evaluations(runs.bad)["raw/leaderboard_v2:leaderboard_v2_header_known"]
    assert not header.passed and header.severity == dg.AssetCheckSeverity.ERROR
    assert UNKNOWN_HEADER_FILE in header.description
    assert header.metadata["unexpected"].value == ["math_level_5"]
    assert header.metadata["missing"].value == ["math_lvl_5"]
    assert not materialized_keys(runs.bad) & (WEEKLY_ASSETS | PUBLISH), "nothing downstream ran"
    assert runs.published_after_bad == runs.published, "nothing published"

    # A later run without the raw asset is still gated.
    assert not runs.later.success
    assert not materialized_keys(runs.later)
    failure = next(e for e in runs.later.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "leaderboard_v2_header_known failed in run" in failure.step_failure_data.error.message
    assert runs.published_after_later == runs.published
    assert runs.history_after_later == runs.history

    # The real file passes the gate, and the week is published.
    assert runs.fixed.success
    assert check_evaluations(runs.fixed)["raw/leaderboard_v2:leaderboard_v2_header_known"].passed
    assert runs.last_published_valid_from == date(2024, 11, 9)
