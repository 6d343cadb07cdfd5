-- Fig 6. The ten human commit authors with the most repos (ties by name), one row per
-- (author, non-flagged v1 model they committed to).
with ranked as (
    select
        author,
        repos,
        cast(row_number() over (order by repos desc, author) as integer) as author_rank
    from {{ ref('repos_per_author') }}
),

top_authors as (
    select * from ranked where author_rank <= 10
)

select
    top_authors.author,
    top_authors.author_rank,
    top_authors.repos as author_repos,
    models.model_id,
    models.created_at,
    models.model_type,
    models.average,
    count(*) over (partition by top_authors.author) as author_models,
    {{ exact_mean('models.average', over='partition by top_authors.author') }}
        as author_mean_average
from top_authors
join {{ ref('int_commit_authors') }} as commits on commits.author = top_authors.author
join {{ ref('dim_models') }} as models on models.model_id = commits.model_id
order by top_authors.author_rank, models.created_at, models.model_id
