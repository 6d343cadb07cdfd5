-- Score of each fine_tuned or chat model of the v2 canon against the base the leaderboard
-- declares for it, per benchmark and the Average (macro improvements_over_base, the v1 rule),
-- where that base is itself in dim_models_v2. v2 scores carry more than two decimals: the
-- difference is kept to six.
with declared_bases as (
    select model_id, base_model_id
    from {{ ref('dim_models_v2') }}
    where base_model_id is not null
)

{{ improvements_over_base(ref('dim_models_v2'), 'declared_bases', ['average'] + v2_benchmarks(), scale=6) }}
