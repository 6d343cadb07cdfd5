{# Dates that are not a Sunday (DuckDB: dayofweek = 0 is Sunday). #}
{% test is_sunday(model, column_name) %}
select * from {{ model }}
where {{ column_name }} is not null and dayofweek({{ column_name }}) <> 0
{% endtest %}
