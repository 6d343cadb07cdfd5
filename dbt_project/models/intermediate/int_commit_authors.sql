-- One row per (repo, human commit author). Repos listed twice (ids differing in case only) are
-- merged: their authors united, their first commit the earliest. Bots are not authors.
with repos as (
    select
        model_id,
        min(first_commit) as first_commit,
        flatten({{ list_agg('commit_authors') }}) as commit_authors
    from {{ ref('stg_commit_data') }}
    group by model_id
),

authors as (
    select model_id, first_commit, {{ unnest_list(list_transform('commit_authors', 'a', 'trim(a)')) }} as author
    from repos
)

select distinct model_id, author, first_commit
from authors
where author <> '' and not {{ is_bot_author('author') }}
