-- Fig 1. An author's month is the month of the earliest first commit over their repos; months
-- without a new author are kept (0) so the cumulative line has no gaps.
{{ authors_over_time_from(ref('int_commit_authors')) }}
