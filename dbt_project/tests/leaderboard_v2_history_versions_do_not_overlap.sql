-- The versions of one evaluation follow each other: each closes no earlier than it opens and
-- before (or when) the next opens, and only the last may be current.
{{ config(tags=['weekly_v2']) }}
select evaluation_id, valid_from, valid_to, next_valid_from
from (
    select
        evaluation_id, valid_from, valid_to, is_current,
        lead(valid_from) over (partition by evaluation_id order by valid_from) as next_valid_from
    from {{ ref('leaderboard_v2_history') }}
)
where valid_to <= valid_from
   or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
   or (is_current and next_valid_from is not null)
