-- Score of each fine_tuned or chat model against its base, per benchmark (macro
-- improvements_over_base): only models that declare exactly one base model, where that base is
-- itself a non-flagged v1 model.
with single_bases as (
    select model_id, min(base_model_id) as base_model_id
    from {{ ref('int_declared_base_models') }}
    group by model_id
    having count(*) = 1
)

{{ improvements_over_base(ref('dim_models'), 'single_bases', v1_benchmarks(), scale=2) }}
