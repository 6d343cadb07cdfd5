-- The base-model family of every non-flagged v1 model, found two ways (METHOD.md, Fig 11):
--   name_family     the first family (by priority) whose pattern the model's normalised name
--                   contains and whose size, if the family has one, equals its rounded params_b;
--   lineage_family  the family of its declared base, transitively: the same name rule applied
--                   to the roots of its declared-base lineage (ancestors that declare no base).
with models as (
    select
        model_id,
        params_b,
        {{ normalised_model_name('model_id') }} as normalised_name
    from {{ ref('int_leaderboard_models') }}
    where not is_flagged
),

families as (
    select family, pattern, params_b_rounded, priority from {{ ref('base_model_families') }}
),

declared as (
    select model_id, base_model_id from {{ ref('int_declared_base_models') }}
),

name_families as (
    select models.model_id, families.family, families.priority
    from models
    join families
        on contains(models.normalised_name, families.pattern)
        and (families.params_b_rounded is null or families.params_b_rounded = {{ params_bin('models.params_b') }})
    qualify row_number() over (partition by models.model_id order by families.priority) = 1
),

ancestry as (
    {{ lineage_ancestry('declared') }}
),

roots as (
    select distinct model_id, ancestor_id as root_id
    from ancestry
    where ancestor_id not in (select model_id from declared)
),

lineage_families as (
    -- A root's size is its own params_b when it is a v1 model, else the model's (fine-tuning
    -- keeps the size). Several roots: the first family by priority, as for names.
    select
        roots.model_id,
        families.family,
        families.priority
    from roots
    join models on models.model_id = roots.model_id
    left join {{ ref('int_leaderboard_models') }} as root_model on root_model.model_id = roots.root_id
    join families
        on contains({{ normalised_model_name('roots.root_id') }}, families.pattern)
        and (families.params_b_rounded is null
             or families.params_b_rounded = {{ params_bin('coalesce(root_model.params_b, models.params_b)') }})
    qualify row_number() over (partition by roots.model_id order by families.priority, roots.root_id) = 1
),

lineage as (
    select model_id, {{ list_agg('root_id', sorted=true) }} as lineage_roots
    from roots
    group by model_id
)

select
    models.model_id,
    models.normalised_name,
    {{ params_bin('models.params_b') }} as params_bin,
    name_families.family as name_family,
    lineage_families.family as lineage_family,
    coalesce(lineage.lineage_roots, {{ empty_list() }}) as lineage_roots,
    models.model_id in (select model_id from declared) as declares_base,
    models.model_id in (select model_id from {{ ref('int_merge_models') }}) as is_merge
from models
left join name_families on name_families.model_id = models.model_id
left join lineage_families on lineage_families.model_id = models.model_id
left join lineage on lineage.model_id = models.model_id
