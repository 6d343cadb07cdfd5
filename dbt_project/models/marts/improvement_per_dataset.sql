-- Fig 12. Mean improvement of the Average over the declared base model, per fine-tuning dataset
-- (repo card `datasets`) and model type, for datasets with at least 4 models of each type.
with model_datasets as (
    select distinct model_id, {{ unnest_list(list_transform('datasets', 'd', 'lower(trim(d))')) }} as dataset
    from {{ ref('dim_models') }}
),

improvements as (
    select model_id, model_type, improvement
    from {{ ref('model_improvements') }}
    where benchmark = 'average'
),

per_type as (
    select
        model_datasets.dataset,
        improvements.model_type,
        count(*) as n_models,
        {{ exact_mean('improvements.improvement', scale=2) }} as mean_improvement,
        median(cast(cast(improvements.improvement as decimal(9, 2)) as double)) as median_improvement,
        avg(case when improvements.improvement > 0 then 1 else 0 end) as share_improved
    from improvements
    join model_datasets on model_datasets.model_id = improvements.model_id
    where model_datasets.dataset <> ''
    group by model_datasets.dataset, improvements.model_type
),

eligible as (
    select dataset
    from per_type
    group by dataset
    having count(*) filter (where model_type = 'fine_tuned' and n_models >= 4) = 1
       and count(*) filter (where model_type = 'chat' and n_models >= 4) = 1
)

select per_type.*
from per_type
join eligible on eligible.dataset = per_type.dataset
order by per_type.dataset, per_type.model_type
