-- The base-model family of every model repo on the Hub, by lineage: the family (by priority)
-- whose pattern the normalised name of its lineage root contains (METHOD.md, Fig 11). A model
-- that declares no base is its own root. The Hub has no parameter count, so a family's size is
-- read from the root's name (`<size>b`), unless the pattern already ends in a size.
with repos as (
    select distinct model_id, repo_id, card_base_models
    from {{ ref('stg_hfc_repository') }}
    where repo_type = 'model'
),

tag_bases as (
    select repos.model_id, {{ base_models_from_tags(list_agg('tags.tag')) }} as bases
    from {{ ref('stg_hfc_tags_in_repo') }} as tags
    join repos on repos.repo_id = tags.repo_id
    group by repos.model_id
),

declared_any as (
    select model_id, {{ unnest_list('card_base_models') }} as base from repos
    union all
    select model_id, {{ unnest_list('bases') }} as base from tag_bases
),

declared as (
    select distinct model_id, {{ model_key('base') }} as base_model_id
    from declared_any
    where {{ model_key('base') }} not in ('', model_id)
),

ancestry as (
    {{ lineage_ancestry('declared') }}
),

roots as (
    select distinct model_id, ancestor_id as root_id
    from ancestry
    where ancestor_id not in (select model_id from declared)
    union all
    select model_id, model_id as root_id
    from repos
    where model_id not in (select model_id from declared)
),

families as (
    select family, pattern, params_b_rounded, priority from {{ ref('base_model_families') }}
),

root_families as (
    select roots.model_id, roots.root_id, families.family, families.priority
    from roots
    join families
        on contains({{ normalised_model_name('roots.root_id') }}, families.pattern)
        and (families.params_b_rounded is null
             or {{ regexp_contains('families.pattern', '[0-9]b$') }}
             or contains({{ normalised_model_name('roots.root_id') }}, cast(families.params_b_rounded as string) || 'b'))
    qualify row_number() over (partition by roots.model_id order by families.priority, roots.root_id) = 1
)

select
    repos.model_id,
    root_families.family,
    root_families.priority as family_priority,
    root_families.root_id as family_root_id,
    repos.model_id in (select model_id from declared) as declares_base
from (select distinct model_id from repos) as repos
left join root_families on root_families.model_id = repos.model_id
