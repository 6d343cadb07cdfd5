"""The paper's claims, each checked by SQL on the published marts, with a verdict by a stated rule.

Every number comes from the published warehouse (schema `marts`), so a reader can reproduce it
with `make sql`: the query is shown under each claim in the report. A mart without the rows a
claim needs gives the verdict "not enough data", never a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.checks.quarantine import quarantine_listing

SUPPORTS = "supports"
CONTRADICTS = "contradicts"
MIXED = "mixed"
NO_DATA = "not enough data"

QUARTER_DAYS = 91
"""The first and the last 13 weeks (a quarter) of the weekly series are compared."""
TUNED_TYPES = ("fine_tuned", "chat")
LLAMA_MISTRAL_GROUPS = ("Llama", "Mistral", "Mixtral")
SMALL_MODEL_MAX_PARAMS_B = 9.0
"""Small models: up to 9 billion parameters (the 7B and 8B classes and below)."""
MANAGEABLE_LOSS = 0.10
"""A loss of accuracy is called manageable up to 10% of the larger models' best Average."""
SIZE_CLASSES = ((3, "up to 3B"), (9, "3B to 9B"), (15, "9B to 15B"), (40, "15B to 40B"), (80, "40B to 80B"),
                (None, "over 80B"))


@dataclass(frozen=True)
class Finding:
    claim: str
    """The paper's claim, in plain words."""
    evidence: str
    """What the warehouse shows, with the numbers."""
    verdict: str
    """supports, contradicts, mixed or not enough data."""
    rule: str
    """How the verdict is decided from the numbers."""
    sql: str
    """The query behind the numbers (runs as is in `make sql`)."""
    numbers: dict[str, Any] = field(default_factory=dict)


