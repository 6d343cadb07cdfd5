{#- The paper's rules (METHOD.md), written once for the v1 marts and their v2 counterparts. -#}

{#- The kept evaluation of each model among `relation`'s evaluations (one row per evaluation):
    every column, plus `evaluation_rank` (1 = kept: the highest Average, ties by the smallest
    model sha, then the earlier row of the file), `any_evaluation_flagged` (a model is flagged
    when any of its evaluations is) and `n_evaluations`. -#}
{% macro ranked_evaluations(relation, partition_by='model_id') -%}
    select
        *,
        row_number() over (
            partition by {{ partition_by }}
            order by average desc nulls last, model_sha asc nulls last, _source_row
        ) as evaluation_rank,
        bool_or(is_flagged) over (partition by {{ partition_by }}) as any_evaluation_flagged,
        count(*) over (partition by {{ partition_by }}) as n_evaluations
    from {{ relation }}
{%- endmacro %}

{#- Fig 4's rule: new models per Sunday week (`week_start`) and model type, with each type's share
    of its week; models without a week count in totals only (`undated_models_left_out`). -#}
{% macro new_models_by_week_and_type(models) -%}
    with weekly as (
        select week_start, model_type, count(*) as new_models
        from {{ models }}
        where week_start is not null
        group by week_start, model_type
    )

    select
        week_start,
        model_type,
        new_models,
        new_models / sum(new_models) over (partition by week_start) as share_of_week,
        (select count(*) from {{ models }} where week_start is null) as undated_models_left_out
    from weekly
{%- endmacro %}

{#- The improvement rule: each fine_tuned or chat model of `models` against its one base
    (`bases`: model_id → base_model_id, one row per model) where that base is itself in `models`,
    one row per benchmark both scored: model minus base, rounded to `scale` decimals (v1 scores
    carry two, so the difference stays exact: no 0.1299999…). -#}
{% macro improvements_over_base(models, bases, benchmarks, scale) -%}
    {%- for benchmark in benchmarks %}
    select
        model.model_id,
        bases.base_model_id,
        model.model_type,
        '{{ benchmark }}' as benchmark,
        model.{{ benchmark }} as model_score,
        base.{{ benchmark }} as base_score,
        round(model.{{ benchmark }} - base.{{ benchmark }}, {{ scale }}) as improvement
    from {{ models }} as model
    join {{ bases }} as bases on bases.model_id = model.model_id
    join {{ models }} as base on base.model_id = bases.base_model_id
    where model.model_type in ('fine_tuned', 'chat')
      and model.{{ benchmark }} is not null and base.{{ benchmark }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Community improvement over each base, per benchmark, from `improvements` (one row per model
    and benchmark). Means and medians on DECIMAL at `scale` decimals so the result does not
    depend on the order the engine's threads add doubles in (identical reruns). -#}
{% macro improvement_per_base(improvements, scale) -%}
    select
        base_model_id,
        benchmark,
        count(*) as n_models,
        {{ exact_mean('improvement', scale=scale) }} as mean_improvement,
        median(cast(cast(improvement as decimal(18, {{ scale }})) as double)) as median_improvement,
        max(improvement) as max_improvement,
        avg(case when improvement > 0 then 1 else 0 end) as share_improved
    from {{ improvements }}
    group by base_model_id, benchmark
{%- endmacro %}
