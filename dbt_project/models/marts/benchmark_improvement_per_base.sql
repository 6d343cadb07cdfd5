-- Community improvement over each base model, per benchmark. Averages run on DECIMAL so the
-- result does not depend on the order DuckDB's threads add doubles in (identical reruns).
select
    base_model_id,
    benchmark,
    count(*) as n_models,
    {{ exact_mean('improvement', scale=2) }} as mean_improvement,
    median(cast(cast(improvement as decimal(9, 2)) as double)) as median_improvement,
    max(improvement) as max_improvement,
    avg(case when improvement > 0 then 1 else 0 end) as share_improved
from {{ ref('model_improvements') }}
group by base_model_id, benchmark
