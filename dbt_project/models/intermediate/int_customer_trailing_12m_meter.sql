{{ config(materialized='window_incremental', unique_key='as_of_month',
    on_schema_change='fail') }}
-- Trailing-window sums of the smart-meter monthly facts (int_customer_months_meter): one row per
-- customer x as_of_month whose 12-month window holds meter reads. customer_features joins them
-- to the account sums of int_customer_trailing_12m.
--
-- They live apart because most customers have no smart-meter reads (every customer of a utility
-- without them): as null columns of int_customer_trailing_12m they would be written for every
-- customer; here a run without meter reads writes nothing.
--
-- The as_of_months are int_customer_trailing_12m's (trailing_output_months), and so are the
-- frames: ROWS over a dense spine of calendar months (from the customer's first month with reads
-- in reach to the last as_of_month), null for a window without a value, sums in the monthly
-- fact's DECIMAL(18, s), counts as INTEGER.
{%- set first_fact_month = trailing_first_fact_month() %}
{%- set max_month = var('max_month') %}
{%- set billing = ref('int_customer_months_billing') %}
{%- set meter = ref('int_customer_months_meter') %}
{#- the 12-month sums `<column>_12m`: (column, output type); a sum keeps its monthly fact's
    DECIMAL(18, s) #}
{%- set summed = [('ami_kwh', 'decimal(18, 4)'), ('n_reads', 'integer'),
    ('ami_kw_sum', 'decimal(18, 4)'), ('ami_peak_kwh', 'decimal(18, 4)'),
    ('ami_night_kwh', 'decimal(18, 4)'), ('ami_offpeak_kwh', 'decimal(18, 4)'),
    ('ami_weekday_kwh', 'decimal(18, 4)'), ('ami_weekdays', 'integer'),
    ('ami_weekend_kwh', 'decimal(18, 4)'), ('ami_weekend_days', 'integer')] %}
with output_months as (
    {{ trailing_output_months(billing, meter) }}
),

meter_in_reach as (
    select * from {{ meter }}
    where month between '{{ first_fact_month }}' and '{{ max_month }}'
),

calendar as (
    {{ trailing_calendar() }}
),

meter_customers as (
    select
        customer_id,
        min(month) as first_month
    from meter_in_reach
    group by customer_id
),

last_output as (
    select max(as_of_month) as last_month from output_months
),

-- each meter customer's months: every calendar month from its first with reads in reach to the
-- last as_of_month
facts as (
    select
        meter_customers.customer_id,
        calendar.month,
        calendar.month_number,
        {% for column, _ in summed %}meter_in_reach.{{ column }},
        {% endfor %}meter_in_reach.ami_max_kw
    from meter_customers
    cross join last_output
    inner join calendar
        on calendar.month between meter_customers.first_month and last_output.last_month
    left join meter_in_reach
        on
        meter_customers.customer_id = meter_in_reach.customer_id
        and calendar.month = meter_in_reach.month
),

windows as (
    select
        customer_id,
        month,
        {% for column, _ in summed %}
        sum({{ column }}) {{ months_frame(11) }} as {{ column }}_12m,
        {% endfor %}
        max(ami_max_kw) {{ months_frame(11) }} as ami_max_kw
    from facts
)

select
    windows.customer_id,
    windows.month as as_of_month,
    {% for column, type in summed %}
    cast(windows.{{ column }}_12m as {{ type }}) as {{ column }}_12m,
    {% endfor %}
    cast(windows.ami_max_kw as decimal(18, 4)) as ami_max_kw
from windows
inner join output_months on windows.month = output_months.as_of_month
-- reads in the window (n_reads counts every month with reads)
where windows.n_reads_12m is not null
