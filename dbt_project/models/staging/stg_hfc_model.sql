-- HFCommunity model details, typed. `downloads` is the Hub API's count over the last 30 days at
-- crawl time; the extractor never fills `model.likes` (likes are on repository).
select
    {{ hfc_model_key('model_id') }} as model_id,
    nullif(trim(pipeline_tag), '') as pipeline_tag,
    nullif(trim(library_name), '') as library_name,
    cast({{ to_double('downloads') }} as bigint) as downloads_30d,
    config,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_model') }}
