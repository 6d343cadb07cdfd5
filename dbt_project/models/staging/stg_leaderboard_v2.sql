-- One row per (snapshot, evaluation) of the weekly v2 files, typed; no rows dropped.
select
    snapshot_date,
    snapshot_week,
    header_version,
    {{ model_key('model_id') }} || '|' || coalesce({{ null_if_blank('precision') }}, '')
        || '|' || coalesce({{ null_if_blank('model_sha') }}, '') as evaluation_id,
    {{ model_key('model_id') }} as model_id,
    trim(model_id) as model_name,
    case when contains(model_id, '/') then split_part(trim(model_id), '/', 1) end as author,
    {{ null_if_blank('precision') }} as precision,
    {{ null_if_blank('model_sha') }} as model_sha,
    {{ model_type('model_type', 'model_type') }} as model_type,
    {{ null_if_blank('model_type') }} as declared_type,
    {{ null_if_blank('weight_type') }} as weight_type,
    {{ null_if_blank('architecture') }} as architecture,
    {{ to_double('params_b') }} as params_b,
    {{ null_if_blank('hub_license') }} as license,
    cast({{ to_double('likes') }} as bigint) as hub_likes,
    coalesce({{ to_boolean('is_flagged') }}, false) as is_flagged,
    {{ to_boolean('is_merged') }} as is_merged,
    {{ to_boolean('is_moe') }} as is_moe,
    {{ to_boolean('is_available_on_hub') }} as is_available_on_hub,
    {{ to_boolean('has_chat_template') }} as has_chat_template,
    {{ to_boolean('is_official_provider') }} as is_official_provider,
    {{ model_key('base_model') }} as base_model_id,
    cast({{ to_double('generation') }} as integer) as generation,
    cast({{ to_timestamp_utc('submission_date') }} as date) as submission_date,
    cast({{ to_timestamp_utc('upload_date') }} as date) as upload_date,
    {%- for column in v2_score_columns() %}
    {{ to_double(column) }} as {{ column }},
    {%- endfor %}
    {{ to_double('co2_cost_kg') }} as co2_cost_kg,
    _source_file,
    _source_row
from {{ source('raw', 'leaderboard_v2') }}
