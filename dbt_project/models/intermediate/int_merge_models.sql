-- Models removed as merges (METHOD.md, Fig 11): v1 models of type merge, with the merged flag,
-- a merge tag or a merge name; any declared base id with a merge name; and transitively every
-- model whose declared base is a removed merge. One row per removed model id.
with direct as (
    select
        lb.model_id,
        lb.model_type = 'merge' as by_type,
        lb.is_merged as by_flag,
        coalesce({{ has_merge_tag('rd.tags') }}, false) as by_tag
    from {{ ref('int_leaderboard_models') }} as lb
    left join {{ ref('int_repo_details') }} as rd on rd.model_id = lb.model_id
),

declared as (
    select model_id, base_model_id from {{ ref('int_declared_base_models') }}
),

direct_merges as (
    select model_id from direct
    where by_type or by_flag or by_tag or {{ has_merge_name('model_id') }}
    union
    -- A declared base that is not on the leaderboard is still known by its id.
    select base_model_id from declared where {{ has_merge_name('base_model_id') }}
),

ancestry as (
    {{ lineage_ancestry('declared') }}
),

removed as (
    -- The closure over declared bases: every model with a removed merge among its ancestors
    -- (lineage_ancestry walks the declared bases and ends cycles).
    select model_id from direct_merges
    union
    select ancestry.model_id
    from ancestry
    join direct_merges on direct_merges.model_id = ancestry.ancestor_id
)

select
    removed.model_id,
    coalesce(direct.by_type, false) as by_type,
    coalesce(direct.by_flag, false) as by_flag,
    coalesce(direct.by_tag, false) as by_tag,
    {{ has_merge_name('removed.model_id') }} as by_name,
    removed.model_id in (
        select declared.model_id from declared join removed as base on base.model_id = declared.base_model_id
    ) as by_declared_base
from removed
left join direct on direct.model_id = removed.model_id
