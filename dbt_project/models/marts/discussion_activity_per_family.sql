-- Discussions and pull requests on the Hub's model repos per base-model family and month (UTC
-- month of the thread's creation). Models of no listed family are left out.
with threads as (
    select
        families.family,
        families.family_priority,
        repos.model_id,
        threads.author,
        threads.status,
        threads.is_pull_request,
        {{ month_start_utc('threads.created_at') }} as month_start
    from {{ ref('stg_hfc_discussion') }} as threads
    join {{ ref('stg_hfc_repository') }} as repos
        on repos.repo_id = threads.repo_id and repos.repo_type = 'model'
    join {{ ref('int_hfc_model_families') }} as families on families.model_id = repos.model_id
    where families.family is not null and threads.created_at is not null
)

select
    family,
    family_priority,
    month_start,
    count(*) filter (where not is_pull_request) as discussions,
    count(*) filter (where is_pull_request) as pull_requests,
    count(*) filter (where is_pull_request and status = 'merged') as merged_pull_requests,
    count(*) filter (where is_pull_request and {{ is_bot_author('author') }}) as bot_pull_requests,
    count(distinct author) filter (where not {{ is_bot_author('author') }}) as participants,
    count(distinct model_id) as repos
from threads
group by family, family_priority, month_start
