{#- The six v2 benchmarks, normalised (0-100, as the leaderboard ranks them) then raw (0-1). -#}
{% macro v2_benchmarks() -%}
    {{ return(['ifeval', 'bbh', 'math_lvl_5', 'gpqa', 'musr', 'mmlu_pro']) }}
{%- endmacro %}

{% macro v2_score_columns() -%}
    {%- set columns = ['average'] -%}
    {%- for benchmark in v2_benchmarks() -%}
        {%- do columns.append(benchmark) -%}
        {%- do columns.append(benchmark ~ '_raw') -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The attributes of an evaluation whose change opens a version of leaderboard_v2_history, as
    compared (its scores, likes and base model are compared apart). params_b at whole billions,
    truncated: the 2024 layouts print it so (7.616 as 7), later ones to three decimals.
    declared_type is left out: its spelling changes with the layout; model_type is its meaning. -#}
{% macro v2_attribute_columns() -%}
    {{ return(['model_type', 'architecture', 'floor(params_b)', 'license', 'is_flagged', 'is_merged', 'is_moe',
               'is_available_on_hub', 'submission_date', 'upload_date']) }}
{%- endmacro %}

{#- A text TRUE/FALSE (any case) as boolean; anything else is null. -#}
{% macro to_boolean(expr) -%}
    case upper(trim({{ expr }})) when 'TRUE' then true when 'FALSE' then false end
{%- endmacro %}

{#- A date var: a partition window bound (`window_start`, `window_end`), or the date the v2 canon
    is read as of (`v2_as_of`): an ISO date, or none when unset. Dagster passes it as the
    environment variable WAREHOUSE_<NAME> (orchestration/settings.py; a change of --vars would
    make dbt re-parse the whole project); by hand, `--vars` works too and wins. Anything else
    stops the build, so a malformed value can never reach SQL. -#}
{% macro window_var(name) -%}
    {%- set value = var(name, env_var('WAREHOUSE_' ~ name | upper, '')) -%}
    {%- if value is none or value == '' -%}{{ return(none) }}{%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error("dbt var " ~ name ~ " must be an ISO date (YYYY-MM-DD), got " ~ (value | string)) }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}

{#- Where an incremental build of leaderboard_v2_history starts: the last snapshot before the
    partition window. Versions open at that snapshot, and everything after it, are recomputed;
    versions closed by then cannot change. None (first build, full refresh, no window, or a window
    before the first snapshot) → rebuild from the first snapshot. -#}
{% macro v2_history_anchor() -%}
    {%- set window_start = window_var('window_start') -%}
    {%- if not execute or not is_incremental() or window_start is none -%}{{ return(none) }}{%- endif -%}
    {%- set query -%}
        select cast(max(snapshot_date) as string) from {{ ref('int_leaderboard_v2_observations') }}
        where snapshot_date < cast('{{ window_start }}' as date)
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}

{#- The pre-hook of leaderboard_v2_history's delete+insert (keyed by evaluation): an evaluation
    the window no longer shows at all (a week's file replaced) is not rewritten by the insert,
    so its versions from the anchor on are deleted here. -#}
{% macro delete_v2_history_gone_from_window() -%}
    {%- if is_incremental() -%}
        {%- set anchor = v2_history_anchor() -%}
        delete from {{ this }}
        where evaluation_id not in (
            select evaluation_id from {{ ref('int_leaderboard_v2_observations') }}
            {%- if anchor is not none %} where snapshot_date >= cast('{{ anchor }}' as date){% endif %}
        )
        {%- if anchor is not none %}
          and (valid_from >= cast('{{ anchor }}' as date) or valid_to is null or valid_to > cast('{{ anchor }}' as date))
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
