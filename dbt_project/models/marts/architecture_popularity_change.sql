-- Figs 8 and 9. New models per Sunday week and architecture group on a full grid (every group
-- in every week from the first to the last week, 0 where a group had no new model), with the
-- change from the previous week and the distance from the mean over groups.
with models as (
    select week_start, architecture_group
    from {{ ref('dim_models') }}
    where week_start is not null and params_b > 0
),

weeks as (
    select {{ date_series('min(week_start)', 'max(week_start)', 'interval 7 day') }} as week_start
    from models
),

groups as (
    select distinct architecture_group from models
),

counts as (
    select week_start, architecture_group, count(*) as new_models
    from models
    group by week_start, architecture_group
),

grid as (
    select
        weeks.week_start,
        groups.architecture_group,
        coalesce(counts.new_models, 0) as new_models
    from weeks
    cross join groups
    left join counts
        on counts.week_start = weeks.week_start
        and counts.architecture_group = groups.architecture_group
)

select
    week_start,
    architecture_group,
    new_models,
    new_models - lag(new_models) over (
        partition by architecture_group order by week_start
    ) as change_vs_previous_week,
    -- An exact mean of integers (no thread-order dependence).
    sum(new_models) over (partition by week_start) / count(*) over (partition by week_start)
        as mean_new_models_across_groups,
    new_models - sum(new_models) over (partition by week_start) / count(*) over (partition by week_start)
        as change_vs_mean,
    (select count(*) from {{ ref('dim_models') }} where week_start is null and params_b > 0)
        as undated_models_left_out
from grid
order by week_start, architecture_group
