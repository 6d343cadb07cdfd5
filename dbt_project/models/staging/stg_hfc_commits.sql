-- HFCommunity commits, typed: the author's local time with its offset becomes a UTC instant.
select
    trim(sha) as sha,
    trim(repo_id) as repo_id,
    trim(author) as author,
    {{ to_timestamp_utc('timestamp') }} as committed_at,
    message,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_commits') }}
