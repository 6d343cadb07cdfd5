-- Score of each fine_tuned or chat model against its base, per benchmark: only models that
-- declare exactly one base model, where that base is itself a non-flagged v1 model.
with base_counts as (
    select model_id, count(*) as n_bases, min(base_model_id) as base_model_id
    from {{ ref('int_declared_base_models') }}
    group by model_id
),

pairs as (
    select
        model.model_id,
        base_counts.base_model_id,
        model.model_type,
        {%- for benchmark in v1_benchmarks() %}
        model.{{ benchmark }} as model_{{ benchmark }},
        base.{{ benchmark }} as base_{{ benchmark }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('dim_models') }} as model
    join base_counts on base_counts.model_id = model.model_id and base_counts.n_bases = 1
    join {{ ref('dim_models') }} as base on base.model_id = base_counts.base_model_id
    where model.model_type in ('fine_tuned', 'chat')
)

{% for benchmark in v1_benchmarks() %}
select
    model_id,
    base_model_id,
    model_type,
    '{{ benchmark }}' as benchmark,
    model_{{ benchmark }} as model_score,
    base_{{ benchmark }} as base_score,
    -- Scores carry two decimals; rounding keeps the difference exact (no 0.1299999…).
    round(model_{{ benchmark }} - base_{{ benchmark }}, 2) as improvement
from pairs
where model_{{ benchmark }} is not null and base_{{ benchmark }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
