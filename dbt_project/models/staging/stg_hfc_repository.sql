-- HFCommunity repositories, typed; model repos get the warehouse's model key.
select
    trim(id) as repo_id,
    trim(type) as repo_type,
    case when trim(type) = 'model' then {{ hfc_model_key('id') }} end as model_id,
    nullif(trim(author), '') as owner,
    {{ to_timestamp_utc('created_at') }} as created_at,
    {{ to_timestamp_utc('last_modified') }} as last_modified,
    try_cast(private as integer) = 1 as is_private,
    try_cast(gated as integer) = 1 as is_gated,
    cast({{ to_double('likes') }} as bigint) as likes,
    cast({{ to_double('downloads') }} as bigint) as downloads,
    {{ card_base_models('card_data') }} as card_base_models,
    card_data,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_repository') }}
