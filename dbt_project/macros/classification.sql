{#- model_type from the leaderboard's self-declared type, its emoji stripped (METHOD.md): the
    TypeString text decides; the bare symbol is the fallback where TypeString is empty. -#}
{% macro model_type(type_symbol, type_string) -%}
    case
        when nullif(trim({{ type_string }}), '') is not null then
            case
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
                else 'unknown'
            end
    end
{%- endmacro %}

{#- Commit authors that are bots, not people: `system`, `leaderboard-pr-bot`, and any name
    ending in `bot` (case-insensitive). -#}
{% macro is_bot_author(author) -%}
    (lower(trim({{ author }})) in ('system', 'leaderboard-pr-bot') or lower(trim({{ author }})) like '%bot')
{%- endmacro %}
