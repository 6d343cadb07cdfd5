{#- Figures 1–3 over any (model_id, author, first_commit) relation of human commit authors: the
    paper's marts read int_commit_authors, the Hub-wide ones int_hfc_commit_authors. -#}

{#- Fig 1. An author's month is the month of their earliest first commit over all their repos;
    months without a new author are kept (0) so the cumulative line has no gaps. -#}
{% macro authors_over_time_from(commit_authors) -%}
with author_first_commit as (
    select author, min(first_commit) as first_commit
    from {{ commit_authors }}
    where first_commit is not null
    group by author
),

monthly as (
    select {{ month_start_utc('first_commit') }} as month_start, count(*) as new_authors
    from author_first_commit
    group by 1
),

months as (
    select {{ date_series('min(month_start)', 'max(month_start)', 'interval 1 month') }} as month_start
    from monthly
)

select
    months.month_start,
    coalesce(monthly.new_authors, 0) as new_authors,
    cast(sum(coalesce(monthly.new_authors, 0)) over (order by months.month_start) as bigint) as total_authors
from months
left join monthly on monthly.month_start = months.month_start
order by months.month_start
{%- endmacro %}

{#- Fig 2. Distinct repos each human commit author committed to. -#}
{% macro repos_per_author_from(commit_authors) -%}
select author, count(distinct model_id) as repos
from {{ commit_authors }}
group by author
{%- endmacro %}

{#- Fig 3. Distinct human authors per repo; repos with none are absent from the relation. -#}
{% macro authors_per_repo_from(commit_authors) -%}
select model_id, count(distinct author) as authors
from {{ commit_authors }}
group by model_id
{%- endmacro %}
