-- Fig 11. Within each base-model family (name matching, merges removed transitively), the
-- models that set a new running maximum of the Average, in order of creation, measured from
-- the family's first model.
with members as (
    select
        families.name_family as family,
        models.model_id,
        models.created_at,
        models.average,
        models.model_type
    from {{ ref('int_model_families') }} as families
    join {{ ref('dim_models') }} as models on models.model_id = families.model_id
    where families.name_family is not null
      and not families.is_merge
      and models.created_at is not null
      and models.average is not null
),

ordered as (
    select
        *,
        first_value(created_at) over by_creation as released_at,
        first_value(model_id) over by_creation as first_model_id,
        first_value(average) over by_creation as first_average,
        max(average) over (
            partition by family order by created_at, model_id
            rows between unbounded preceding and 1 preceding
        ) as previous_best,
        count(*) over (partition by family) as family_models
    from members
    window by_creation as (
        partition by family order by created_at, model_id
        rows between unbounded preceding and unbounded following
    )
),

undated as (
    select families.name_family as family, count(*) as undated_models_left_out
    from {{ ref('int_model_families') }} as families
    join {{ ref('dim_models') }} as models on models.model_id = families.model_id
    where families.name_family is not null and not families.is_merge and models.created_at is null
    group by families.name_family
)

select
    ordered.family,
    ordered.model_id,
    ordered.model_type,
    ordered.created_at,
    {{ seconds_between('ordered.released_at', 'ordered.created_at') }} / cast(86400 as double) as days_since_release,
    ordered.average,
    ordered.average - ordered.first_average as improvement_over_first,
    ordered.released_at,
    ordered.first_model_id,
    ordered.first_average,
    ordered.family_models,
    cast(row_number() over (partition by ordered.family order by ordered.created_at, ordered.model_id) as integer)
        as record_number,
    families.priority as family_priority,
    coalesce(undated.undated_models_left_out, 0) as family_undated_models_left_out,
    (select cast(coalesce(sum(undated_models_left_out), 0) as bigint) from undated) as undated_models_left_out
from ordered
join {{ ref('base_model_families') }} as families on families.family = ordered.family
left join undated on undated.family = ordered.family
where ordered.previous_best is null or ordered.average > ordered.previous_best
order by families.priority, ordered.created_at, ordered.model_id
