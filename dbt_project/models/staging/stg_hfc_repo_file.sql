-- HFCommunity files per repo, typed.
select
    cast(id as bigint) as file_id,
    trim(repo_id) as repo_id,
    filename,
    cast({{ to_double('size') }} as bigint) as size_bytes,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_repo_file') }}
