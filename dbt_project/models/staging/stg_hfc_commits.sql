-- HFCommunity commits, typed. author_date is git's wall clock in the author's zone and author_tz
-- that zone's offset in seconds WEST of UTC (GitPython's author_tz_offset: +02:00 is -7200), so
-- the UTC instant is author_date + author_tz seconds. v1.0 dumps kept no zone: their wall clock
-- is taken as UTC and author_tz_known is false.
select
    trim(sha) as sha,
    trim(repo_id) as repo_id,
    trim(author_name) as author,
    nullif(trim(committer_name), '') as committer,
    case
        when author_tz is not null then {{ local_time_to_utc('author_date', 'author_tz') }}
        else {{ to_timestamp_utc('author_date') }}
    end as committed_at,
    author_tz is not null as author_tz_known,
    message,
    _source_file,
    _source_row
from {{ source('raw', 'hfc_commits') }}
