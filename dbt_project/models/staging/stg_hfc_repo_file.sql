-- HFCommunity files per repo, typed. file_id is the sha256 of `<repo id>_<file name>` in v1.1,
-- an auto-increment integer in v1.0's `file` table: text either way.
select
    trim(id) as file_id,
    trim(repo_id) as repo_id,
    filename,
    cast({{ to_double('size') }} as bigint) as size_bytes,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_repo_file') }}
