-- One row per model: created_at is the earliest seen for its id; every other attribute comes
-- from its most recently modified row (ties: the earlier row in the file).
with ranked as (
    select
        *,
        min(created_at) over by_model as first_created_at,
        count(*) over by_model as n_source_rows,
        row_number() over (
            partition by model_id order by last_modified desc nulls last, _source_row
        ) as recency_rank
    from {{ ref('stg_repo_details') }}
    window by_model as (partition by model_id)
)

select
    model_id,
    model_name,
    author,
    first_created_at as created_at,
    last_modified,
    downloads,
    library_name,
    tags,
    languages,
    datasets,
    card_base_models,
    n_source_rows
from ranked
where recency_rank = 1
