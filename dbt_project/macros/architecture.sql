{#- An architecture class (`LlamaForCausalLM`) as its group, by the seed architecture_groups
    joined on the lower-cased class as `groups_relation`: Unknown when empty, Other when the
    seed does not list it (METHOD.md). -#}
{% macro architecture_group_of(architecture, groups_relation='ag') -%}
    case
        when {{ groups_relation }}.architecture_group is not null then {{ groups_relation }}.architecture_group
        when {{ architecture }} is null or trim({{ architecture }}) = '' then 'Unknown'
        else 'Other'
    end
{%- endmacro %}
