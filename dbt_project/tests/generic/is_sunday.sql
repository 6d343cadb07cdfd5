{# Dates that are not a Sunday (the week start of a date is itself). #}
{% test is_sunday(model, column_name) %}
select * from {{ model }}
where {{ column_name }} is not null and {{ sunday_of_date(column_name) }} <> {{ column_name }}
{% endtest %}
