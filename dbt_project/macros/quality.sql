{# A value that was supplied (non-blank text) but did not parse into its contract type. #}
{% macro is_unparsed(raw_expr, typed_expr) -%}
    ({{ typed_expr }} is null and nullif(trim(cast({{ raw_expr }} as varchar)), '') is not null)
{%- endmacro %}

{# An exact duplicate: every business column equal to an earlier row (earliest batch, then row, wins). #}
{% macro is_exact_duplicate(columns) -%}
    (row_number() over (partition by {{ columns | join(', ') }} order by _batch_seq, _row_number) > 1)
{%- endmacro %}

{# Timestamps later than the run (plus a day of clock skew) cannot be real yet. #}
{% macro is_future(ts_expr) -%}
    ({{ ts_expr }} > current_timestamp::timestamp + interval 1 day)
{%- endmacro %}
