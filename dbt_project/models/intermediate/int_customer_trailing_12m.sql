{{ config(materialized='window_incremental', unique_key='as_of_month',
    on_schema_change='fail') }}
-- Trailing-window sums of the per-customer monthly facts, one row per active customer x
-- as_of_month, with the account attributes in force at the month end; the customer_features
-- view turns them into ratios.
--
-- Each active customer has one row for every calendar month (month_number) from its first month
-- with a fact in reach of the run's windows (or its first as_of_month) to its last as_of_month:
-- on this dense spine a window of n months is a ROWS frame of n rows.
-- A window with no value is null, as SQL's sum over nulls is. Sums keep their monthly fact's
-- DECIMAL(18, s) (64 bits; a sum beyond it fails the cast), counts are INTEGER (a count beyond
-- it fails the cast; resolution seconds add up past 2**31 in a year: BIGINT), the sum of
-- squared kWh is DECIMAL(38, 6).
--
-- A customer x month is kept when the account version in force at the month end (the last one
-- updated by then; the first, for a customer first extracted later) was connected by then and
-- not yet disconnected. The smart-meter sums are int_customer_trailing_12m_meter's.
{%- set first_fact_month = trailing_first_fact_month() %}
{%- set max_month = var('max_month') %}
{%- set seasons = var('season_months') %}
{%- set billing = ref('int_customer_months_billing') %}
{%- set payments = ref('int_customer_months_payments') %}
{%- set outages = ref('int_customer_months_outages') %}
{%- set work_orders = ref('int_customer_months_work_orders') %}
{#- the monthly facts: (alias, relation, its month column) #}
{%- set sources = [('b', billing, 'billing_month'), ('p', payments, 'month'),
    ('o', outages, 'month'), ('w', work_orders, 'month')] %}
{#- the 12-month sums `<column>_12m`: (source alias, column, output type); a sum keeps its
    monthly fact's DECIMAL(18, s) #}
{%- set summed = [
    ('b', 'kwh_peak', 'decimal(18, 3)'), ('b', 'kwh_offpeak', 'decimal(18, 3)'),
    ('b', 'kwh_tou_gross', 'decimal(18, 3)'), ('b', 'amount_billed', 'decimal(18, 2)'),
    ('b', 'n_bills', 'integer'), ('b', 'n_estimated_bills', 'integer'),
    ('p', 'n_bills_due', 'integer'), ('p', 'n_due_on_time', 'integer'),
    ('p', 'n_settled', 'integer'), ('p', 'days_late_settled', 'integer'),
    ('p', 'n_payments', 'integer'), ('p', 'n_bounced_payments', 'integer'),
    ('p', 'n_cash_payments', 'integer'),
    ('o', 'n_interruptions', 'integer'), ('o', 'interruption_minutes', 'integer'),
    ('o', 'n_long_interruptions', 'integer'),
    ('w', 'n_contacts', 'integer'), ('w', 'n_contacts_call_center', 'integer'),
    ('w', 'n_contacts_ivr', 'integer'), ('w', 'n_contacts_digital', 'integer'),
    ('w', 'n_contacts_walk_in', 'integer'), ('w', 'n_complaints', 'integer'),
    ('w', 'n_billing_disputes', 'integer'), ('w', 'n_payment_arrangements', 'integer'),
    ('w', 'n_disconnections_nonpayment', 'integer'), ('w', 'n_field_orders', 'integer'),
    ('w', 'n_resolved', 'integer'), ('w', 'resolution_seconds', 'bigint'),
    ('w', 'n_surveys', 'integer'), ('w', 'survey_score_sum', 'integer'),
] %}
with output_months as (
    {{ trailing_output_months(billing, ref('int_customer_months_meter')) }}
),

versions as (
    select
        *,
        -- the months a version is in force at the month end: from the month it was updated in
        -- (the first version: from the start) to the month before the next version's
        case
            when row_number() over (partition by customer_id order by updated_at) > 1
                then {{ month_key('updated_at') }}
        end as in_force_from,
        {{ month_key('lead(updated_at) over (partition by customer_id order by updated_at)') }}
            as in_force_until
    from {{ ref('stg_cis__customer_versions') }}
),

-- the active customer x as_of_months, with the attributes of the version in force
active as (
    select
        versions.customer_id,
        output_months.as_of_month,
        versions.customer_class,
        versions.region,
        versions.tariff_code,
        versions.voltage_level,
        versions.payment_method,
        versions.has_solar,
        versions.budget_billing,
        versions.paperless,
        versions.contracted_capacity_kva,
        versions.connected_on
    from output_months
    inner join versions
        on (output_months.as_of_month >= versions.in_force_from or versions.in_force_from is null)
        and (output_months.as_of_month < versions.in_force_until or versions.in_force_until is null)
    where
        versions.connected_on <= {{ month_end_of_key('output_months.as_of_month') }}
        and (
            versions.disconnected_on is null
            or versions.disconnected_on > {{ month_end_of_key('output_months.as_of_month') }}
        )
),

calendar as (
    {{ trailing_calendar() }}
),

-- each active customer's months: every calendar month from its first with a fact in reach of the
-- windows (or its first as_of_month) to its last as_of_month
customer_spans as (
    select
        customer_id,
        min(month) as first_month,
        max(case when is_output then month end) as last_month
    from (
        select
            customer_id,
            as_of_month as month,
            true as is_output
        from active
        {% for _, relation, month_column in sources %}
        union all
        select
            customer_id,
            {{ month_column }} as month,
            false as is_output
        from {{ relation }}
        where {{ month_column }} between '{{ first_fact_month }}' and '{{ max_month }}'
        {% endfor %}
    ) as customer_fact_months
    group by customer_id
    having max(case when is_output then 1 else 0 end) = 1
),

facts as (
    select
        customer_spans.customer_id,
        calendar.month,
        calendar.month_number,
        b.billing_month is not null as is_billed,
        b.billing_month is not null
        and calendar.month_number % 12 + 1 in ({{ seasons['winter'] | join(', ') }}) as is_winter,
        b.billing_month is not null
        and calendar.month_number % 12 + 1 in ({{ seasons['summer'] | join(', ') }}) as is_summer,
        {% for alias, column, _ in summed %}
        {{ alias }}.{{ column }},
        {% endfor %}
        b.kwh,
        b.max_demand_kw,
        p.arrears_over_60d
    from customer_spans
    inner join calendar
        on calendar.month between customer_spans.first_month and customer_spans.last_month
    {% for alias, relation, month_column in sources %}
    left join {{ relation }} as {{ alias }}
        on
        customer_spans.customer_id = {{ alias }}.customer_id
        and calendar.month = {{ alias }}.{{ month_column }}
    {% endfor %}
),

windows as (
    select
        customer_id,
        month,
        month_number,
        arrears_over_60d,
        {% for _, column, _ in summed %}
        sum({{ column }}) {{ months_frame(11) }} as {{ column }}_12m,
        {% endfor %}
        sum(kwh) {{ months_frame(11) }} as kwh_12m,
        sum(cast(kwh as decimal(38, 3)) * kwh) {{ months_frame(11) }} as kwh_squares_12m,
        sum(abs(kwh)) {{ months_frame(11) }} as kwh_abs_12m,
        count(case when is_billed then 1 end) {{ months_frame(11) }} as months_billed,
        max(case when is_billed then month_number end) {{ months_frame(11) }} as last_billed,
        max(kwh) {{ months_frame(11) }} as kwh_max,
        sum(case when is_winter then kwh end) {{ months_frame(11) }} as kwh_winter,
        sum(case when is_summer then kwh end) {{ months_frame(11) }} as kwh_summer,
        count(case when is_winter then 1 end) {{ months_frame(11) }} as winter_months_billed,
        count(case when is_summer then 1 end) {{ months_frame(11) }} as summer_months_billed,
        count(case when kwh < 0 then 1 end) {{ months_frame(11) }} as net_export_months,
        max(max_demand_kw) {{ months_frame(11) }} as max_demand_kw,
        sum(kwh) {{ months_frame(2) }} as kwh_last_3m,
        sum(kwh) {{ months_frame(14, 12) }} as kwh_last_3m_year_ago
    from facts
)

select
    active.*,
    cast(windows.kwh_12m as decimal(18, 3)) as kwh_12m,
    cast(windows.kwh_squares_12m as decimal(38, 6)) as kwh_squares_12m,
    cast(windows.kwh_abs_12m as decimal(18, 3)) as kwh_abs_12m,
    cast(windows.months_billed as integer) as months_billed,
    cast(windows.month_number - windows.last_billed as integer) as months_since_last_bill,
    windows.kwh_max,
    cast(windows.kwh_winter as decimal(18, 3)) as kwh_winter,
    cast(windows.kwh_summer as decimal(18, 3)) as kwh_summer,
    cast(windows.winter_months_billed as integer) as winter_months_billed,
    cast(windows.summer_months_billed as integer) as summer_months_billed,
    cast(windows.net_export_months as integer) as net_export_months,
    windows.max_demand_kw,
    cast(windows.kwh_last_3m as decimal(18, 3)) as kwh_last_3m,
    cast(windows.kwh_last_3m_year_ago as decimal(18, 3)) as kwh_last_3m_year_ago,
    windows.arrears_over_60d,
{% for _, column, type in summed %}
cast(windows.{{ column }}_12m as {{ type }}) as {{ column }}_12m{{ ',' if not loop.last }}
{% endfor %}
from active
inner join windows
    on active.customer_id = windows.customer_id and active.as_of_month = windows.month
