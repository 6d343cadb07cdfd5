-- Community improvement over each base model, per benchmark.
select
    base_model_id,
    benchmark,
    count(*) as n_models,
    avg(improvement) as mean_improvement,
    median(improvement) as median_improvement,
    max(improvement) as max_improvement,
    avg(case when improvement > 0 then 1.0 else 0.0 end) as share_improved
from {{ ref('model_improvements') }}
group by base_model_id, benchmark
