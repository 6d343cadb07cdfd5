-- Fig 9. Each architecture group's new models per week against the mean over groups: the
-- columns of architecture_popularity_change that Fig 9 draws.
select
    week_start,
    architecture_group,
    new_models,
    mean_new_models_across_groups,
    change_vs_mean,
    undated_models_left_out
from {{ ref('architecture_popularity_change') }}
order by week_start, architecture_group
