-- Fig 7. Per Sunday week and model type: the new models' number and scores, the running count
-- and the best Average reached so far. Undated models are left out (counted).
with weekly as (
    select
        week_start,
        model_type,
        count(*) as new_models,
        {{ exact_mean('average') }} as mean_average,
        max(average) as max_average
    from {{ ref('dim_models') }}
    where week_start is not null
    group by week_start, model_type
)

select
    week_start,
    model_type,
    new_models,
    mean_average,
    max_average,
    cast(sum(new_models) over by_type as bigint) as cumulative_models,
    max(max_average) over by_type as best_average_so_far,
    (select count(*) from {{ ref('dim_models') }} where week_start is null) as undated_models_left_out
from weekly
window by_type as (
    partition by model_type order by week_start rows between unbounded preceding and current row
)
order by week_start, model_type
