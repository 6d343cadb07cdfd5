-- One row per (claim, era): each of the paper's claims the findings report states, evaluated by
-- one fixed rule on each era's model set (era_models): the paper's snapshot (May 2024), the final
-- v1 table (July 2024) and the latest loaded v2 week. Each claim is written once, grouped by era;
-- an era without models says why (`note`) and gives `not enough data`, never a guess. The rules'
-- thresholds are the findings report's (orchestration/report/findings.py).
{%- set tuned_types = "('fine_tuned', 'chat')" %}
{%- set llama_mistral_groups = "('Llama', 'Mistral', 'Mixtral')" %}
{%- set quarter_days = 91 %}
{%- set small_model_max_params_b = 9 %}
{%- set manageable_loss = 0.10 %}
{%- set majority = 0.5 %}
{%- set era_names = ['paper', 'v1_final', 'v2_latest'] %}
with eras as (
    select 'paper' as era, 1 as era_order, 'Paper snapshot (May 2024)' as era_label,
           {{ text_literal("the paper's scrape is not loaded: raw.leaderboard holds the final v1 table, or the paper's warehouse is not built") }} as missing_note
    union all
    select 'v1_final', 2, 'Final v1 table (July 2024)',
           'no final v1 table configured: set WAREHOUSE_V1_FINAL_TABLE (the huggingface source lands the v1 dataset itself)'
    union all
    select 'v2_latest', 3, 'Latest v2 week',
           'no v2 week loaded'
),

models as (
    select * from {{ ref('era_models') }}
),

era_sizes as (
    select eras.era, eras.era_order, eras.era_label, eras.missing_note,
           count(models.model_id) as era_models, max(models.era_as_of) as era_as_of
    from eras
    left join models on models.era = eras.era
    group by eras.era, eras.era_order, eras.era_label, eras.missing_note
),

-- Rise of tuned models: the first and the last 13 weeks (a quarter) of the era's weekly series.
dated as (
    select era, listed_week, model_type from models where listed_week is not null
),

bounds as (
    select era, min(listed_week) as first_week, max(listed_week) as last_week from dated group by era
),

rise as (
    select
        dated.era,
        sum(case when {{ dbt.datediff('bounds.first_week', 'dated.listed_week', 'day') }} < {{ quarter_days }} then 1 else 0 end) as first_models,
        sum(case when {{ dbt.datediff('bounds.first_week', 'dated.listed_week', 'day') }} < {{ quarter_days }}
                  and dated.model_type in {{ tuned_types }} then 1 else 0 end) as first_tuned,
        -- A week in both quarters (a series under 26 weeks) counts in the first, as in the report.
        sum(case when {{ dbt.datediff('bounds.first_week', 'dated.listed_week', 'day') }} >= {{ quarter_days }}
                  and {{ dbt.datediff('dated.listed_week', 'bounds.last_week', 'day') }} < {{ quarter_days }} then 1 else 0 end) as last_models,
        sum(case when {{ dbt.datediff('bounds.first_week', 'dated.listed_week', 'day') }} >= {{ quarter_days }}
                  and {{ dbt.datediff('dated.listed_week', 'bounds.last_week', 'day') }} < {{ quarter_days }}
                  and dated.model_type in {{ tuned_types }} then 1 else 0 end) as last_tuned
    from dated
    join bounds on bounds.era = dated.era
    group by dated.era
),

-- Fine-tuned and chat models against their one declared base, where the base is a model of the
-- same era: the paper's improvement rule (macro improvements_over_base) on each era's Average.
{%- for era in era_names %}
models_{{ era }} as (
    select * from models where era = '{{ era }}'
),

bases_{{ era }} as (
    select model_id, base_model_id from models_{{ era }} where base_model_id is not null
),
{% endfor %}

