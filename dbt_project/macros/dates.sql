{#- The Sunday that starts the week of a timestamp, in UTC, as DATE (DuckDB: Sunday = 0).
    Sunday weeks match both the paper and Dagster's default weekly partitions. -#}
{% macro sunday_week_start(ts) -%}
    {{ sunday_of_date(utc_date(ts)) }}
{%- endmacro %}

{#- The UTC calendar date of an instant. -#}
{% macro utc_date(ts) -%}{{ return(adapter.dispatch('utc_date', 'openllm_warehouse')(ts)) }}{%- endmacro %}
{% macro default__utc_date(ts) -%}cast(timezone('UTC', {{ ts }}) as date){%- endmacro %}
{#- Spark's session time zone is UTC (profiles.yml), so a cast is the UTC date. -#}
{% macro spark__utc_date(ts) -%}cast({{ ts }} as date){%- endmacro %}

{#- The Sunday that starts the week of a DATE. -#}
{% macro sunday_of_date(d) -%}{{ return(adapter.dispatch('sunday_of_date', 'openllm_warehouse')(d)) }}{%- endmacro %}
{% macro default__sunday_of_date(d) -%}({{ d }} - cast(dayofweek({{ d }}) as integer)){%- endmacro %}
{#- Spark's dayofweek counts Sunday as 1. -#}
{% macro spark__sunday_of_date(d) -%}date_sub({{ d }}, dayofweek({{ d }}) - 1){%- endmacro %}

{% macro month_start_utc(ts) -%}{{ return(adapter.dispatch('month_start_utc', 'openllm_warehouse')(ts)) }}{%- endmacro %}
{% macro default__month_start_utc(ts) -%}cast(date_trunc('month', timezone('UTC', {{ ts }})) as date){%- endmacro %}
{% macro spark__month_start_utc(ts) -%}trunc(cast({{ ts }} as date), 'MM'){%- endmacro %}
