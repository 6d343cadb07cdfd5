-- One row per repo_details row (duplicates kept; intermediate picks one per model).
select
    {{ model_key('name') }} as model_id,
    trim(name) as model_name,
    {{ null_if_blank('author') }} as author,
    {{ to_timestamp_utc('created_at') }} as created_at,
    coalesce({{ is_hub_created_at_floor(to_timestamp_utc('created_at')) }}, false) as created_at_censored,
    {{ to_timestamp_utc('last_modified') }} as last_modified,
    cast({{ to_double('downloads') }} as bigint) as downloads_30d,
    {{ null_if_blank('library_name') }} as library_name,
    {{ parse_list_literal('tags') }} as tags,
    {{ parse_list_literal('language') }} as languages,
    {{ parse_list_literal('datasets') }} as datasets,
    {{ parse_list_literal('base_model') }} as card_base_models,
    _source_file,
    _source_row
from {{ source('raw', 'repo_details') }}
