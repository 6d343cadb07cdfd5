-- Fig 4. New models per Sunday week and type (macro new_models_by_week_and_type); models without
-- created_at count in totals, not here (`undated_models_left_out` says how many;
-- `censored_models_left_out` how many of them the Hub dates at its 2022-03-02 floor).
with by_week_and_type as (
    {{ new_models_by_week_and_type(ref('dim_models')) }}
)

select
    *,
    (select count(*) from {{ ref('dim_models') }} where created_at_censored) as censored_models_left_out
from by_week_and_type
order by week_start, model_type
