-- Fig 1. An author's month is the month of the earliest first commit over their repos; months
-- without a new author are kept (0) so the cumulative line has no gaps.
with author_first_commit as (
    select author, min(first_commit) as first_commit
    from {{ ref('int_commit_authors') }}
    where first_commit is not null
    group by author
),

monthly as (
    select {{ month_start_utc('first_commit') }} as month_start, count(*) as new_authors
    from author_first_commit
    group by 1
),

months as (
    select cast(generate_series as date) as month_start
    from generate_series(
        (select cast(min(month_start) as timestamp) from monthly),
        (select cast(max(month_start) as timestamp) from monthly),
        interval 1 month
    )
)

select
    months.month_start,
    coalesce(monthly.new_authors, 0) as new_authors,
    cast(sum(coalesce(monthly.new_authors, 0)) over (order by months.month_start) as bigint) as total_authors
from months
left join monthly on monthly.month_start = months.month_start
order by months.month_start
