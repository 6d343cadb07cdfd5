-- One row per repo's commit summary; authors parsed from the list literal.
select
    {{ model_key('name') }} as model_id,
    trim(name) as model_name,
    cast({{ to_double('num_of_authors') }} as integer) as num_of_authors,
    cast({{ to_double('num_of_commits') }} as integer) as num_of_commits,
    {{ to_timestamp_utc('first_commit') }} as first_commit,
    {{ to_timestamp_utc('last_commit') }} as last_commit,
    {{ parse_list_literal('authors') }} as commit_authors,
    _source_file,
    _source_row
from {{ source('raw', 'commit_data') }}
