-- One row per (era, model): the era-neutral model set the era verdicts are computed on. The
-- two v1 eras come from the paper's warehouse (int_era_models_v1, built by build_warehouse);
-- `v2_latest` is dim_models_v2, the v2 canon as of the latest loaded snapshot (the v1 rules:
-- each model's best evaluation, flagged models out). Rebuilt with every weekly v2 load, so a new week moves
-- the v2 era to it. Where the paper's warehouse is not built (a weekly-only warehouse), the v1
-- eras have no rows.
{%- set v1_eras = load_relation(ref('int_era_models_v1')) if execute else none %}
with v2_latest as (
    -- The v2 canon as of the latest loaded snapshot (or WAREHOUSE_V2_AS_OF): its base model is
    -- the leaderboard's own column, with Removed, empty and the model itself as none.
    select
        'v2_latest' as era,
        model_id,
        model_type,
        base_model_id,
        architecture_group,
        params_b,
        average,
        model_type = 'merge' or coalesce(is_merged, false) as is_merge,
        submission_date as listed_on,
        as_of_snapshot_date as snapshot_date
    from {{ ref('dim_models_v2') }}
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
