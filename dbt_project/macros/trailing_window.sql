{# For each month of `months`: one row per customer with activity in `source` during the
   trailing window (`lookback` + 1 months up to the month), aggregated by `aggregates` over the rows that meet `condition`
   (SQL over the source's columns; {month}, {m2}, {m11}, {m12}, {m14} stand for the month and
   the months 2, 11, 12 and 14 before it). Each month is a small group-by of its own: memory stays at
   one month of customers, and sums over exact decimals/integers are order-independent. #}
{% macro trailing_window(source, month_column, months, lookback, aggregates, condition='true') -%}
    {%- for month in months %}
    {%- set sql = aggregates | replace('{month}', month) | replace('{m2}', shift_month(month, -2))
        | replace('{m11}', shift_month(month, -11)) | replace('{m12}', shift_month(month, -12))
        | replace('{m14}', shift_month(month, -14)) %}
    select customer_id, '{{ month }}' as as_of_month, {{ sql }}
    from {{ source }}
    where {{ month_column }} between '{{ shift_month(month, -lookback) }}' and '{{ month }}'
        and {{ condition | replace('{m2}', shift_month(month, -2)) | replace('{m12}', shift_month(month, -12)) }}
    group by customer_id
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select customer_id, null::varchar as as_of_month, {{ aggregates | replace('{month}', '1900-01')
        | replace('{m2}', '1900-01') | replace('{m11}', '1900-01') | replace('{m12}', '1900-01')
        | replace('{m14}', '1900-01') }}
    from {{ source }}
    where false
    group by customer_id
    {%- endfor %}
{%- endmacro %}
