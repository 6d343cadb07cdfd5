-- One row per HFCommunity repo with its creation date. HFCommunity stores none (the Hub API's
-- createdAt is not extracted), so a repo is taken as created at its earliest commit (git's
-- author date, UTC): the repo's initial commit is made when the Hub creates it.
with commits as (
    select
        repo_id,
        min(committed_at) as first_commit_at,
        max(committed_at) as last_commit_at,
        count(*) as commits,
        bool_and(author_tz_known) as created_at_exact
    from {{ ref('stg_hfc_commits') }}
    where repo_id is not null
    group by repo_id
)

select
    repos.repo_id,
    repos.repo_type,
    repos.model_id,
    commits.first_commit_at as created_at,
    commits.last_commit_at,
    coalesce(commits.commits, 0) as commits,
    commits.created_at_exact
from {{ ref('stg_hfc_repository') }} as repos
left join commits on commits.repo_id = repos.repo_id
