-- Fig 2. Distinct repos each human commit author committed to.
select author, count(distinct model_id) as repos
from {{ ref('int_commit_authors') }}
group by author
