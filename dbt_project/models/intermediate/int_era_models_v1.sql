-- The two v1 eras as one era-neutral model set, one row per (era, model): `paper`, the v1
-- leaderboard of the paper's scrape (dim_models), and `v1_final`, the final v1 table loaded
-- beside it, each model kept by the same rules (its best evaluation; flagged models out).
-- Declared base models come from the paper's repo details for both eras (the final table has
-- no base-model column): a model declaring exactly one base gets it, others none.
with single_bases as (
    select model_id, min(base_model_id) as base_model_id
    from {{ ref('int_declared_base_models') }}
    group by model_id
    having count(*) = 1
),

-- raw.leaderboard is the final table itself (WAREHOUSE_V1_SOURCE final_table or dataset_parquet,
-- the huggingface source) when it holds the same file as raw.leaderboard_v1_final: then there
-- is no paper scrape to evaluate.
shared_files as (
    select count(*) as files
    from (select distinct _source_checksum from {{ ref('stg_leaderboard') }}) as scrape
    join (select distinct _source_checksum from {{ ref('stg_leaderboard_v1_final') }}) as final_table
        on final_table._source_checksum = scrape._source_checksum
),

paper as (
    select
        'paper' as era,
        models.model_id,
        models.model_type,
        single_bases.base_model_id,
        models.architecture_group,
        models.params_b,
        models.average,
        models.model_type = 'merge' or coalesce(models.is_merged, false) as is_merge,
        -- The Hub's creation date, as the paper's weekly figures use it (null where censored).
        {{ utc_date('models.created_at') }} as listed_on
    from {{ ref('dim_models') }} as models
    left join single_bases on single_bases.model_id = models.model_id
    where (select files from shared_files) = 0
),

final_ranked as (
    {{ ranked_evaluations(ref('stg_leaderboard_v1_final')) }}
),

final_table as (
    select
        'v1_final' as era,
        ranked.model_id,
        ranked.model_type,
        single_bases.base_model_id,
        {{ architecture_group_of('ranked.architecture') }} as architecture_group,
        ranked.params_b,
        ranked.average,
        ranked.model_type = 'merge' or coalesce(ranked.is_merged, false) as is_merge,
        -- The evaluation's submission date: the final table has no Hub creation date.
        {{ utc_date('ranked.evaluated_at') }} as listed_on
    from final_ranked as ranked
    left join single_bases on single_bases.model_id = ranked.model_id
    left join {{ ref('architecture_groups') }} as ag
        on ag.raw_architecture = lower(trim(ranked.architecture))
    where ranked.evaluation_rank = 1 and not ranked.any_evaluation_flagged
)

select
    *,
    {{ sunday_of_date('listed_on') }} as listed_week,
    -- What the era's data shows: the latest date of its models.
    max(listed_on) over (partition by era) as era_as_of
from (
    select * from paper
    union all
    select * from final_table
) as eras
