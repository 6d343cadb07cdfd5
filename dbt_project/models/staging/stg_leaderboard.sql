-- One row per leaderboard row, typed; no rows dropped (dedup happens in intermediate).
-- raw.leaderboard holds either v1 layout (WAREHOUSE_V1_SOURCE): the paper's scrape or the final
-- v1 table, under the same columns; evaluated_at is null for the scrape.
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
    _source_row
from {{ source('raw', 'leaderboard') }}
