-- HFCommunity tags per repo.
select
    trim(repo_id) as repo_id,
    trim(tag_name) as tag,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_tags_in_repo') }}
