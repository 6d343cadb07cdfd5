-- HFCommunity model details, typed.
select
    {{ hfc_model_key('model_id') }} as model_id,
    nullif(trim(pipeline_tag), '') as pipeline_tag,
    nullif(trim(library_name), '') as library_name,
    cast({{ to_double('downloads') }} as bigint) as downloads,
    cast({{ to_double('likes') }} as bigint) as likes,
    config,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_model') }}
