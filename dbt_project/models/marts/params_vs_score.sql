-- Fig 10. Per whole-billion size and architecture group: how many models, the best Average and
-- which model reached it, when.
with models as (
    select
        {{ params_bin('params_b') }} as params_bin,
        architecture_group,
        model_id,
        average,
        created_at
    from {{ ref('dim_models') }}
    where params_b > 0
),

ranked as (
    select
        *,
        count(*) over by_cell as n_models,
        row_number() over (
            partition by params_bin, architecture_group
            order by average desc nulls last, created_at asc nulls last, model_id
        ) as score_rank
    from models
    window by_cell as (partition by params_bin, architecture_group)
)

select
    params_bin,
    architecture_group,
    n_models,
    n_models / sum(n_models) over (partition by params_bin) as share_of_bin,
    average as best_average,
    model_id as best_model_id,
    created_at as best_reached_at
from ranked
where score_rank = 1
order by params_bin, architecture_group
