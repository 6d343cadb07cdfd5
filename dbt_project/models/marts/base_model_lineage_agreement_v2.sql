-- Does the v2 leaderboard's base model agree with the base the model's Hub card declares (the
-- paper snapshot's repo details: int_declared_base_models, card `base_model` and base_model tags)?
-- One row per model of the v2 canon where both exist.
{%- set hub_bases = ref('int_declared_base_models') %}
{#- A weekly-only warehouse (the paper's not built) has no Hub cards to compare with: the mart
    is then empty rather than a failed build. Unit tests give the input as a fixture. -#}
{%- set has_hub_bases = not execute or model.resource_type == 'unit_test'
    or adapter.get_relation(database=hub_bases.database, schema=hub_bases.schema, identifier=hub_bases.identifier) is not none %}

with hub_bases as (
    {%- if has_hub_bases %}
    select model_id, base_model_id from {{ hub_bases }}
    {%- else %}
    select cast(null as string) as model_id, cast(null as string) as base_model_id where false
    {%- endif %}
),

per_model as (
    select model_id, {{ list_agg('base_model_id', sorted=true) }} as hub_base_model_ids, count(*) as n_hub_bases
    from hub_bases
    group by model_id
)

select
    v2.model_id,
    v2.model_type,
    v2.base_model_id as v2_base_model_id,
    per_model.hub_base_model_ids,
    per_model.n_hub_bases,
    same.model_id is not null as agrees
from {{ ref('dim_models_v2') }} as v2
join per_model on per_model.model_id = v2.model_id
left join hub_bases as same on same.model_id = v2.model_id and same.base_model_id = v2.base_model_id
where v2.base_model_id is not null