def rows(conn: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def pct(value: float) -> str:
    return f"{value:.0%}"


RISE_SQL = f"""\
with weeks as (select week_start, model_type, new_models from marts.weekly_models_by_type),
bounds as (select min(week_start) as first_week, max(week_start) as last_week from weeks),
periods as (
    select case when w.week_start < b.first_week + {QUARTER_DAYS} then 'first'
                when w.week_start > b.last_week - {QUARTER_DAYS} then 'last' end as period,
           w.week_start, w.model_type, w.new_models
    from weeks as w, bounds as b
)
select period, min(week_start) as from_week, max(week_start) as to_week,
       coalesce(sum(new_models) filter (where model_type in {TUNED_TYPES}), 0)::bigint as tuned,
       sum(new_models)::bigint as new_models
from periods where period is not null
group by period order by period"""


def rise_of_tuned_models(conn: duckdb.DuckDBPyConnection) -> Finding:
    claim = "Fine-tuned and chat models are on the rise: they make up a growing share of new models."
    rule = ("Supports when the share of fine-tuned and chat models among new models is higher in the "
            "last 13 weeks than in the first 13 weeks of the series; contradicts when it is lower.")
    by_period = {row["period"]: row for row in rows(conn, RISE_SQL)}
    first, last = by_period.get("first"), by_period.get("last")
    if not first or not last or not first["new_models"] or not last["new_models"]:
        return Finding(claim, "The weekly series of new models is empty.", NO_DATA, rule, RISE_SQL)
    share_first = first["tuned"] / first["new_models"]
    share_last = last["tuned"] / last["new_models"]
    evidence = (
        f"Fine-tuned and chat models were {pct(share_first)} of new models in the first 13 weeks "
        f"({first['from_week']:%d %b %Y} to {first['to_week']:%d %b %Y}: {first['tuned']:,} of "
        f"{first['new_models']:,}) and {pct(share_last)} in the last 13 weeks ({last['from_week']:%d %b %Y} "
        f"to {last['to_week']:%d %b %Y}: {last['tuned']:,} of {last['new_models']:,})."
    )
    verdict = SUPPORTS if share_last > share_first else CONTRADICTS if share_last < share_first else MIXED
    numbers = {"share_first_quarter": share_first, "share_last_quarter": share_last,
               "tuned_first_quarter": first["tuned"], "tuned_last_quarter": last["tuned"]}
    return Finding(claim, evidence, verdict, rule, RISE_SQL, numbers)


CONCENTRATION_SQL = f"""\
with derived as (select distinct model_id, base_model_id from marts.model_improvements),
per_base as (select base_model_id, count(*) as models from derived group by base_model_id),
top_five as (select sum(models) as models from (select models from per_base order by models desc limit 5))
select count(*) as models,
       count(distinct derived.base_model_id) as bases,
       count(*) filter (where base.architecture_group in {LLAMA_MISTRAL_GROUPS}) as on_llama_mistral,
       (select models from top_five) as on_top_five_bases
from derived left join marts.dim_models as base on base.model_id = derived.base_model_id"""

TOP_BASES_SQL = """\
select base_model_id, count(distinct model_id) as models
from marts.model_improvements group by base_model_id order by models desc, base_model_id limit 3"""


def concentration_on_few_bases(conn: duckdb.DuckDBPyConnection) -> Finding:
    claim = ("Community work concentrates on a few base models, such as those of the Llama and "
             "Mistral families.")
    rule = ("Supports when at least half of the fine-tuned and chat models that name their base "
            "model build on a Llama, Mistral or Mixtral base; contradicts otherwise.")
    (row,) = rows(conn, CONCENTRATION_SQL)
    if not row["models"]:
        return Finding(claim, "No fine-tuned or chat model names a base model on the leaderboard.",
                       NO_DATA, rule, CONCENTRATION_SQL)
    share = row["on_llama_mistral"] / row["models"]
    top_share = (row["on_top_five_bases"] or 0) / row["models"]
    top = ", ".join(f"{base['base_model_id']} ({base['models']:,})" for base in rows(conn, TOP_BASES_SQL))
    evidence = (
        f"Of {row['models']:,} fine-tuned and chat models that name one base model on the leaderboard, "
        f"{pct(share)} build on a Llama, Mistral or Mixtral base. They use {row['bases']:,} different "
        f"bases, but the 5 most used account for {pct(top_share)} of the models; the top three: {top}."
    )
    numbers = {"models": row["models"], "bases": row["bases"], "share_llama_mistral": share,
               "share_top_five_bases": top_share}
    return Finding(claim, evidence, SUPPORTS if share >= 0.5 else CONTRADICTS, rule, CONCENTRATION_SQL, numbers)


IMPROVEMENT_SQL = """\
select sum(n_models)::bigint as models,
       count(*) as bases,
       sum(mean_improvement * n_models) / sum(n_models) as mean_improvement,
       sum(share_improved * n_models) / sum(n_models) as share_improved,
       count(*) filter (where mean_improvement > 0) as bases_improved_on,
       max(max_improvement) as best_improvement,
       arg_max(base_model_id, max_improvement) as best_improved_base
from marts.benchmark_improvement_per_base
where benchmark = 'average'"""


def community_improves_bases(conn: duckdb.DuckDBPyConnection) -> Finding:
    claim = "The community improves on the base models: fine-tuned and chat models score higher than their base."
    rule = ("Supports when the mean change of the leaderboard Average over the base is positive and more "
            "than half of the models improve; contradicts when both are the other way; mixed otherwise.")
    (row,) = rows(conn, IMPROVEMENT_SQL)
    if not row["models"]:
        return Finding(claim, "No model could be compared with its base model.", NO_DATA, rule, IMPROVEMENT_SQL)
    mean, share = row["mean_improvement"], row["share_improved"]
    evidence = (
        f"Across {row['models']:,} models compared with their base ({row['bases']:,} base models), the "
        f"leaderboard Average changes by {mean:+.2f} points on average, and {pct(share)} of the models "
        f"score higher than their base. The mean change is positive on {row['bases_improved_on']:,} of "
        f"the {row['bases']:,} bases; the largest gain over a base is {row['best_improvement']:+.2f} "
        f"points (on {row['best_improved_base']})."
    )
    verdict = (SUPPORTS if mean > 0 and share > 0.5 else CONTRADICTS if mean <= 0 and share <= 0.5 else MIXED)
    numbers = {"models": row["models"], "mean_improvement": mean, "share_improved": share}
    return Finding(claim, evidence, verdict, rule, IMPROVEMENT_SQL, numbers)


def size_class_sql() -> str:
    cases = " ".join(
        f"when params_b <= {limit} then '{label}'" for limit, label in SIZE_CLASSES if limit is not None
    )
    order = " ".join(
        f"when params_b <= {limit} then {rank}" for rank, (limit, _) in enumerate(SIZE_CLASSES) if limit is not None
    )
    return f"""\
select case {cases} else '{SIZE_CLASSES[-1][1]}' end as size_class,
       min(case {order} else {len(SIZE_CLASSES) - 1} end) as size_rank,
       count(*) as models,
       max(average) as best_average,
       arg_max(model_id, average) as best_model_id,
       median(average) as median_average
from marts.dim_models
where params_b > 0 and average is not null
group by size_class order by size_rank"""


SIZE_SQL = f"""\
select max(average) filter (where params_b <= {SMALL_MODEL_MAX_PARAMS_B}) as best_small,
       arg_max(model_id, average) filter (where params_b <= {SMALL_MODEL_MAX_PARAMS_B}) as best_small_model,
       max(average) filter (where params_b > {SMALL_MODEL_MAX_PARAMS_B}) as best_large,
       arg_max(model_id, average) filter (where params_b > {SMALL_MODEL_MAX_PARAMS_B}) as best_large_model
from marts.dim_models
where params_b > 0 and average is not null"""


def small_models_manageable_loss(conn: duckdb.DuckDBPyConnection) -> Finding:
    claim = "Smaller models reach an accuracy close to the large ones: the loss is manageable."
    rule = (f"Supports when the best model of up to {SMALL_MODEL_MAX_PARAMS_B:g} billion parameters scores "
            f"within {MANAGEABLE_LOSS:.0%} of the best larger model's Average; contradicts otherwise.")
    (row,) = rows(conn, SIZE_SQL)
    if row["best_small"] is None or row["best_large"] is None:
        return Finding(claim, "The leaderboard lacks small or large models with a score.", NO_DATA, rule, SIZE_SQL)
    gap = row["best_large"] - row["best_small"]
    loss = gap / row["best_large"]
    evidence = (
        f"The best model with up to {SMALL_MODEL_MAX_PARAMS_B:g} billion parameters "
        f"({row['best_small_model']}) has a leaderboard Average of {row['best_small']:.2f}; the best "
        f"larger model ({row['best_large_model']}) has {row['best_large']:.2f}. "
        + (f"The small one is {gap:.2f} points ({loss:.1%}) lower." if gap > 0
           else f"The small one even scores {-gap:.2f} points higher.")
        + " Best scores by size are in the table below."
    )
    numbers = {"best_small": row["best_small"], "best_large": row["best_large"], "loss": loss}
    verdict = SUPPORTS if loss <= MANAGEABLE_LOSS else CONTRADICTS
    return Finding(claim, evidence, verdict, rule, SIZE_SQL, numbers)


CLAIMS = (rise_of_tuned_models, concentration_on_few_bases, community_improves_bases, small_models_manageable_loss)


def compute_findings(conn: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every claim of CLAIMS, checked on the published warehouse `conn` (read-only)."""
    return [check(conn) for check in CLAIMS]


def best_by_size(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(conn, size_class_sql())


@dataclass(frozen=True)
class DataSource:
    """Where the published data came from, and what period it covers."""

    version_id: str
    published_at: Any
    source: str
    source_dir: str
    files: list[dict[str, Any]]
    models: int
    first_created: Any
    last_created: Any
    weekly_v2: dict[str, Any] | None
    checks: list[dict[str, Any]]
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    """Rows set aside by a row-level rule (audit.quarantine), with the reason."""

    @property
    def generated(self) -> bool:
        return self.source == "generated"


def data_source(conn: duckdb.DuckDBPyConnection) -> DataSource:
    (publication,) = rows(conn, "select * from meta.publication")
    files = rows(conn, "select table_name, source_file, checksum_sha256, row_count from meta.source_files order by 1, 2")
    (coverage,) = rows(conn, "select count(*) as models, min(created_at) as first_created, "
                             "max(created_at) as last_created from marts.dim_models")
    weekly = None
    if has_table(conn, "marts", "weekly_leaderboard_v2"):
        (weekly,) = rows(conn, "select count(*) filter (where has_snapshot) as weeks, min(week_start) as first_week, "
                               "max(week_start) as last_week from marts.weekly_leaderboard_v2")
        weekly = weekly if weekly["weeks"] else None
    checks = rows(conn, "select asset_key, check_name, passed, severity from meta.gating_checks order by all")
    return DataSource(
        version_id=publication["version_id"], published_at=publication["published_at"],
        source=publication["source"], source_dir=publication["source_dir"], files=files,
        models=coverage["models"], first_created=coverage["first_created"],
        last_created=coverage["last_created"], weekly_v2=weekly, checks=checks,
        quarantine=quarantine_listing(conn),
    )


# --- The claims across eras (marts.era_verdicts, rebuilt with every weekly v2 load) -----------

ERA_VERDICT_SQL = """\
select era, era_label, era_as_of, models, measure, reference, verdict, note
from marts.era_verdicts
where claim_id = '{claim_id}'
order by era_order"""


@dataclass(frozen=True)
class EraClaim:
    """One claim evaluated by one rule on each era: the rows of marts.era_verdicts for it."""

    claim_id: str
    claim: str
    rule: str
    measure_name: str
    reference_name: str
    eras: list[dict[str, Any]]
    """One row per era, oldest first: era, era_label, era_as_of, models, measure, reference,
    verdict, note (why an era has no models)."""

    @property
    def sql(self) -> str:
        return ERA_VERDICT_SQL.format(claim_id=self.claim_id)


def has_table(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchone()[0])


def era_claims(conn: duckdb.DuckDBPyConnection) -> list[EraClaim]:
    """Every claim of marts.era_verdicts with its eras; empty when the warehouse has no era
    table (it is built by the weekly v2 load, beside the paper's warehouse)."""
    if not has_table(conn, "marts", "era_verdicts"):
        return []
    claims: dict[str, EraClaim] = {}
    for row in rows(conn, "select * from marts.era_verdicts order by claim_order, era_order"):
        claim = claims.setdefault(row["claim_id"], EraClaim(
            row["claim_id"], row["claim"], row["rule"], row["measure_name"], row["reference_name"], []))
        claim.eras.append({key: row[key] for key in (
            "era", "era_label", "era_as_of", "models", "measure", "reference", "verdict", "note")})
    return list(claims.values())


MERGE_SHARE_SQL = """\
select era, count(*) as models,
       sum(case when is_merge then 1 else 0 end) as merges,
       avg(case when is_merge then 1.0 else 0.0 end) as merge_share
from marts.era_models
group by era
order by case era when 'paper' then 1 when 'v1_final' then 2 else 3 end"""

# The snapshot whose versions restated the most MATH Lvl 5 scores (compared at two decimals, as
# the history compares scores), against the version each evaluation had before.
MATH_RESTATEMENT_SQL = """\
with versions as (
    select evaluation_id, valid_from, math_lvl_5,
           lag(math_lvl_5) over (partition by evaluation_id order by valid_from) as previous_math,
           lag(valid_from) over (partition by evaluation_id order by valid_from) as previous_from
    from marts.leaderboard_v2_history
)
select valid_from as snapshot_date,
       max(previous_from) as previous_snapshot_date,
       count(*) as math_restated,
       avg(math_lvl_5 - previous_math) as mean_change,
       (select count(distinct evaluation_id) from marts.leaderboard_v2_history
        where valid_from <= versions.valid_from
          and (valid_to is null or valid_to > versions.valid_from)) as evaluations_listed
from versions
where previous_math is not null and round(math_lvl_5, 2) <> round(previous_math, 2)
group by valid_from
order by math_restated desc, snapshot_date
limit 1"""

# The MATH Lvl 5 improvement of fine-tuned and chat models over their base, the day before that
# snapshot and on it: each model's evaluation with the best Average among the versions valid on
# the day (flagged ones out), over the pairs present on both days.
MATH_IMPROVEMENT_SQL = """\
with days as (
    select 'before' as side, cast(? as date) as day
    union all select 'after', cast(? as date)
),
valid as (
    select days.side, history.model_id, history.model_type, history.base_model_id, history.math_lvl_5,
           row_number() over (partition by days.side, history.model_id
                              order by history.average desc nulls last, history.model_sha) as kept
    from marts.leaderboard_v2_history as history
    join days on history.valid_from <= days.day and (history.valid_to is null or history.valid_to > days.day)
    where not history.is_flagged
),
pairs as (
    select model.side, model.model_id, round(model.math_lvl_5 - base.math_lvl_5, 2) as improvement
    from valid as model
    join valid as base on base.side = model.side and base.model_id = model.base_model_id and base.kept = 1
    where model.kept = 1 and model.model_type in ('fine_tuned', 'chat') and model.model_id <> base.model_id
      and model.math_lvl_5 is not null and base.math_lvl_5 is not null
),
on_both_days as (
    select model_id from pairs group by model_id having count(distinct side) = 2
)
select side, count(*) as models, avg(improvement) as mean_improvement,
       avg(case when improvement > 0 then 1.0 else 0.0 end) as share_improved
from pairs where model_id in (select model_id from on_both_days)
group by side order by side desc"""


@dataclass(frozen=True)
class WhatChanged:
    merges: list[dict[str, Any]]
    """Share of merges per era (MERGE_SHARE_SQL)."""
    math_restatement: dict[str, Any] | None
    """The snapshot that restated the most MATH Lvl 5 scores (MATH_RESTATEMENT_SQL); None without v2 history."""
    math_improvement: list[dict[str, Any]]
    """MATH improvement over the base before and after that snapshot (MATH_IMPROVEMENT_SQL)."""
    v2_history: bool = True
    """Whether the warehouse has the v2 history (marts.leaderboard_v2_history) at all."""
    merge_sql: str = MERGE_SHARE_SQL
    restatement_sql: str = MATH_RESTATEMENT_SQL
    improvement_sql: str = MATH_IMPROVEMENT_SQL


def what_changed(conn: duckdb.DuckDBPyConnection) -> WhatChanged | None:
    """Between the eras: the share of merges, and the bulk re-scoring of MATH Lvl 5 the v2
    history shows, with what it did to the improvement over the base on MATH."""
    if not has_table(conn, "marts", "era_models"):
        return None
    merges = rows(conn, MERGE_SHARE_SQL)
    restatement, improvement = None, []
    v2_history = has_table(conn, "marts", "leaderboard_v2_history")
    if v2_history:
        found = rows(conn, MATH_RESTATEMENT_SQL)
        restatement = found[0] if found else None
        if restatement is not None:
            before = restatement["snapshot_date"] - dt.timedelta(days=1)
            improvement = rows(conn, MATH_IMPROVEMENT_SQL, [before, restatement["snapshot_date"]])
    return WhatChanged(merges, restatement, improvement, v2_history=v2_history)
