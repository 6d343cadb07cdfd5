{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='delete+insert',
        unique_key='evaluation_id',
        on_schema_change='fail',
        pre_hook="{{ delete_v2_history_gone_from_window() }}",
    )
}}
{#- On Spark the history is rebuilt whole from every loaded week (a `table`): delete+insert needs
    a table format with row-level deletes (Delta, Iceberg), which these Parquet tables are not.
    The result is the same; the incremental build only saves time. -#}
{#- Versions of each evaluation's values over the weekly snapshots (type-2 history). An
    incremental build starts at the anchor, the last snapshot before the partition window
    (macros/leaderboard_v2.sql), and rewrites every evaluation seen since (delete+insert keyed
    by evaluation): its versions closed by the anchor as they were, the rest recomputed. -#}
{%- set anchor = v2_history_anchor() -%}
{%- set scores = v2_score_columns() -%}

with observations as (
    select
        *,
        -- What opens a new version: a score (at the two decimals every layout shows), another
        -- published attribute (v2_attribute_columns; the base model apart, below) or the like
        -- count. Later layouts print more decimals; that is not a restatement.
        md5(concat_ws('|'{% for column in scores %}, coalesce(cast({{ round_double(column, 2) }} as string), '∅'){% endfor %})) as scores_hash,
        md5(concat_ws('|'{% for expression in v2_attribute_columns() %}, coalesce(cast({{ expression }} as string), '∅'){% endfor %})) as attributes_hash,
        coalesce(base_model_id, '∅') as base_model_value,
        coalesce(cast(hub_likes as string), '∅') as likes_value
    from {{ ref('int_leaderboard_v2_observations') }}
    {%- if anchor is not none %}
    where snapshot_date >= cast('{{ anchor }}' as date)
    {%- endif %}
),

snapshots as (
    select
        snapshot_date,
        row_number() over (order by snapshot_date) as snapshot_seq,
        lead(snapshot_date) over (order by snapshot_date) as next_snapshot_date,
        shows_base_model
    from (
        -- The layouts to August 2024 have no base model column: such a snapshot shows none at
        -- all, and its missing base models are not a value a later snapshot changes.
        select snapshot_date, count(base_model_id) > 0 as shows_base_model
        from observations
        group by snapshot_date
    )
),

compared as (
    select
        observations.*,
        snapshots.snapshot_seq,
        snapshots.shows_base_model,
        lag(snapshots.snapshot_seq) over by_evaluation as previous_seq,
        lag(snapshots.shows_base_model) over by_evaluation as previous_shows_base_model,
        lag(scores_hash) over by_evaluation as previous_scores_hash,
        lag(attributes_hash) over by_evaluation as previous_attributes_hash,
        lag(base_model_value) over by_evaluation as previous_base_model_value,
        lag(likes_value) over by_evaluation as previous_likes_value
    from observations
    join snapshots using (snapshot_date)
    window by_evaluation as (partition by evaluation_id order by snapshot_date)
),

changes as (
    select
        *,
        -- One kind per version, the weightiest change first.
        case
            when previous_seq is null then 'first_seen'
            when previous_seq <> snapshot_seq - 1 then 'reappeared'
            when previous_scores_hash <> scores_hash then 'restated'
            when previous_attributes_hash <> attributes_hash
                or (shows_base_model and previous_shows_base_model and previous_base_model_value <> base_model_value)
                then 'attributes_changed'
            when previous_likes_value <> likes_value then 'likes_changed'
        end as change_kind  -- null: the version goes on
    from compared
),

numbered as (
    select
        *,
        count(change_kind) over (
            partition by evaluation_id order by snapshot_date rows between unbounded preceding and current row
        ) as version_in_window
    from changes
),

versions as (
    -- One row per version, with the values of its latest snapshot.
    select
        *,
        min(snapshot_date) over version as version_start,
        first_value(change_kind) over version as version_change_kind,
        max(snapshot_seq) over version as last_seq
    from numbered
    window version as (
        partition by evaluation_id, version_in_window order by snapshot_date
        rows between unbounded preceding and unbounded following
    )
    qualify row_number() over (partition by evaluation_id, version_in_window order by snapshot_date desc) = 1
),

{%- if anchor is not none %}
-- A version open at the anchor began at or before it: keep its start and how it began.
open_at_anchor as (
    select evaluation_id, valid_from, change_kind
    from {{ this }}
    where valid_from <= cast('{{ anchor }}' as date)
      and (valid_to is null or valid_to > cast('{{ anchor }}' as date))
),

-- Versions closed by the anchor, of the evaluations this build rewrites: kept as they were.
closed_before_anchor as (
    select *
    from {{ this }}
    where valid_to <= cast('{{ anchor }}' as date)
      and evaluation_id in (select evaluation_id from observations)
),
{%- endif %}

closed as (
    select
        versions.*,
        {%- if anchor is not none %}
        case when versions.version_start = cast('{{ anchor }}' as date) and versions.version_change_kind = 'first_seen'
            then coalesce(open_at_anchor.valid_from, versions.version_start) else versions.version_start end as valid_from,
        -- Not seen since the anchor but seen before it: it came back.
        case
            when versions.version_change_kind <> 'first_seen' then versions.version_change_kind
            when versions.version_start = cast('{{ anchor }}' as date)
                then coalesce(open_at_anchor.change_kind, versions.version_change_kind)
            when versions.evaluation_id in (select evaluation_id from closed_before_anchor) then 'reappeared'
            else versions.version_change_kind
        end as opened_by,
        {%- else %}
        versions.version_start as valid_from,
        versions.version_change_kind as opened_by,
        {%- endif %}
        -- Closed by the next snapshot that no longer shows these values (or the evaluation).
        after_last.snapshot_date as valid_to
    from versions
    left join snapshots as after_last on after_last.snapshot_seq = versions.last_seq + 1
    {%- if anchor is not none %}
    left join open_at_anchor using (evaluation_id)
    {%- endif %}
)

select
    md5(evaluation_id || '|' || cast(valid_from as string)) as version_id,
    evaluation_id,
    model_id,
    model_name,
    author,
    precision,
    model_sha,
    valid_from,
    valid_to,
    valid_to is null as is_current,
    opened_by as change_kind,
    snapshot_date as last_seen_date,
    model_type,
    declared_type,
    architecture,
    params_b,
    license,
    hub_likes,
    is_flagged,
    is_merged,
    is_moe,
    is_available_on_hub,
    base_model_id,
    submission_date,
    upload_date,
    {%- for column in scores %}
    {{ column }},
    {%- endfor %}
    _source_file
from closed
{%- if anchor is not none %}
union all by name
select * from closed_before_anchor
{%- endif %}
