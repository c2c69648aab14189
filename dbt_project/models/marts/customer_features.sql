{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='as_of_month', on_schema_change='fail') }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at the end of the month. No PII.
{#- Each month of the partition window is aggregated on its own per source (see trailing_window):
    a dense customer x month grid with window functions needed ~13 GB at 100k customers. -#}
{%- set months = [] -%}
{%- if execute -%}
    {%- set found = run_query(
        "select distinct billing_month from " ~ ref('int_customer_months_billing') ~ " where "
        ~ in_partition_window('billing_month') ~ " union select distinct month from "
        ~ ref('int_customer_months_meter') ~ " where " ~ in_partition_window('month') ~ " order by 1") -%}
    {%- set months = found.columns[0].values() | list -%}
{%- endif %}
{%- set in12 = "billing_month >= '{m11}'" %}

with billing as (
    {{ trailing_window(ref('int_customer_months_billing'), 'billing_month', months, 14,
        "sum(kwh) filter (where " ~ in12 ~ ") as kwh_12m,
        sum(kwh * kwh) filter (where " ~ in12 ~ ") as kwh_squares_12m,
        sum(abs(kwh)) filter (where " ~ in12 ~ ") as kwh_abs_12m,
        count(kwh) filter (where " ~ in12 ~ ") as months_billed,
        max(kwh) filter (where " ~ in12 ~ ") as kwh_max,
        sum(kwh) filter (where " ~ in12 ~ " and substr(billing_month, 6, 2) in ('12', '01', '02')) as kwh_winter,
        sum(kwh) filter (where " ~ in12 ~ " and substr(billing_month, 6, 2) in ('06', '07', '08')) as kwh_summer,
        count(*) filter (where " ~ in12 ~ " and kwh < 0) as net_export_months,
        max(max_demand_kw) filter (where " ~ in12 ~ ") as max_demand_kw,
        sum(kwh_peak) filter (where " ~ in12 ~ ") as kwh_peak_12m,
        sum(kwh_offpeak) filter (where " ~ in12 ~ ") as kwh_offpeak_12m,
        sum(kwh_tou_gross) filter (where " ~ in12 ~ ") as kwh_tou_gross_12m,
        sum(amount_billed) filter (where " ~ in12 ~ ") as amount_billed_12m,
        sum(n_bills) filter (where " ~ in12 ~ ") as n_bills_12m,
        sum(n_estimated_bills) filter (where " ~ in12 ~ ") as n_estimated_bills_12m,
        sum(kwh) filter (where billing_month >= '{m2}') as kwh_last_3m,
        sum(kwh) filter (where billing_month between '{m14}' and '{m12}') as kwh_last_3m_year_ago") }}
),

payments as (
    {{ trailing_window(ref('int_customer_months_payments'), 'month', months, 11,
        "sum(n_bills_due) as n_bills_due_12m, sum(n_due_on_time) as n_due_on_time_12m,
        sum(n_settled) as n_settled_12m, sum(days_late_settled) as days_late_settled_12m,
        sum(n_payments) as n_payments_12m, sum(n_bounced_payments) as n_bounced_payments_12m,
        sum(n_cash_payments) as n_cash_payments_12m,
        max(arrears_over_60d) filter (where month = '{month}') as arrears_over_60d") }}
),

outages as (
    {{ trailing_window(ref('int_customer_months_outages'), 'month', months, 11,
        "sum(n_interruptions) as n_interruptions_12m, sum(interruption_minutes) as interruption_minutes_12m,
        sum(n_long_interruptions) as n_long_interruptions_12m") }}
),

work_orders as (
    {% set work_columns = ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital',
        'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes', 'n_payment_arrangements',
        'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved', 'resolution_seconds', 'n_surveys',
        'survey_score_sum'] %}
    {%- set work_sums = [] -%}
    {%- for column in work_columns %}{% do work_sums.append('sum(' ~ column ~ ') as ' ~ column ~ '_12m') %}{% endfor %}
    {{ trailing_window(ref('int_customer_months_work_orders'), 'month', months, 11, work_sums | join(', ')) }}
),

meter as (
    {% set meter_columns = ['ami_kwh', 'n_reads', 'ami_kw_sum', 'ami_peak_kwh', 'ami_night_kwh',
        'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays', 'ami_weekend_kwh', 'ami_weekend_days'] %}
    {%- set meter_sums = ['max(ami_max_kw) as ami_max_kw'] -%}
    {%- for column in meter_columns %}{% do meter_sums.append('sum(' ~ column ~ ') as ' ~ column ~ '_12m') %}{% endfor %}
    {{ trailing_window(ref('int_customer_months_meter'), 'month', months, 11, meter_sums | join(', ')) }}
),

months as (
    {% for month in months %}
    select '{{ month }}' as as_of_month, {{ month_end_of_key("'" ~ month ~ "'") }} as month_end
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select null::varchar as as_of_month, null::date as month_end where false
    {% endfor %}
),

versions as (
    select * from {{ ref('stg_cis__customer_versions') }}
),

spine as (
    select customers.customer_id, months.as_of_month, months.month_end
    from (select distinct customer_id from versions) as customers
    cross join months
),

attributes as (
    select spine.customer_id, spine.as_of_month, spine.month_end, v.* exclude (customer_id)
    from spine
    asof left join versions as v
        on v.customer_id = spine.customer_id
        and cast(spine.month_end + interval 1 day as timestamp) > v.updated_at
),

first_versions as (
    select * from versions
    qualify row_number() over (partition by customer_id order by updated_at) = 1
),

active as (
    -- the version in force at month end; a customer first extracted later falls back to its first version
    select
        attributes.customer_id,
        attributes.as_of_month,
        attributes.month_end,
        {% for column in ['customer_class', 'region', 'tariff_code', 'voltage_level', 'payment_method',
            'has_solar', 'budget_billing', 'paperless', 'contracted_capacity_kva', 'connected_on',
            'disconnected_on'] %}
        case when attributes.updated_at is null then first_versions.{{ column }}
            else attributes.{{ column }} end as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from attributes
    inner join first_versions using (customer_id)
    where coalesce(attributes.connected_on, first_versions.connected_on) <= attributes.month_end
)

select
    active.customer_id,
    active.as_of_month,
    active.customer_class, active.region, active.tariff_code, active.voltage_level,
    active.payment_method, active.has_solar, active.budget_billing, active.paperless,
    cast(date_diff('month', active.connected_on, active.month_end) as integer) as tenure_months,
    active.contracted_capacity_kva,
    cast(b.kwh_12m as double) as kwh_12m,
    cast(b.kwh_12m / nullif(b.months_billed, 0) as double) as kwh_avg_month,
    case when b.kwh_last_3m_year_ago > 0 then b.kwh_last_3m / b.kwh_last_3m_year_ago - 1 end as kwh_growth,
    case when b.kwh_12m > 0 then b.kwh_max / (b.kwh_12m / b.months_billed) end as kwh_seasonality,
    case when b.kwh_abs_12m > 0 then coalesce(b.kwh_winter, 0) / b.kwh_abs_12m end as kwh_winter_share,
    case when b.kwh_abs_12m > 0 then coalesce(b.kwh_summer, 0) / b.kwh_abs_12m end as kwh_summer_share,
    case when b.kwh_12m <> 0 and b.months_billed > 1
        then sqrt(cast(greatest(b.months_billed * b.kwh_squares_12m - b.kwh_12m * b.kwh_12m, 0) as double)
            / (b.months_billed * (b.months_billed - 1))) / abs(b.kwh_12m / b.months_billed)
        when b.kwh_12m <> 0 then 0 end as kwh_volatility,
    coalesce(
        case when b.kwh_tou_gross_12m > 0 then b.kwh_peak_12m / b.kwh_tou_gross_12m end,
        case when m.ami_kwh_12m > 0 then m.ami_peak_kwh_12m / m.ami_kwh_12m end
    ) as tou_peak_share,
    coalesce(
        case when b.kwh_tou_gross_12m > 0 then b.kwh_offpeak_12m / b.kwh_tou_gross_12m end,
        case when m.ami_kwh_12m > 0 then m.ami_offpeak_kwh_12m / m.ami_kwh_12m end
    ) as tou_offpeak_share,
    cast(coalesce(b.max_demand_kw, m.ami_max_kw) as double) as max_demand_kw,
    case when active.contracted_capacity_kva > 0 and b.months_billed > 0
        then (b.kwh_12m / (b.months_billed * 730.0)) / active.contracted_capacity_kva end as capacity_utilisation,
    cast(coalesce(b.amount_billed_12m, 0) as double) as revenue_12m,
    case when b.kwh_12m > 0 then b.amount_billed_12m / b.kwh_12m end as avg_price_per_kwh,
    cast(coalesce(b.net_export_months, 0) as integer) as net_export_months,
    case when b.n_bills_12m > 0 then b.n_estimated_bills_12m / b.n_bills_12m end as estimated_bill_share,
    case when p.n_bills_due_12m > 0 then p.n_due_on_time_12m / p.n_bills_due_12m end as on_time_payment_ratio,
    case when p.n_settled_12m > 0 then p.days_late_settled_12m / p.n_settled_12m end as avg_days_late,
    cast(coalesce(p.arrears_over_60d, 0) as double) as arrears_over_60d,
    cast(coalesce(p.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
    case when p.n_payments_12m > 0 then p.n_cash_payments_12m / p.n_payments_12m end as cash_payment_share,
    {% for column in ['n_interruptions', 'interruption_minutes', 'n_long_interruptions'] %}
    cast(coalesce(o.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    {% for column in ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital',
        'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes', 'n_payment_arrangements',
        'n_disconnections_nonpayment', 'n_field_orders'] %}
    cast(coalesce(wo.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    case when wo.n_resolved_12m > 0 then wo.resolution_seconds_12m / 3600.0 / wo.n_resolved_12m end as mean_resolution_hours,
    case when wo.n_surveys_12m > 0 then wo.survey_score_sum_12m / wo.n_surveys_12m end as survey_satisfaction,
    case when m.ami_max_kw > 0 and m.n_reads_12m > 0 then (m.ami_kw_sum_12m / m.n_reads_12m) / m.ami_max_kw end as load_factor,
    case when m.ami_kwh_12m > 0 then m.ami_peak_kwh_12m / m.ami_kwh_12m end as peak_hour_share,
    case when m.ami_kwh_12m > 0 then m.ami_night_kwh_12m / m.ami_kwh_12m end as night_share,
    case when m.ami_weekend_kwh_12m > 0 and m.ami_weekdays_12m > 0
        then (m.ami_weekday_kwh_12m / m.ami_weekdays_12m) / (m.ami_weekend_kwh_12m / m.ami_weekend_days_12m)
    end as weekday_weekend_ratio
from active
left join billing as b using (customer_id, as_of_month)
left join payments as p using (customer_id, as_of_month)
left join outages as o using (customer_id, as_of_month)
left join work_orders as wo using (customer_id, as_of_month)
left join meter as m using (customer_id, as_of_month)
where active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
