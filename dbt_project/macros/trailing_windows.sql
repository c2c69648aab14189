{# The trailing-window models (int_customer_trailing_12m and its _meter companion) share their
   as_of_months, their calendar and their windows. #}

{# The as_of_months of a run: the months of the partition window with billing or meter facts. #}
{% macro trailing_output_months(billing, meter) -%}
    select billing_month as as_of_month from {{ billing }}
    where {{ in_partition_window('billing_month') }}
    union
    select month as as_of_month from {{ meter }}
    where {{ in_partition_window('month') }}
{%- endmacro %}

{# The first month a run's windows reach: 14 months before min_month (the same 3 months a year
   earlier end 12 months back). #}
{% macro trailing_first_fact_month() -%}
    {{- shift_month(var('min_month'), -14) -}}
{%- endmacro %}

{# The months a run's windows reach, trailing_first_fact_month..max_month, one row each: the
   'YYYY-MM' key `month` and `month_number` (months since year 0), listed at compile time. #}
{% macro trailing_calendar() -%}
    {%- set first = month_index(trailing_first_fact_month()) | int -%}
    {%- set last = month_index(var('max_month')) | int -%}
    select * from (values
    {%- for idx in range(first, last + 1) %}
        ('{{ month_of_index(idx) }}', {{ idx }}){{ ',' if not loop.last }}
    {%- endfor %}
    ) as calendar (month, month_number)
{%- endmacro %}

{# A window over a customer's months `months_back`..`months_back_end` months before the row's: a
   ROWS frame, the models' rows being a dense spine (one row for every calendar month from the
   customer's first to its last), so that n rows are n calendar months. #}
{% macro months_frame(months_back, months_back_end=0) -%}
    over (
        partition by customer_id order by month_number
        rows between {{ months_back }} preceding and
        {{ 'current row' if months_back_end == 0 else months_back_end ~ ' preceding' }}
    )
{%- endmacro %}
