-- One row per Sunday week from the first to the last loaded one, as of the week's last snapshot.
{%- set types = ['pretrained', 'continuously_pretrained', 'fine_tuned', 'chat', 'merge', 'unknown'] %}

with observations as (
    select * from {{ ref('int_leaderboard_v2_observations') }}
),

weeks as (
    select {{ date_series('min(snapshot_week)', 'max(snapshot_week)', 'interval 7 day') }} as week_start
    from observations
),

snapshots_per_week as (
    select snapshot_week as week_start, max(snapshot_date) as snapshot_date, count(distinct snapshot_date) as snapshots
    from observations
    group by snapshot_week
),

present as (
    select
        snapshots_per_week.week_start,
        count(*) as evaluations_present,
        median(observations.average) as median_average
    from snapshots_per_week
    join observations using (snapshot_date)
    where not observations.is_flagged
    group by snapshots_per_week.week_start
),

first_seen as (
    -- Each evaluation enters in the week of its first snapshot, with the type it had then.
    select evaluation_id, snapshot_week as week_start, model_type, is_flagged
    from observations
    qualify row_number() over (partition by evaluation_id order by snapshot_date, _source_row) = 1
),

entrants as (
    select
        week_start,
        count(*) as new_entrants,
        {%- for model_type in types %}
        count(*) filter (where model_type = '{{ model_type }}') as new_{{ model_type }}{{ ',' if not loop.last }}
        {%- endfor %}
    from first_seen
    where not is_flagged
    group by week_start
),

version_changes as (
    select
        {{ sunday_of_date('valid_from') }} as week_start,
        count(distinct evaluation_id) filter (where change_kind = 'restated') as restated_evaluations,
        count(distinct evaluation_id) filter (where change_kind = 'attributes_changed') as attributes_changed_evaluations,
        count(distinct evaluation_id) filter (where change_kind = 'likes_changed') as likes_changed_evaluations,
        count(distinct evaluation_id) filter (where change_kind = 'reappeared') as reappeared_evaluations
    from {{ ref('leaderboard_v2_history') }}
    where not is_flagged
    group by 1
),

departures as (
    -- Versions closed without a successor at the same snapshot: the evaluation left the table.
    select {{ sunday_of_date('closed.valid_to') }} as week_start, count(*) as removed_evaluations
    from {{ ref('leaderboard_v2_history') }} as closed
    left join {{ ref('leaderboard_v2_history') }} as successor
        on successor.evaluation_id = closed.evaluation_id and successor.valid_from = closed.valid_to
    where closed.valid_to is not null and successor.evaluation_id is null and not closed.is_flagged
    group by 1
)

select
    weeks.week_start,
    snapshots_per_week.week_start is not null as has_snapshot,
    coalesce(snapshots_per_week.snapshots, 0) as snapshots,
    snapshots_per_week.snapshot_date as as_of_snapshot_date,
    present.evaluations_present,
    coalesce(entrants.new_entrants, 0) as new_entrants,
    {%- for model_type in types %}
    coalesce(entrants.new_{{ model_type }}, 0) as new_{{ model_type }},
    {%- endfor %}
    coalesce(version_changes.restated_evaluations, 0) as restated_evaluations,
    coalesce(version_changes.attributes_changed_evaluations, 0) as attributes_changed_evaluations,
    coalesce(version_changes.likes_changed_evaluations, 0) as likes_changed_evaluations,
    coalesce(version_changes.reappeared_evaluations, 0) as reappeared_evaluations,
    coalesce(departures.removed_evaluations, 0) as removed_evaluations,
    present.median_average
from weeks
left join snapshots_per_week using (week_start)
left join present using (week_start)
left join entrants using (week_start)
left join version_changes using (week_start)
left join departures using (week_start)
order by weeks.week_start
