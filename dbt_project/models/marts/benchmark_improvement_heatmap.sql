-- Improvement over the base model on every benchmark for the ten bases with the most
-- fine-tuned and chat models in model_improvements (ties by base_model_id).
with bases as (
    select base_model_id, count(distinct model_id) as base_models
    from {{ ref('model_improvements') }}
    group by base_model_id
),

top_bases as (
    select
        base_model_id,
        base_models,
        cast(row_number() over (order by base_models desc, base_model_id) as integer) as base_rank
    from bases
    qualify base_rank <= 10
)

select
    top_bases.base_rank,
    per_base.base_model_id,
    top_bases.base_models,
    per_base.benchmark,
    per_base.n_models,
    per_base.mean_improvement,
    per_base.median_improvement,
    per_base.max_improvement,
    per_base.share_improved
from top_bases
join {{ ref('benchmark_improvement_per_base') }} as per_base
    on per_base.base_model_id = top_bases.base_model_id
order by top_bases.base_rank, per_base.benchmark
