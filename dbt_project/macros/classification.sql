{#- model_type from the leaderboard's self-declared type, its emoji stripped (METHOD.md): the
    TypeString text decides; the bare symbol is the fallback where TypeString is empty.
    `multimodal`: v2's 🌸 multimodal type as its own code (dim_models_v2) instead of unknown. -#}
{% macro model_type(type_symbol, type_string, multimodal=false) -%}
    case
        when nullif(trim({{ type_string }}), '') is not null then
            case
                {%- if multimodal %}
                when lower({{ type_string }}) like '%multimodal%' then 'multimodal'
                {%- endif %}
                when lower({{ type_string }}) like '%fine-tuned%' then 'fine_tuned'
                when lower({{ type_string }}) like '%chat%' then 'chat'
                when lower({{ type_string }}) like '%merge%' then 'merge'
                when lower({{ type_string }}) like '%continuously%pretrained%' then 'continuously_pretrained'
                when lower({{ type_string }}) like '%pretrained%' then 'pretrained'
                else 'unknown'
            end
        else
            case trim({{ type_symbol }})
                when '🔶' then 'fine_tuned'
                when '💬' then 'chat'
                when '🤝' then 'merge'
                when '🟩' then 'continuously_pretrained'
                when '🟢' then 'pretrained'
                {%- if multimodal %}
                when '🌸' then 'multimodal'
                {%- endif %}
                else 'unknown'
            end
    end
{%- endmacro %}

{#- Commit authors that are bots, not people: `system`, `leaderboard-pr-bot`, and any name
    ending in `bot` (case-insensitive). -#}
{% macro is_bot_author(author) -%}
    (lower(trim({{ author }})) in ('system', 'leaderboard-pr-bot') or lower(trim({{ author }})) like '%bot')
{%- endmacro %}

{#- A model's name for family matching (METHOD.md, Fig 11): the lower-cased id without its org
    (the part before `/`; a bare legacy id is its own name) and without `-`, `_` and `.`. -#}
{% macro normalised_model_name(model_id) -%}
    {{ regexp_replace_all("split_part(lower(trim(" ~ model_id ~ ")), '/', -1)", '[-_.]', '') }}
{%- endmacro %}

{#- params_b rounded to the nearest whole billion (halves away from zero), as an integer: the
    size bin of Fig 10 and the size a base-model family may require. -#}
{% macro params_bin(params_b) -%}
    cast(round({{ params_b }}) as integer)
{%- endmacro %}

{#- A merge by its repo tags: a plain tag (no `:` or `/`, which name base models, datasets and
    repos) containing `merge`: merge, mergekit, lazymergekit, automerger, frankenmerge, … -#}
{% macro has_merge_tag(tags_list) -%}
    ({{ list_size(list_filter(tags_list, 't', "contains(lower(t), 'merge') and not contains(t, ':') and not contains(t, '/')")) }} > 0)
{%- endmacro %}

{#- A merge by its name: the lower-cased id (org included: automerger/…, frankenmerger/…)
    contains `merge`. -#}
{% macro has_merge_name(model_id) -%}
    contains(lower({{ model_id }}), 'merge')
{%- endmacro %}

{#- The mean of a score column, exact and independent of the order the engine's threads add
    doubles in (identical reruns): summed as DECIMAL with `scale` decimals. `over`: a window
    (`partition by …`) instead of a group. DuckDB's avg of a DECIMAL is a DOUBLE; Spark's is a
    DECIMAL cut to `scale` + 4 decimals, so Spark divides the exact sum itself. -#}
{% macro exact_mean(expr, scale=6, over=none) -%}{{ return(adapter.dispatch('exact_mean', 'openllm_warehouse')(expr, scale, over)) }}{%- endmacro %}
{% macro default__exact_mean(expr, scale, over) -%}
    cast(avg(cast({{ expr }} as decimal(18, {{ scale }}))){% if over %} over ({{ over }}){% endif %} as double)
{%- endmacro %}
{% macro spark__exact_mean(expr, scale, over) -%}
    (cast(sum(cast({{ expr }} as decimal(18, {{ scale }}))){% if over %} over ({{ over }}){% endif %} as double)
     / count({{ expr }}){% if over %} over ({{ over }}){% endif %})
{%- endmacro %}

{#- Every (model, ancestor) pair along declared bases, from a relation of (model_id,
    base_model_id), cycles included (a model on a cycle is its own ancestor). A nested WITH, so
    the calling model's own WITH stays non-recursive. -#}
{% macro lineage_ancestry(declared) -%}{{ return(adapter.dispatch('lineage_ancestry', 'openllm_warehouse')(declared)) }}{%- endmacro %}

{#- DuckDB: recursive on the set of pairs (UNION, not UNION ALL), which ends every cycle. -#}
{% macro default__lineage_ancestry(declared) -%}
    with recursive walk(model_id, ancestor_id) as (
        select model_id, base_model_id from {{ declared }}
        union
        select walk.model_id, {{ declared }}.base_model_id
        from walk
        join {{ declared }} on {{ declared }}.model_id = walk.ancestor_id
    )
    select model_id, ancestor_id from walk
{%- endmacro %}

{#- Spark's recursive CTEs take UNION ALL only: each walk carries the ancestors it has passed and
    stops before one it has seen, which ends every cycle and reaches the same pairs. -#}
{% macro spark__lineage_ancestry(declared) -%}
    with recursive walk(model_id, ancestor_id, passed) as (
        select model_id, base_model_id, array(base_model_id) from {{ declared }}
        union all
        select walk.model_id, {{ declared }}.base_model_id, concat(walk.passed, array({{ declared }}.base_model_id))
        from walk
        join {{ declared }} on {{ declared }}.model_id = walk.ancestor_id
        where not array_contains(walk.passed, {{ declared }}.base_model_id)
    )
    select distinct model_id, ancestor_id from walk
{%- endmacro %}
