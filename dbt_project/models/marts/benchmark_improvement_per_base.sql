-- Community improvement over each base model, per benchmark (macro improvement_per_base).
{{ improvement_per_base(ref('model_improvements'), scale=2) }}
