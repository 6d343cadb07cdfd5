{#- Parsing helpers for the raw text of the snapshot files (METHOD.md, "Known quirks"). -#}

{% macro null_if_blank(expr) -%}
    nullif(nullif(trim({{ expr }}), ''), 'None')
{%- endmacro %}

{% macro to_double(expr) -%}
    try_cast({{ null_if_blank(expr) }} as double)
{%- endmacro %}

{% macro to_timestamp_utc(expr) -%}
    try_cast({{ null_if_blank(expr) }} as {{ type_timestamp_tz() }})
{%- endmacro %}

{#- The v1 scrapes invert Flagged, Merged and MoE: the raw value `False` means the model IS
    flagged / merged / MoE. The paper's scrape spells booleans True/False, the final v1 table
    TRUE/FALSE; each raw suite admits only its own layout's spelling. -#}
{% macro inverted_flag(expr) -%}
    (trim({{ expr }}) in ('False', 'FALSE'))
{%- endmacro %}

{#- A boolean as the v1 leaderboard files spell it (True/TRUE); anything else is false. -#}
{% macro is_true(expr) -%}
    (trim({{ expr }}) in ('True', 'TRUE'))
{%- endmacro %}

{#- A Python-style list literal (`['a', "b's"]`), a plain id, `unknown`, `[]` or empty →
    a list of trimmed strings, without empty and `unknown` items. -#}
{% macro parse_list_literal(expr) -%}
    {%- set items -%}
        case
            when {{ expr }} is null then {{ empty_list() }}
            when trim({{ expr }}) like '[%'
                then {{ list_transform(regexp_extract_all_matches('trim(' ~ expr ~ ')', "'[^']*'|\"[^\"]*\""), 'x', 'trim(substr(x, 2, length(x) - 2))') }}
            else {{ list_of('trim(' ~ expr ~ ')') }}
        end
    {%- endset %}
    {{ list_filter(items, 'x', "x <> '' and lower(x) not in ('unknown', 'none')") }}
{%- endmacro %}

{#- `base_model:<id>` tags, and newer `base_model:<relation>:<id>` tags (finetune, adapter,
    merge, quantized): the id is what follows the last colon. -#}
{% macro base_models_from_tags(tags_list) -%}
    {{ list_transform(list_filter(tags_list, 't', starts_with('lower(t)', "'base_model:'")), 't', "regexp_extract(t, '([^:]+)$', 1)") }}
{%- endmacro %}

{#- Model ids are case-insensitive: every join uses the lower-cased id. -#}
{% macro model_key(expr) -%}
    lower(trim({{ expr }}))
{%- endmacro %}

{#- The seven v1 benchmark columns, in the leaderboard's order (average first). -#}
{% macro v1_benchmarks() -%}
    {{ return(['average', 'arc', 'hellaswag', 'mmlu', 'truthfulqa', 'winogrande', 'gsm8k']) }}
{%- endmacro %}

{#- An HFCommunity repo id (`models/<owner>/<name>`) as the warehouse's model key: the type
    prefix removed, lower-cased. Only meaningful for model repos. -#}
{% macro hfc_model_key(repo_id) -%}
    {{ model_key(regexp_replace_all(repo_id, '^models/', '')) }}
{%- endmacro %}

{#- The Hub API's created_at floor: the Hub began storing creation dates on 2022-03-02 and stamped
    every older repo with that moment (huggingface_hub's ModelInfo: "the lowest value is
    2022-03-02T23:29:04.000Z"); the backfill took seconds (the paper's snapshot has 23:29:04 and
    :05). An instant in that minute is censored: not a creation date (docs/sources.md). -#}
{% macro is_hub_created_at_floor(ts) -%}
    ({{ ts }} >= cast('2022-03-02 23:29:04' as {{ type_timestamp_tz() }}) and {{ ts }} < cast('2022-03-02 23:30:00' as {{ type_timestamp_tz() }}))
{%- endmacro %}
