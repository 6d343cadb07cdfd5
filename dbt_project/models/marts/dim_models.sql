-- One row per non-flagged v1 model, with its Hub created_at (null where repo details stop
-- before the leaderboard does, or where the Hub gives only its 2022-03-02 floor:
-- created_at_censored) and the Sunday week it was created in.
select
    lb.model_id,
    lb.model_name,
    lb.author,
    lb.model_type,
    lb.architecture,
    {{ architecture_group_of('lb.architecture') }} as architecture_group,
    lb.params_b,
    lb.precision,
    lb.license,
    lb.hub_likes,
    lb.is_merged,
    lb.is_moe,
    rd.created_at,
    coalesce(rd.created_at_censored, false) as created_at_censored,
    {{ sunday_week_start('rd.created_at') }} as week_start,
    {%- for benchmark in v1_benchmarks() %}
    lb.{{ benchmark }},
    {%- endfor %}
    lb.evaluated_at,
    lb.n_evaluations,
    rd.downloads_30d,
    rd.library_name,
    rd.datasets,
    rd.tags
from {{ ref('int_leaderboard_models') }} as lb
left join {{ ref('int_repo_details') }} as rd
    on rd.model_id = lb.model_id
left join {{ ref('architecture_groups') }} as ag
    on ag.raw_architecture = lower(trim(lb.architecture))
where not lb.is_flagged
