-- HFCommunity repositories, typed; model repos get the warehouse's model key. The card fields
-- were parsed from card_data (YAML in v1.1, a Python dict repr in v1.0) by the loader.
select
    trim(id) as repo_id,
    trim(type) as repo_type,
    case when trim(type) = 'model' then {{ hfc_model_key('id') }} end as model_id,
    nullif(trim(author), '') as owner,
    {{ to_timestamp_utc('last_modified') }} as last_modified,
    try_cast(private as integer) = 1 as is_private,
    try_cast(gated as integer) = 1 as is_gated,
    try_cast(disabled as integer) = 1 as is_disabled,
    cast({{ to_double('likes') }} as bigint) as likes,
    card_format,
    {{ parse_list_literal('card_base_model') }} as card_base_models,
    nullif(trim(card_base_model_relation), '') as card_base_model_relation,
    {{ parse_list_literal('card_datasets') }} as card_datasets,
    {{ parse_list_literal('card_language') }} as card_languages,
    card_data,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_repository') }}
