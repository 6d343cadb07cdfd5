{# Use the folder's schema as is (staging, intermediate, marts, seeds): users query
   `marts.dim_models`, not `main_marts.dim_models`. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
