{#- Where DuckDB and Spark SQL differ, models call these: one implementation per engine, picked
    by adapter.dispatch (`duckdb__…`, `spark__…`; `default__…` where one spelling serves both).
    Everything else in the models is SQL both engines read the same way. -#}

{#- A string literal for a text that may hold quotes and backslashes (regular expressions):
    DuckDB doubles quotes and keeps backslashes; Spark escapes both with a backslash. -#}
{% macro text_literal(text) -%}{{ return(adapter.dispatch('text_literal', 'openllm_warehouse')(text)) }}{%- endmacro %}
{% macro default__text_literal(text) -%}'{{ text | replace("'", "''") }}'{%- endmacro %}
{% macro spark__text_literal(text) -%}'{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'{%- endmacro %}

{#- A timestamp with time zone (an instant): DuckDB's TIMESTAMPTZ, Spark's TIMESTAMP (local-time
    semantics in the session's zone, UTC here). -#}
{% macro type_timestamp_tz() -%}{{ return(adapter.dispatch('type_timestamp_tz', 'openllm_warehouse')()) }}{%- endmacro %}
{% macro default__type_timestamp_tz() -%}timestamptz{%- endmacro %}
{% macro spark__type_timestamp_tz() -%}timestamp{%- endmacro %}

{#- Lists (DuckDB LIST, Spark ARRAY) of strings. -#}
{% macro empty_list() -%}{{ return(adapter.dispatch('empty_list', 'openllm_warehouse')()) }}{%- endmacro %}
{% macro default__empty_list() -%}[]::varchar[]{%- endmacro %}
{% macro spark__empty_list() -%}cast(array() as array<string>){%- endmacro %}

{% macro list_of(expr) -%}{{ return(adapter.dispatch('list_of', 'openllm_warehouse')(expr)) }}{%- endmacro %}
{% macro default__list_of(expr) -%}[{{ expr }}]{%- endmacro %}
{% macro spark__list_of(expr) -%}array({{ expr }}){%- endmacro %}

{#- Keep the items for which `predicate` (over the lambda variable `var`) is true. -#}
{% macro list_filter(list, var, predicate) -%}{{ return(adapter.dispatch('list_filter', 'openllm_warehouse')(list, var, predicate)) }}{%- endmacro %}
{% macro default__list_filter(list, var, predicate) -%}list_filter({{ list }}, {{ var }} -> {{ predicate }}){%- endmacro %}
{% macro spark__list_filter(list, var, predicate) -%}filter({{ list }}, {{ var }} -> {{ predicate }}){%- endmacro %}

{% macro list_transform(list, var, expr) -%}{{ return(adapter.dispatch('list_transform', 'openllm_warehouse')(list, var, expr)) }}{%- endmacro %}
{% macro default__list_transform(list, var, expr) -%}list_transform({{ list }}, {{ var }} -> {{ expr }}){%- endmacro %}
{% macro spark__list_transform(list, var, expr) -%}transform({{ list }}, {{ var }} -> {{ expr }}){%- endmacro %}

{% macro list_size(list) -%}{{ return(adapter.dispatch('list_size', 'openllm_warehouse')(list)) }}{%- endmacro %}
{% macro default__list_size(list) -%}len({{ list }}){%- endmacro %}
{% macro spark__list_size(list) -%}size({{ list }}){%- endmacro %}

{#- The distinct non-null items of a list, sorted. -#}
{% macro list_distinct_sorted(list) -%}{{ return(adapter.dispatch('list_distinct_sorted', 'openllm_warehouse')(list)) }}{%- endmacro %}
{% macro default__list_distinct_sorted(list) -%}list_sort(list_distinct({{ list }})){%- endmacro %}
{% macro spark__list_distinct_sorted(list) -%}array_sort(array_distinct(filter({{ list }}, x -> x is not null))){%- endmacro %}

{#- The aggregate that collects a group's values into a list (sorted ascending when `sorted`). -#}
{% macro list_agg(expr, sorted=false) -%}{{ return(adapter.dispatch('list_agg', 'openllm_warehouse')(expr, sorted)) }}{%- endmacro %}
{% macro default__list_agg(expr, sorted) -%}list({{ expr }}{% if sorted %} order by {{ expr }}{% endif %}){%- endmacro %}
{% macro spark__list_agg(expr, sorted) -%}{% if sorted %}array_sort(collect_list({{ expr }})){% else %}collect_list({{ expr }}){% endif %}{%- endmacro %}

{#- One row per item of a list, in a select list (DuckDB unnest, Spark explode). -#}
{% macro unnest_list(list) -%}{{ return(adapter.dispatch('unnest_list', 'openllm_warehouse')(list)) }}{%- endmacro %}
{% macro default__unnest_list(list) -%}unnest({{ list }}){%- endmacro %}
{% macro spark__unnest_list(list) -%}explode({{ list }}){%- endmacro %}

{#- Every match of `pattern` (a plain text, quoted here) in `expr`, the whole match each. -#}
{% macro regexp_extract_all_matches(expr, pattern) -%}regexp_extract_all({{ expr }}, {{ text_literal(pattern) }}, 0){%- endmacro %}

{#- Every match of `pattern` in `expr` replaced (DuckDB replaces the first unless 'g'). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}{{ return(adapter.dispatch('regexp_replace_all', 'openllm_warehouse')(expr, pattern, replacement)) }}{%- endmacro %}
{% macro default__regexp_replace_all(expr, pattern, replacement) -%}regexp_replace({{ expr }}, {{ text_literal(pattern) }}, {{ text_literal(replacement) }}, 'g'){%- endmacro %}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}regexp_replace({{ expr }}, {{ text_literal(pattern) }}, {{ text_literal(replacement) }}){%- endmacro %}

{#- True when `pattern` matches anywhere in `expr`. -#}
{% macro regexp_contains(expr, pattern) -%}{{ return(adapter.dispatch('regexp_contains', 'openllm_warehouse')(expr, pattern)) }}{%- endmacro %}
{% macro default__regexp_contains(expr, pattern) -%}regexp_matches({{ expr }}, {{ text_literal(pattern) }}){%- endmacro %}
{% macro spark__regexp_contains(expr, pattern) -%}rlike({{ expr }}, {{ text_literal(pattern) }}){%- endmacro %}

{% macro starts_with(expr, prefix) -%}{{ return(adapter.dispatch('starts_with', 'openllm_warehouse')(expr, prefix)) }}{%- endmacro %}
{% macro default__starts_with(expr, prefix) -%}starts_with({{ expr }}, {{ prefix }}){%- endmacro %}
{% macro spark__starts_with(expr, prefix) -%}startswith({{ expr }}, {{ prefix }}){%- endmacro %}

{#- Every column of the relation but `columns` (DuckDB `* exclude`, Spark `* except`). -#}
{% macro star_except(columns) -%}{{ return(adapter.dispatch('star_except', 'openllm_warehouse')(columns)) }}{%- endmacro %}
{% macro default__star_except(columns) -%}* exclude ({{ columns | join(', ') }}){%- endmacro %}
{% macro spark__star_except(columns) -%}* except ({{ columns | join(', ') }}){%- endmacro %}

{#- One row per date from `start` to `stop` (inclusive) by `step` (an interval: `interval 7 day`),
    as a set-returning expression in a select list. -#}
{% macro date_series(start, stop, step) -%}{{ return(adapter.dispatch('date_series', 'openllm_warehouse')(start, stop, step)) }}{%- endmacro %}
{% macro default__date_series(start, stop, step) -%}
    unnest(list_transform(generate_series(cast({{ start }} as timestamp), cast({{ stop }} as timestamp), {{ step }}), d -> cast(d as date)))
{%- endmacro %}
{% macro spark__date_series(start, stop, step) -%}
    explode(sequence(cast({{ start }} as date), cast({{ stop }} as date), {{ step }}))
{%- endmacro %}

{#- Whole seconds from instant `start` to instant `stop`. -#}
{% macro seconds_between(start, stop) -%}{{ return(adapter.dispatch('seconds_between', 'openllm_warehouse')(start, stop)) }}{%- endmacro %}
{% macro default__seconds_between(start, stop) -%}date_diff('second', {{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__seconds_between(start, stop) -%}(unix_timestamp({{ stop }}) - unix_timestamp({{ start }})){%- endmacro %}

{#- The window's last non-null value (followed by `over (...)`). -#}
{% macro last_value_ignore_nulls(expr) -%}{{ return(adapter.dispatch('last_value_ignore_nulls', 'openllm_warehouse')(expr)) }}{%- endmacro %}
{% macro default__last_value_ignore_nulls(expr) -%}last_value({{ expr }} ignore nulls){%- endmacro %}
{% macro spark__last_value_ignore_nulls(expr) -%}last_value({{ expr }}, true){%- endmacro %}

{#- dbt unit-test fixtures on Spark: a YAML list for an ARRAY column becomes array('a', 'b')
    (dbt-spark would write the Python list, which Spark cannot parse). Found first through the
    project's `dispatch` search order (dbt_project.yml); everything else is dbt-spark's. -#}
{% macro spark__safe_cast(field, type) -%}
    {%- if field is iterable and field is not string and field is not mapping -%}
        cast(array({% for item in field %}{{ dbt.string_literal(dbt.escape_single_quotes(item)) }}{{ ', ' if not loop.last }}{% endfor %}) as {{ type }})
    {%- else -%}
        {#- dbt-spark's own: a quoted struct/array/map literal is cast unquoted -#}
        {%- set field_clean = field.strip('"').strip("'") if (cast_from_string_unsupported_for(type) and field is string) else field -%}
        cast({{ field_clean }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- dbt seeds on Spark: values written as literals, not bound parameters. dbt-spark's session
    cursor binds None as the text 'None', so an empty CSV cell would load as 'None', not null. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    cast({% if value is none %}null{% else %}{{ text_literal(value | string) }}{% endif %} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- A double rounded to `digits` decimals as DuckDB rounds it: scaled by 10^digits, rounded half
    away from zero, scaled back. Spark's round of a double goes through its shortest decimal
    text, which differs on values like 56.905 (56.904999… in binary): DuckDB 56.9, Spark 56.91. -#}
{% macro round_double(expr, digits) -%}{{ return(adapter.dispatch('round_double', 'openllm_warehouse')(expr, digits)) }}{%- endmacro %}
{% macro default__round_double(expr, digits) -%}round({{ expr }}, {{ digits }}){%- endmacro %}
{% macro spark__round_double(expr, digits) -%}(round({{ expr }} * {{ 10 ** digits }}) / {{ 10 ** digits }}){%- endmacro %}

{#- A wall-clock DATETIME text and its zone's offset in seconds WEST of UTC (git's, as GitPython
    gives it: +02:00 is -7200) → the UTC instant. -#}
{% macro local_time_to_utc(local, seconds_west) -%}{{ return(adapter.dispatch('local_time_to_utc', 'openllm_warehouse')(local, seconds_west)) }}{%- endmacro %}
{% macro default__local_time_to_utc(local, seconds_west) -%}timezone('UTC', try_cast({{ null_if_blank(local) }} as timestamp) + to_seconds(try_cast({{ seconds_west }} as bigint))){%- endmacro %}
{% macro spark__local_time_to_utc(local, seconds_west) -%}timestamp_seconds(unix_timestamp(try_cast({{ null_if_blank(local) }} as timestamp)) + try_cast({{ seconds_west }} as bigint)){%- endmacro %}
