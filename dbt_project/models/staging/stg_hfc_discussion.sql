-- HFCommunity discussions and pull requests, typed.
select
    trim(repo_id) as repo_id,
    cast(num as integer) as num,
    nullif(trim(author), '') as author,
    title,
    lower(trim(status)) as status,
    {{ to_timestamp_utc('created_at') }} as created_at,
    try_cast(is_pull_request as integer) = 1 as is_pull_request,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_discussion') }}
