{#- A v1 leaderboard raw table (any of its layouts, loaded under the same columns), typed: one row
    per leaderboard row, no rows dropped (dedup happens in intermediate). Used for raw.leaderboard
    (stg_leaderboard) and the final v1 table loaded beside it (stg_leaderboard_v1_final). -#}
{% macro stage_v1_leaderboard(relation) -%}
select
    {{ model_key('model_name_for_query') }} as model_id,
    trim(model_name_for_query) as model_name,
    case when contains(model_name_for_query, '/')
        then split_part(trim(model_name_for_query), '/', 1) end as author,
    {{ model_type('type', 'type_string') }} as model_type,
    {{ null_if_blank('architecture') }} as architecture,
    {{ null_if_blank('weight_type') }} as weight_type,
    {{ null_if_blank('precision') }} as precision,
    {{ null_if_blank('hub_license') }} as license,
    {{ to_double('params_b') }} as params_b,
    cast({{ to_double('hub_likes') }} as bigint) as hub_likes,
    {{ inverted_flag('flagged') }} as is_flagged,
    {{ inverted_flag('merged') }} as is_merged,
    {{ inverted_flag('moe') }} as is_moe,
    {{ is_true('available_on_hub') }} as is_available_on_hub,
    {{ null_if_blank('model_sha') }} as model_sha,
    {{ to_double('average') }} as average,
    {{ to_double('arc') }} as arc,
    {{ to_double('hellaswag') }} as hellaswag,
    {{ to_double('mmlu') }} as mmlu,
    {{ to_double('truthfulqa') }} as truthfulqa,
    {{ to_double('winogrande') }} as winogrande,
    {{ to_double('gsm8k') }} as gsm8k,
    {{ to_timestamp_utc('evaluated_at') }} as evaluated_at,
    _source_file,
    _source_checksum,
    _source_row
from {{ relation }}
{%- endmacro %}
