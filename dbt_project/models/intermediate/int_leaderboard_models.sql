-- One row per model (lower-cased id): the evaluation with the highest Average, ties broken by
-- the smallest model sha. A model is flagged when any of its evaluations is flagged.
with ranked as (
    select
        *,
        row_number() over (
            partition by model_id
            order by average desc nulls last, model_sha asc nulls last, _source_row
        ) as evaluation_rank,
        bool_or(is_flagged) over (partition by model_id) as any_evaluation_flagged,
        count(*) over (partition by model_id) as n_evaluations
    from {{ ref('stg_leaderboard') }}
)

select
    {{ star_except(['evaluation_rank', 'is_flagged', 'any_evaluation_flagged']) }},
    any_evaluation_flagged as is_flagged
from ranked
where evaluation_rank = 1
