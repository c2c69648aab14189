{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='as_of_month', on_schema_change='fail') }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at the end of the month. No PII.
with monthly as (
    select * from {{ ref('int_customer_months_combined') }}
),

windowed as (
    select
        customer_id,
        month as as_of_month,
        {{ month_end_of_key('month') }} as month_end,
        {% for column in ['kwh', 'kwh_peak', 'kwh_offpeak', 'kwh_tou_total', 'kwh_tou_gross', 'amount_billed', 'n_bills',
            'n_estimated_bills', 'n_bills_due', 'n_due_on_time', 'n_settled', 'days_late_settled',
            'n_payments', 'n_bounced_payments', 'n_cash_payments', 'n_interruptions', 'interruption_minutes',
            'n_long_interruptions', 'n_contacts', 'n_contacts_call_center', 'n_contacts_ivr',
            'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes',
            'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved',
            'resolution_seconds', 'n_surveys', 'survey_score_sum', 'ami_kwh', 'ami_peak_kwh', 'ami_night_kwh',
            'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays', 'ami_weekend_kwh', 'ami_weekend_days'] %}
        sum({{ column }}) over w12 as {{ column }}_12m,
        {% endfor %}
        count(kwh) over w12 as months_billed,
        sum(abs(kwh)) over w12 as kwh_abs_12m,
        avg(kwh) over w12 as kwh_mean,
        max(kwh) over w12 as kwh_max,
        stddev_samp(kwh) over w12 as kwh_std,
        sum(case when month(cast(month || '-01' as date)) in (12, 1, 2) then kwh end) over w12 as kwh_winter,
        sum(case when month(cast(month || '-01' as date)) in (6, 7, 8) then kwh end) over w12 as kwh_summer,
        count(case when kwh < 0 then 1 end) over w12 as net_export_months,
        max(max_demand_kw) over w12 as max_demand_kw,
        sum(kwh) over w3 as kwh_last_3m,
        sum(kwh) over w3_year_ago as kwh_last_3m_year_ago,
        avg(ami_mean_kw) over w12 as ami_mean_kw,
        max(ami_max_kw) over w12 as ami_max_kw,
        coalesce(arrears_over_60d, 0) as arrears_over_60d
    from monthly
    window
        w12 as (partition by customer_id order by month_idx
            range between {{ var('feature_window_months') - 1 }} preceding and current row),
        w3 as (partition by customer_id order by month_idx range between 2 preceding and current row),
        w3_year_ago as (partition by customer_id order by month_idx range between 14 preceding and 12 preceding)
    qualify {{ in_partition_window('month') }}
),

attributes as (
    select w.customer_id, w.as_of_month, w.month_end, v.* exclude (customer_id)
    from windowed as w
    asof left join {{ ref('stg_cis__customer_versions') }} as v
        on v.customer_id = w.customer_id
        and cast(w.month_end + interval 1 day as timestamp) > v.updated_at
),

first_versions as (
    select * from {{ ref('stg_cis__customer_versions') }}
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
)

select
    active.customer_id,
    active.as_of_month,
    active.customer_class, active.region, active.tariff_code, active.voltage_level,
    active.payment_method, active.has_solar, active.budget_billing, active.paperless,
    cast(date_diff('month', active.connected_on, active.month_end) as integer) as tenure_months,
    active.contracted_capacity_kva,
    cast(w.kwh_12m as double) as kwh_12m,
    cast(w.kwh_mean as double) as kwh_avg_month,
    case when w.kwh_last_3m_year_ago > 0 then w.kwh_last_3m / w.kwh_last_3m_year_ago - 1 end as kwh_growth,
    case when w.kwh_mean > 0 then w.kwh_max / w.kwh_mean end as kwh_seasonality,
    case when w.kwh_abs_12m > 0 then coalesce(w.kwh_winter, 0) / w.kwh_abs_12m end as kwh_winter_share,
    case when w.kwh_abs_12m > 0 then coalesce(w.kwh_summer, 0) / w.kwh_abs_12m end as kwh_summer_share,
    case when abs(w.kwh_mean) > 0 then coalesce(w.kwh_std, 0) / abs(w.kwh_mean) end as kwh_volatility,
    coalesce(
        case when w.kwh_tou_gross_12m > 0 then w.kwh_peak_12m / w.kwh_tou_gross_12m end,
        case when w.ami_kwh_12m > 0 then w.ami_peak_kwh_12m / w.ami_kwh_12m end
    ) as tou_peak_share,
    coalesce(
        case when w.kwh_tou_gross_12m > 0 then w.kwh_offpeak_12m / w.kwh_tou_gross_12m end,
        case when w.ami_kwh_12m > 0 then w.ami_offpeak_kwh_12m / w.ami_kwh_12m end
    ) as tou_offpeak_share,
    cast(coalesce(w.max_demand_kw, w.ami_max_kw) as double) as max_demand_kw,
    case when active.contracted_capacity_kva > 0 and w.months_billed > 0
        then (w.kwh_12m / (w.months_billed * 730.0)) / active.contracted_capacity_kva end as capacity_utilisation,
    cast(coalesce(w.amount_billed_12m, 0) as double) as revenue_12m,
    case when w.kwh_12m > 0 then w.amount_billed_12m / w.kwh_12m end as avg_price_per_kwh,
    cast(w.net_export_months as integer) as net_export_months,
    case when w.n_bills_12m > 0 then w.n_estimated_bills_12m / w.n_bills_12m end as estimated_bill_share,
    case when w.n_bills_due_12m > 0 then w.n_due_on_time_12m / w.n_bills_due_12m end as on_time_payment_ratio,
    case when w.n_settled_12m > 0 then w.days_late_settled_12m / w.n_settled_12m end as avg_days_late,
    cast(w.arrears_over_60d as double) as arrears_over_60d,
    cast(coalesce(w.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
    case when w.n_payments_12m > 0 then w.n_cash_payments_12m / w.n_payments_12m end as cash_payment_share,
    {% for column in ['n_interruptions', 'interruption_minutes', 'n_long_interruptions', 'n_contacts',
        'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints',
        'n_billing_disputes', 'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders'] %}
    cast(coalesce(w.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    case when w.n_resolved_12m > 0 then w.resolution_seconds_12m / 3600.0 / w.n_resolved_12m end as mean_resolution_hours,
    case when w.n_surveys_12m > 0 then w.survey_score_sum_12m / w.n_surveys_12m end as survey_satisfaction,
    case when w.ami_max_kw > 0 then w.ami_mean_kw / w.ami_max_kw end as load_factor,
    case when w.ami_kwh_12m > 0 then w.ami_peak_kwh_12m / w.ami_kwh_12m end as peak_hour_share,
    case when w.ami_kwh_12m > 0 then w.ami_night_kwh_12m / w.ami_kwh_12m end as night_share,
    case when w.ami_weekend_kwh_12m > 0 and w.ami_weekdays_12m > 0
        then (w.ami_weekday_kwh_12m / w.ami_weekdays_12m) / (w.ami_weekend_kwh_12m / w.ami_weekend_days_12m)
    end as weekday_weekend_ratio
from active
inner join windowed as w using (customer_id, as_of_month)
where active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
