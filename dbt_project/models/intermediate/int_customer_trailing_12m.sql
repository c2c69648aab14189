{{ config(materialized='window_incremental', unique_key='as_of_month',
    on_schema_change='fail') }}
-- Trailing-window sums of the per-customer monthly facts, one row per active customer x
-- as_of_month, with the account attributes in force at the month end; the customer_features
-- view turns them into ratios.
--
-- Each customer's months (every month with a fact in reach of the run's windows, and the
-- as_of_months) are one row each, numbered in calendar months (month_number): a window is a
-- RANGE frame over that number, so a month without any row counts as a month without a value.
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
{%- set attributes = ['customer_class', 'region', 'tariff_code', 'voltage_level',
    'payment_method', 'has_solar', 'budget_billing', 'paperless', 'contracted_capacity_kva',
    'connected_on'] %}
{#- the 12-month sums: {source alias: [(column, DECIMAL scale, or none for a count)]} #}
{%- set summed = {
    'b': [('kwh_peak', 3), ('kwh_offpeak', 3), ('kwh_tou_gross', 3), ('amount_billed', 2),
        ('n_bills', none), ('n_estimated_bills', none)],
    'p': [('n_bills_due', none), ('n_due_on_time', none), ('n_settled', none),
        ('days_late_settled', none), ('n_payments', none), ('n_bounced_payments', none),
        ('n_cash_payments', none)],
    'o': [('n_interruptions', none), ('interruption_minutes', none),
        ('n_long_interruptions', none)],
    'w': [('n_contacts', none), ('n_contacts_call_center', none), ('n_contacts_ivr', none),
        ('n_contacts_digital', none), ('n_contacts_walk_in', none), ('n_complaints', none),
        ('n_billing_disputes', none), ('n_payment_arrangements', none),
        ('n_disconnections_nonpayment', none), ('n_field_orders', none), ('n_resolved', none),
        ('resolution_seconds', none), ('n_surveys', none), ('survey_score_sum', none)],
} %}
{%- set wide_counts = ['resolution_seconds'] %}
{%- set sources = {
    'b': (ref('int_customer_months_billing'), 'billing_month'),
    'p': (ref('int_customer_months_payments'), 'month'),
    'o': (ref('int_customer_months_outages'), 'month'),
    'w': (ref('int_customer_months_work_orders'), 'month'),
} %}
with output_months as (
    {{ trailing_output_months(ref('int_customer_months_billing'), ref('int_customer_months_meter')) }}
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

active as (
    select
        versions.customer_id,
        output_months.as_of_month,
        {% for column in attributes %}versions.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from output_months
    inner join versions
        on (versions.in_force_from is null or versions.in_force_from <= output_months.as_of_month)
        and (
            versions.in_force_until is null
            or output_months.as_of_month < versions.in_force_until
        )
    where
        versions.connected_on <= {{ month_end_of_key('output_months.as_of_month') }}
        and (
            versions.disconnected_on is null
            or versions.disconnected_on > {{ month_end_of_key('output_months.as_of_month') }}
        )
),

-- every customer x month with a fact in reach of the windows, and the active as_of_months
customer_months as (
    select customer_id, as_of_month as month from active
    {% for alias, (relation, month_column) in sources.items() %}
    union
    select customer_id, {{ month_column }} as month from {{ relation }}
    where {{ month_column }} between '{{ first_fact_month }}' and '{{ max_month }}'
    {% endfor %}
),

facts as (
    select
        customer_months.customer_id,
        customer_months.month,
        {{ month_number('customer_months.month') }} as month_number,
        (b.billing_month is not null) as is_billed,
        (
            b.billing_month is not null
            and {{ month_number('customer_months.month') }} % 12 + 1
            in ({{ seasons['winter'] | join(', ') }})
        ) as is_winter,
        (
            b.billing_month is not null
            and {{ month_number('customer_months.month') }} % 12 + 1
            in ({{ seasons['summer'] | join(', ') }})
        ) as is_summer,
        b.kwh,
        b.max_demand_kw,
        p.arrears_over_60d,
        {% for alias, columns in summed.items() %}
        {%- for column, _ in columns %}
        {{ alias }}.{{ column }}{{ ',' if not loop.last or alias != 'w' }}
        {% endfor %}
        {%- endfor %}
    from customer_months
    {% for alias, (relation, month_column) in sources.items() %}
    left join {{ relation }} as {{ alias }}
        on customer_months.customer_id = {{ alias }}.customer_id
        and customer_months.month = {{ alias }}.{{ month_column }}
    {% endfor %}
),

windows as (
    select
        customer_id,
        month,
        month_number,
        arrears_over_60d,
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
        sum(kwh) {{ months_frame(14, 12) }} as kwh_last_3m_year_ago,
        {% for columns in summed.values() %}
        {%- set outer = loop %}
        {%- for column, _ in columns %}
        sum({{ column }}) {{ months_frame(11) }} as {{ column }}_12m
        {{- ',' if not (loop.last and outer.last) }}
        {% endfor %}
        {%- endfor %}
    from facts
)

select
    active.customer_id,
    active.as_of_month,
    {% for column in attributes %}active.{{ column }},
    {% endfor %}
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
    {% for columns in summed.values() %}
    {%- set outer = loop %}
    {%- for column, scale in columns %}
    cast(windows.{{ column }}_12m as
        {{ 'bigint' if column in wide_counts else 'integer' if scale is none
        else 'decimal(18, ' ~ scale ~ ')' }}) as {{ column }}_12m
    {{- ',' if not (loop.last and outer.last) }}
    {% endfor %}
    {%- endfor %}
from active
inner join windows
    on active.customer_id = windows.customer_id and active.as_of_month = windows.month
