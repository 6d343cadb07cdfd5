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

{#- An architecture class (`LlamaForCausalLM`) as its group, by the seed architecture_groups
    joined on the lower-cased class as `groups_relation`: Unknown when empty, Other when the
    seed does not list it. -#}
{% macro architecture_group(architecture, groups_relation='ag') -%}
    case
        when {{ groups_relation }}.architecture_group is not null then {{ groups_relation }}.architecture_group
        when {{ architecture }} is null or trim({{ architecture }}) = '' then 'Unknown'
        else 'Other'
    end
{%- endmacro %}
