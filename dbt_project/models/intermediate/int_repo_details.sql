-- One row per model: created_at is the earliest seen for its id, leaving out the Hub's floor
-- instant (2022-03-02 23:29, stamped on every older repo: no creation date, so null and
-- created_at_censored); every other attribute comes from its most recently modified row (ties:
-- the earlier row in the file).
with ranked as (
    select
        *,
        min(case when not created_at_censored then created_at end) over by_model as first_created_at,
        count(created_at) over by_model as n_created_at,
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
    first_created_at is null and n_created_at > 0 as created_at_censored,
    last_modified,
    downloads_30d,
    library_name,
    tags,
    languages,
    datasets,
    card_base_models,
    n_source_rows
from ranked
where recency_rank = 1
