-- Base-model families found two ways, per family: by name matching (the paper's families seed)
-- and by declared-base lineage; how many non-flagged v1 models each finds and how far they agree.
with families as (
    select family, priority from {{ ref('base_model_families') }}
),

assigned as (
    select model_id, name_family, lineage_family, declares_base
    from {{ ref('int_model_families') }}
    where model_id in (select model_id from {{ ref('dim_models') }})
),

per_family as (
    select
        families.family,
        families.priority as family_priority,
        count(*) filter (where assigned.name_family = families.family) as models_by_name,
        count(*) filter (where assigned.lineage_family = families.family) as models_by_lineage,
        count(*) filter (
            where assigned.name_family = families.family and assigned.lineage_family = families.family
        ) as models_in_both,
        count(*) filter (
            where assigned.name_family = families.family and assigned.lineage_family is distinct from families.family
        ) as only_by_name,
        count(*) filter (
            where assigned.lineage_family = families.family and assigned.name_family is distinct from families.family
        ) as only_by_lineage,
        count(*) filter (
            where assigned.name_family = families.family and not assigned.declares_base
        ) as by_name_without_declared_base,
        count(*) filter (
            where assigned.name_family = families.family and assigned.lineage_family is not null
              and assigned.lineage_family <> families.family
        ) as by_name_other_lineage_family
    from families
    left join assigned
        on assigned.name_family = families.family or assigned.lineage_family = families.family
    group by families.family, families.priority
)

select
    *,
    case when models_in_both + only_by_name + only_by_lineage > 0
        then models_in_both / (models_in_both + only_by_name + only_by_lineage)
    end as agreement_share
from per_family
order by family_priority
