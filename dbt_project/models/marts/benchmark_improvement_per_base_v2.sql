-- Community improvement over each v2 base model, per benchmark (macro improvement_per_base, the
-- v1 rule, at the six decimals of model_improvements_v2).
{{ improvement_per_base(ref('model_improvements_v2'), scale=6) }}
