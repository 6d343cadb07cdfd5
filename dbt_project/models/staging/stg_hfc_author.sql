-- HFCommunity accounts, typed. `username` holds Hub usernames (source `hf`, `hf_owner`) and the
-- git author names of commits (source `commit`), as the extractor inserts both.
select
    trim(username) as author,
    nullif(trim(fullname), '') as fullname,
    nullif(trim(type), '') as account_type,
    try_cast(is_pro as integer) = 1 as is_pro,
    source,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_author') }}
