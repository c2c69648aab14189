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

{# The window of a customer's months on a dense spine (a row for every calendar month from its
   first to its last): `rows` frames and lag() offsets count calendar months. #}
{% macro customer_months_window() -%}
    partition by customer_id order by month_number
{%- endmacro %}

{# Running totals on that window (select-list items of one window pass): `<name>_sum`, the sum
   of `expr` over the customer's months so far, and `<name>_n`, the count of its values. #}
{% macro running_sum(expr, name) -%}
    sum({{ expr }}) over ({{ customer_months_window() }} rows between unbounded preceding and current row)
        as {{ name }}_sum
{%- endmacro %}

{% macro running_count(expr, name) -%}
    count({{ expr }}) over ({{ customer_months_window() }} rows between unbounded preceding and current row)
        as {{ name }}_n
{%- endmacro %}

{# A running total's growth over the `months` months that end `offset` months before the row's:
   the total then less the total `months` earlier (none before the customer's first month). #}
{% macro running_growth(column, months, offset=0) -%}
    {%- set window = customer_months_window() -%}
    coalesce({{ 'lag(' ~ column ~ ', ' ~ offset ~ ') over (' ~ window ~ ')' if offset else column }}, 0)
    - coalesce(lag({{ column }}, {{ offset + months }}) over ({{ window }}), 0)
{%- endmacro %}

{# The sum of running_sum `name`'s values over `months` months ending `offset` months back:
   null when the window holds no value (no value of running_sum `counted`, null exactly where
   `name`'s expression is), as SQL's sum over nulls is. Exact: the totals are DECIMAL or integer
   sums. #}
{% macro trailing_sum(name, months, offset=0, counted=none) -%}
    case
        when {{ running_growth((counted or name) ~ '_n', months, offset) }} > 0
            then {{ running_growth(name ~ '_sum', months, offset) }}
    end
{%- endmacro %}
