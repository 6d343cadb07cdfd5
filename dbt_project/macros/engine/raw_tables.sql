{#- On Spark, the raw tables are the Parquet directories the raw assets land under
    WAREHOUSE_SPARK_DIR/raw/<name>. Before each dbt run they are (re)registered as external
    tables `raw.<name>` (dropping one keeps its files), so `source('raw', …)`, the tests and the
    unit tests' column lookups read what was landed last, with its current columns. Dagster
    passes the names landed so far in WAREHOUSE_SPARK_RAW_TABLES; by hand, every raw source. -#}
{% macro register_landed_raw_tables() -%}
    {{ return(adapter.dispatch('register_landed_raw_tables', 'openllm_warehouse')()) }}
{%- endmacro %}

{% macro default__register_landed_raw_tables() -%}{%- endmacro %}

{% macro spark__register_landed_raw_tables() -%}
    {%- if execute -%}
        {%- set listed = env_var('WAREHOUSE_SPARK_RAW_TABLES', '') -%}
        {%- set names = listed.split(',') if listed else graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | map(attribute='name') | list -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for name in names if name -%}
            {%- if not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
                {{ exceptions.raise_compiler_error("WAREHOUSE_SPARK_RAW_TABLES: not a raw table name: " ~ name) }}
            {%- endif -%}
            {%- do run_query('drop table if exists raw.' ~ name) -%}
            {%- do run_query('create table raw.' ~ name ~ ' using parquet location ' ~ text_literal(env_var('WAREHOUSE_SPARK_DIR') ~ '/raw/' ~ name)) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
