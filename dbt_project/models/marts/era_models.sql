-- One row per (era, model): the era-neutral model set the era verdicts are computed on. The
-- two v1 eras come from the paper's warehouse (int_era_models_v1, built by build_warehouse);
-- `v2_latest` is the latest loaded v2 snapshot, one row per model kept by the v1 rules (its
-- best evaluation; flagged models out). Rebuilt with every weekly v2 load, so a new week moves
-- the v2 era to it. Where the paper's warehouse is not built (a weekly-only warehouse), the v1
-- eras have no rows.
{%- set v1_eras = load_relation(ref('int_era_models_v1')) if execute else none %}
with latest_snapshot as (
    select *
    from {{ ref('int_leaderboard_v2_observations') }}
    where snapshot_date = (select max(snapshot_date) from {{ ref('int_leaderboard_v2_observations') }})
),

v2_ranked as (
    {{ ranked_evaluations('latest_snapshot') }}
),

v2_latest as (
    select
        'v2_latest' as era,
        ranked.model_id,
        ranked.model_type,
        -- The leaderboard's own base_model column; `Removed`, empty and the model itself are none.
        case
            when ranked.base_model_id in ('', 'removed') or ranked.base_model_id = ranked.model_id then null
            else ranked.base_model_id
        end as base_model_id,
        {{ architecture_group('ranked.architecture') }} as architecture_group,
        ranked.params_b,
        ranked.average,
        ranked.model_type = 'merge' or coalesce(ranked.is_merged, false) as is_merge,
        ranked.submission_date as listed_on,
        ranked.snapshot_date
    from v2_ranked as ranked
    left join {{ ref('architecture_groups') }} as ag
        on ag.raw_architecture = lower(trim(ranked.architecture))
    where ranked.evaluation_rank = 1 and not ranked.any_evaluation_flagged
),

all_eras as (
    {%- if v1_eras is not none %}
    select *, cast(null as date) as snapshot_date from {{ ref('int_era_models_v1') }}
    union all
    {%- else %}
    -- {{ ref('int_era_models_v1') }} is not built: the v1 eras have no rows.
    {%- endif %}
    select * from v2_latest
)

select
    era,
    model_id,
    model_type,
    base_model_id,
    architecture_group,
    params_b,
    average,
    is_merge,
    listed_on,
    {{ sunday_of_date('listed_on') }} as listed_week,
    -- What the era's data shows: the v2 snapshot's date, or the latest date of a v1 era's models.
    coalesce(max(snapshot_date) over (partition by era), max(listed_on) over (partition by era)) as era_as_of
from all_eras
