{# Expressions whose spelling differs between engines: the models call these, and each engine
   gets its own implementation through adapter.dispatch (default__: DuckDB). #}

{# Whole days from date `start_expr` to date `end_expr` (negative when end is earlier). #}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between', 'gridseg')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__days_between(start_expr, end_expr) -%}
    date_diff('day', {{ start_expr }}, {{ end_expr }})
{%- endmacro %}
