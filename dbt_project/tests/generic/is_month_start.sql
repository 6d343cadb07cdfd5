{% test is_month_start(model, column_name) %}
select * from {{ model }}
where {{ column_name }} is not null and day({{ column_name }}) <> 1
{% endtest %}
