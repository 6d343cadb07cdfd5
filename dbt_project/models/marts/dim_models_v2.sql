-- The v2 canon: one row per non-flagged model (lower-cased id) of the v2 leaderboard as of one
-- snapshot (dbt var / WAREHOUSE_V2_AS_OF: the last snapshot on or before that date; default the
-- latest loaded), its kept evaluation chosen by the v1 rule (macro ranked_evaluations).
{%- set as_of = window_var('v2_as_of') %}

with observations as (
    select * from {{ ref('int_leaderboard_v2_observations') }}
),

as_of_snapshot as (
    select max(snapshot_date) as snapshot_date
    from observations
    {%- if as_of is not none %}
    where snapshot_date <= cast('{{ as_of }}' as date)
    {%- endif %}
),

snapshot_evaluations as (
    select observations.*
    from observations
    join as_of_snapshot using (snapshot_date)
),

ranked as (
    {{ ranked_evaluations('snapshot_evaluations') }}
),

kept as (
    select
        *,
        -- Merges name their base as themselves with a ` (Merge)` suffix (`org/m (Merge)`).
        case when right(base_model_id, 8) = ' (merge)' then substr(base_model_id, 1, length(base_model_id) - 8)
            else base_model_id end as base_model_text
    from ranked
    where evaluation_rank = 1 and not any_evaluation_flagged
)

select
    kept.model_id,
    kept.model_name,
    kept.author,
    {{ model_type('kept.declared_type', 'kept.declared_type', multimodal=true) }} as model_type,
    kept.declared_type,
    case
        when kept.base_model_text is null or kept.base_model_text in ('', 'unknown', 'none') then 'none'
        when kept.base_model_text = 'removed' then 'removed'
        when kept.base_model_text = kept.model_id then 'self'
        else 'declared'
    end as base_model_status,
    case
        when kept.base_model_text not in ('', 'unknown', 'none', 'removed') and kept.base_model_text <> kept.model_id
            then kept.base_model_text
    end as base_model_id,
    kept.generation,
    kept.architecture,
    kept.params_b,
    kept.precision,
    kept.model_sha,
    kept.weight_type,
    kept.license,
    kept.hub_likes,
    kept.is_merged,
    kept.is_moe,
    kept.has_chat_template,
    kept.is_official_provider,
    kept.submission_date,
    {{ sunday_of_date('kept.submission_date') }} as week_start,
    {%- for column in ['average'] + v2_benchmarks() %}
    kept.{{ column }},
    {%- endfor %}
    kept.n_evaluations,
    kept.snapshot_date as as_of_snapshot_date
from kept
