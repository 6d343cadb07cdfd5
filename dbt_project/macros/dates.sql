{#- The Sunday that starts the week of a timestamp, in UTC, as DATE (DuckDB: Sunday = 0).
    Sunday weeks match both the paper and Dagster's default weekly partitions. -#}
{% macro sunday_week_start(ts) -%}
    {{ sunday_of_date("cast(timezone('UTC', " ~ ts ~ ") as date)") }}
{%- endmacro %}

{#- The Sunday that starts the week of a DATE. -#}
{% macro sunday_of_date(d) -%}
    ({{ d }} - cast(dayofweek({{ d }}) as integer))
{%- endmacro %}

{% macro month_start_utc(ts) -%}
    cast(date_trunc('month', timezone('UTC', {{ ts }})) as date)
{%- endmacro %}
