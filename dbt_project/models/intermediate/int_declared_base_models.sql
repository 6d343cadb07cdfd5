-- Declared base models: the union of a model's card `base_model` value(s) and its
-- `base_model:<id>` / `base_model:<relation>:<id>` tags, lower-cased, without unknown/empty
-- and without the model itself. One row per (model, base).
with declared as (
    select model_id, {{ unnest_list(list_transform('card_base_models', 'b', model_key('b'))) }} as base_model_id, 'card' as declared_via
    from {{ ref('int_repo_details') }}
    union all
    select model_id, {{ unnest_list(list_transform(base_models_from_tags('tags'), 'b', model_key('b'))) }}, 'tag'
    from {{ ref('int_repo_details') }}
)

select
    model_id,
    base_model_id,
    {{ list_distinct_sorted(list_agg('declared_via')) }} as declared_via
from declared
where base_model_id <> ''
  and base_model_id not in ('unknown', 'none')
  and base_model_id <> model_id
group by model_id, base_model_id
