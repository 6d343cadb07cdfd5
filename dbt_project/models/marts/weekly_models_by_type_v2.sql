-- Fig 4 on the v2 board: new models per Sunday week of their submission and type (macro
-- new_models_by_week_and_type, the v1 rule), from the v2 canon dim_models_v2.
with by_week_and_type as (
    {{ new_models_by_week_and_type(ref('dim_models_v2')) }}
)

select * from by_week_and_type
order by week_start, model_type
