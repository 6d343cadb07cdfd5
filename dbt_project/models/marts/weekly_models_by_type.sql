-- Fig 4. New models per Sunday week and type; models without created_at count in totals, not
-- here (`undated_models_left_out` says how many; `censored_models_left_out` how many of them the
-- Hub dates at its 2022-03-02 floor).
with weekly as (
    select week_start, model_type, count(*) as new_models
    from {{ ref('dim_models') }}
    where week_start is not null
    group by week_start, model_type
)

select
    week_start,
    model_type,
    new_models,
    new_models / sum(new_models) over (partition by week_start) as share_of_week,
    (select count(*) from {{ ref('dim_models') }} where week_start is null) as undated_models_left_out,
    (select count(*) from {{ ref('dim_models') }} where created_at_censored) as censored_models_left_out
from weekly
order by week_start, model_type
