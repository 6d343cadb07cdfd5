-- Merges and generation depth over time: per Sunday week of submission, the v2 canon's new
-- models, how many are merges (declared type `merge`, or the leaderboard's merged flag) and how
-- far from a base model they are (the leaderboard's generation).
select
    week_start,
    count(*) as new_models,
    count(*) filter (where model_type = 'merge') as merge_type_models,
    count(*) filter (where is_merged) as merged_flag_models,
    count(*) filter (where model_type = 'merge' or is_merged) as merge_models,
    count(*) filter (where model_type = 'merge' or is_merged) / count(*) as merge_share,
    count(generation) as models_with_generation,
    avg(generation) as mean_generation,
    max(generation) as max_generation,
    count(*) filter (where generation >= 2) as models_generation_2_plus
from {{ ref('dim_models_v2') }}
where week_start is not null
group by week_start
order by week_start
