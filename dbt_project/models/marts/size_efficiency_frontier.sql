-- The best Average per parameter-size class (seed parameter_size_classes) and month of
-- creation, and the frontier: the best Average reached in the class up to that month.
with models as (
    select
        classes.size_class,
        classes.class_order,
        {{ month_start_utc('models.created_at') }} as month_start,
        models.model_id,
        models.created_at,
        models.average
    from {{ ref('dim_models') }} as models
    join {{ ref('parameter_size_classes') }} as classes
        on models.params_b >= classes.min_params_b
        and (classes.max_params_b is null or models.params_b < classes.max_params_b)
    where models.params_b > 0 and models.created_at is not null and models.average is not null
),

month_best as (
    -- The month's best model: highest Average, ties by earlier creation, then id.
    select
        size_class,
        month_start,
        count(*) over (partition by size_class, month_start) as new_models,
        model_id as best_model_id,
        average as best_average
    from models
    qualify row_number() over (
        partition by size_class, month_start order by average desc, created_at, model_id
    ) = 1
),

months as (
    -- Every month from the class's first model to the last month of any class.
    select
        classes.size_class,
        classes.class_order,
        {{ date_series('classes.first_month', 'last_month.month_start', 'interval 1 month') }} as month_start
    from (
        select size_class, min(class_order) as class_order, min(month_start) as first_month
        from models group by size_class
    ) as classes
    cross join (select max(month_start) as month_start from models) as last_month
),

filled as (
    select
        months.size_class,
        months.class_order,
        months.month_start,
        coalesce(month_best.new_models, 0) as new_models,
        month_best.best_model_id,
        month_best.best_average,
        max(month_best.best_average) over (
            partition by months.size_class order by months.month_start
            rows between unbounded preceding and 1 preceding
        ) as previous_frontier
    from months
    left join month_best
        on month_best.size_class = months.size_class
        and month_best.month_start = months.month_start
),

records as (
    -- A month sets a record when its best beats everything before it (ties keep the older).
    select
        *,
        case when best_average > coalesce(previous_frontier, -1) then best_model_id end as record_model_id
    from filled
)

select
    size_class,
    class_order,
    month_start,
    new_models,
    best_average as best_average_in_month,
    best_model_id as best_model_in_month,
    greatest(best_average, previous_frontier) as frontier_average,
    {{ last_value_ignore_nulls('record_model_id') }} over (
        partition by size_class order by month_start
        rows between unbounded preceding and current row
    ) as frontier_model_id,
    record_model_id is not null as sets_record
from records
order by class_order, month_start
