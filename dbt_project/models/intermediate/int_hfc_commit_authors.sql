-- One row per (model repo, human commit author) across the Hub, with the author's own first
-- commit in that repo. Commits to dataset and space repos are not model work; bots are not
-- authors; repo ids differing in case only are one repo.
select
    repos.model_id,
    commits.author,
    min(commits.committed_at) as first_commit
from {{ ref('stg_hfc_commits') }} as commits
join {{ ref('stg_hfc_repository') }} as repos
    on repos.repo_id = commits.repo_id and repos.repo_type = 'model'
where commits.author <> '' and not {{ is_bot_author('commits.author') }}
group by repos.model_id, commits.author
