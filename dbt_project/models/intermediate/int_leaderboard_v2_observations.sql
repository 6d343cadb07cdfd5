-- One row per (snapshot_date, evaluation_id): where a snapshot lists an evaluation twice under
-- ids differing only in case, the row with the highest average wins (ties: the earlier row),
-- as the v1 rule keeps the best evaluation of a model.
select *
from {{ ref('stg_leaderboard_v2') }}
qualify row_number() over (
    partition by snapshot_date, evaluation_id order by average desc nulls last, _source_row
) = 1
