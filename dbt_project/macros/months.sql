{# Month helpers on 'YYYY-MM' keys. #}

{% macro month_key(date_expr) -%}
    {{ year_month(date_expr) }}
{%- endmacro %}

{% macro month_end_of_key(key_expr) -%}
    last_day(cast({{ key_expr }} || '-01' as date))
{%- endmacro %}

{# Rows of an incremental model whose month key lies in the run's partition window. #}
{% macro in_partition_window(key_expr) -%}
    {{ key_expr }} between '{{ var("min_month") }}' and '{{ var("max_month") }}'
{%- endmacro %}

{# Months since year 0 of a 'YYYY-MM' key, computed at compile time. #}
{% macro month_index(key) -%}
    {{- (key[0:4] | int) * 12 + (key[5:7] | int) - 1 -}}
{%- endmacro %}

{# The 'YYYY-MM' key of a month index (months since year 0), at compile time. #}
{% macro month_of_index(idx) -%}
    {{- '%04d-%02d' | format(idx // 12, idx % 12 + 1) -}}
{%- endmacro %}

{# A 'YYYY-MM' key shifted by n months, computed at compile time. #}
{% macro shift_month(key, n) -%}
    {{- month_of_index((month_index(key) | int) + n) -}}
{%- endmacro %}