pairs as (
    {%- for era in era_names %}
    select '{{ era }}' as era, model_id, base_model_id, improvement
    from ({{ improvements_over_base('models_' ~ era, 'bases_' ~ era, ['average'], 2) }}) as era_pairs
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

improvements as (
    select pairs.*, base.architecture_group as base_architecture_group
    from pairs
    join models as base on base.era = pairs.era and base.model_id = pairs.base_model_id
),

per_base as (
    select era, base_model_id, count(*) as models,
           row_number() over (partition by era order by count(*) desc, base_model_id) as base_rank
    from improvements
    group by era, base_model_id
),

concentration as (
    select
        improvements.era,
        count(*) as models,
        sum(case when improvements.base_architecture_group in {{ llama_mistral_groups }} then 1 else 0 end) as on_llama_mistral,
        -- None where the era has no architecture groups (a weekly-only warehouse has no seed).
        count(improvements.base_architecture_group) as with_group,
        max(top_five.models) as on_top_five_bases
    from improvements
    left join (
        select era, sum(models) as models from per_base where base_rank <= 5 group by era
    ) as top_five on top_five.era = improvements.era
    group by improvements.era
),

improvement as (
    select
        era,
        count(*) as models,
        {{ exact_mean('improvement', scale=2) }} as mean_improvement,
        avg(case when improvement > 0 then 1 else 0 end) as share_improved
    from improvements
    group by era
),

sizes as (
    select
        era,
        count(*) as models,
        max(case when params_b <= {{ small_model_max_params_b }} then average end) as best_small,
        max(case when params_b > {{ small_model_max_params_b }} then average end) as best_large
    from models
    where params_b > 0 and average is not null
    group by era
),

claims as (
    select
        1 as claim_order,
        'rise_of_tuned_models' as claim_id,
        rise.era,
        rise.first_models + rise.last_models as models,
        case when rise.last_models > 0 then cast(rise.last_tuned as double) / rise.last_models end as measure,
        case when rise.first_models > 0 then cast(rise.first_tuned as double) / rise.first_models end as reference
    from rise
    union all
    select 2, 'concentration_on_few_bases', era, models,
           case when with_group > 0 then cast(on_llama_mistral as double) / models end,
           cast(on_top_five_bases as double) / models
    from concentration
    union all
    select 3, 'community_improves_bases', era, models, mean_improvement, share_improved
    from improvement
    union all
    select 4, 'small_models_manageable_loss', era, models,
           case when best_large > 0 and best_small is not null then (best_large - best_small) / best_large end,
           best_small
    from sizes
),

claim_rules as (
    select 1 as claim_order, 'rise_of_tuned_models' as claim_id,
           'Fine-tuned and chat models are on the rise: they make up a growing share of new models.' as claim,
           'share of fine-tuned and chat models among the models of the last 13 weeks' as measure_name,
           'the same share in the first 13 weeks' as reference_name,
           {{ text_literal("Supports when the share of fine-tuned and chat models among new models is higher in the last 13 weeks of the era's weekly series than in its first 13 weeks; contradicts when it is lower; mixed when equal.") }} as rule
    union all
    select 2, 'concentration_on_few_bases',
           'Community work concentrates on a few base models, such as those of the Llama and Mistral families.',
           'share of the fine-tuned and chat models compared with their base whose base is a Llama, Mistral or Mixtral model',
           'share of those models on the 5 most used bases',
           'Supports when at least half of the fine-tuned and chat models that name one base model of the same era build on a Llama, Mistral or Mixtral base; contradicts otherwise.'
    union all
    select 3, 'community_improves_bases',
           'The community improves on the base models: fine-tuned and chat models score higher than their base.',
           'mean change of the Average over the base, in points',
           'share of the models that score higher than their base',
           'Supports when the mean change of the Average over the base is positive and more than half of the models improve; contradicts when both are the other way; mixed otherwise.'
    union all
    select 4, 'small_models_manageable_loss',
           'Smaller models reach an accuracy close to the large ones: the loss is manageable.',
           {{ text_literal("loss of the best model of up to 9 billion parameters against the best larger model, as a share of the larger one's Average") }},
           'the best Average of a model of up to 9 billion parameters',
           {{ text_literal("Supports when the best model of up to 9 billion parameters scores within 10% of the best larger model's Average; contradicts otherwise.") }}
)

select
    claim_rules.claim_id,
    claim_rules.claim_order,
    claim_rules.claim,
    era_sizes.era,
    era_sizes.era_order,
    era_sizes.era_label,
    era_sizes.era_as_of,
    era_sizes.era_models,
    coalesce(claims.models, 0) as models,
    claims.measure,
    claim_rules.measure_name,
    claims.reference,
    claim_rules.reference_name,
    case
        when claims.measure is null or claims.reference is null then 'not enough data'
        when claim_rules.claim_id = 'rise_of_tuned_models' then
            case when claims.measure > claims.reference then 'supports'
                 when claims.measure < claims.reference then 'contradicts' else 'mixed' end
        when claim_rules.claim_id = 'concentration_on_few_bases' then
            case when claims.measure >= {{ majority }} then 'supports' else 'contradicts' end
        when claim_rules.claim_id = 'community_improves_bases' then
            case when claims.measure > 0 and claims.reference > {{ majority }} then 'supports'
                 when claims.measure <= 0 and claims.reference <= {{ majority }} then 'contradicts' else 'mixed' end
        when claim_rules.claim_id = 'small_models_manageable_loss' then
            case when claims.measure <= {{ manageable_loss }} then 'supports' else 'contradicts' end
    end as verdict,
    claim_rules.rule,
    case when era_sizes.era_models = 0 then era_sizes.missing_note end as note
from claim_rules
cross join era_sizes
left join claims on claims.claim_id = claim_rules.claim_id and claims.era = era_sizes.era
order by claim_rules.claim_order, era_sizes.era_order
