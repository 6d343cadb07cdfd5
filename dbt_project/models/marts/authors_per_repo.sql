-- Fig 3. Distinct human authors per repo; repos with none (bots only, or no authors) are left out.
select model_id, count(distinct author) as authors
from {{ ref('int_commit_authors') }}
group by model_id
