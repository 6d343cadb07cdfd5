-- One row per model (lower-cased id): the evaluation with the highest Average, ties broken by
-- the smallest model sha. A model is flagged when any of its evaluations is flagged.
with ranked as (
    {{ ranked_evaluations(ref('stg_leaderboard')) }}
)

select
    {{ star_except(['evaluation_rank', 'is_flagged', 'any_evaluation_flagged']) }},
    any_evaluation_flagged as is_flagged
from ranked
where evaluation_rank = 1
