-- Fig 5. New and cumulative models per Sunday week and architecture group, for models with a
-- known size (params_b > 0) and a created_at.
with weekly as (
    select week_start, architecture_group, count(*) as new_models
    from {{ ref('dim_models') }}
    where week_start is not null and params_b > 0
    group by week_start, architecture_group
)

select
    week_start,
    architecture_group,
    new_models,
    cast(sum(new_models) over (
        partition by architecture_group order by week_start
        rows between unbounded preceding and current row
    ) as bigint) as cumulative_models,
    (select count(*) from {{ ref('dim_models') }} where week_start is null and params_b > 0)
        as undated_models_left_out
from weekly
order by week_start, architecture_group
