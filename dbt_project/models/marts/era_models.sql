-- One row per (era, model): the era-neutral model set the era verdicts are computed on. The
-- two v1 eras come from the paper's warehouse (int_era_models_v1, built by build_warehouse);
-- `v2_latest` is dim_models_v2, the v2 canon as of the latest loaded snapshot (the v1 rules:
-- each model's best evaluation, flagged models out). Rebuilt with every weekly v2 load, so a new week moves
-- the v2 era to it. Where the paper's warehouse is not built (a weekly-only warehouse), the v1
-- eras have no rows.
{%- set v1_eras = load_relation(ref('int_era_models_v1')) if execute else none %}
{#- The seed is built by build_warehouse: a weekly-only warehouse has no architecture groups. #}
{%- set groups = load_relation(ref('architecture_groups')) if execute else none %}
with v2_latest as (
    -- The v2 canon as of the latest loaded snapshot (or WAREHOUSE_V2_AS_OF): its base model is
    -- the leaderboard's own column, with Removed, empty and the model itself as none.
    select
        'v2_latest' as era,
        v2.model_id,
        v2.model_type,
        v2.base_model_id,
        {% if groups is not none -%}
        {{ architecture_group_of('v2.architecture') }}
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as architecture_group,
        v2.params_b,
        v2.average,
        v2.model_type = 'merge' or coalesce(v2.is_merged, false) as is_merge,
        v2.submission_date as listed_on,
        v2.week_start as listed_week,
        v2.as_of_snapshot_date as era_as_of
    from {{ ref('dim_models_v2') }} as v2
    {%- if groups is not none %}
    left join {{ ref('architecture_groups') }} as ag
        on ag.raw_architecture = lower(trim(v2.architecture))
    {%- else %}
    -- {{ ref('architecture_groups') }} is not built: no architecture groups.
    {%- endif %}
)

{%- if v1_eras is not none %}
select * from {{ ref('int_era_models_v1') }}
union all
{%- else %}
-- {{ ref('int_era_models_v1') }} is not built (a warehouse without the paper's build): no v1 eras.
{%- endif %}
select * from v2_latest
