{{ config(materialized='ephemeral') }}
-- One row per customer x month, dense, from 14 months before the partition window to its end
-- (the trailing 12 months plus the year-ago quarter for growth): every monthly fact side by side.
{% set lookback = var('feature_window_months') + 2 %}
with months as (
    select distinct billing_month as month from {{ ref('int_customer_months_billing') }}
    union
    select distinct month from {{ ref('int_customer_months_meter') }}
),

window_months as (
    select month, {{ month_index_of_key('month') }} as month_idx
    from months
    where {{ month_index_of_key('month') }}
        between {{ month_index_of_key("'" ~ var('min_month') ~ "'") }} - {{ lookback }}
        and {{ month_index_of_key("'" ~ var('max_month') ~ "'") }}
),

customers as (
    select customer_id, min(connected_on) as first_connected_on
    from {{ ref('stg_cis__customer_versions') }}
    group by customer_id
),

grid as (
    select customers.customer_id, window_months.month, window_months.month_idx
    from customers
    inner join window_months
        on {{ month_index('customers.first_connected_on') }} <= window_months.month_idx
)

select
    grid.*,
    billing.kwh, billing.kwh_peak, billing.kwh_offpeak, billing.kwh_tou_total, billing.kwh_tou_gross, billing.max_demand_kw,
    billing.amount_billed, billing.n_bills, billing.n_estimated_bills,
    payments.n_bills_due, payments.n_due_on_time, payments.n_settled, payments.days_late_settled,
    payments.n_payments, payments.n_bounced_payments, payments.n_cash_payments,
    payments.arrears_over_60d,
    outages.n_interruptions, outages.interruption_minutes, outages.n_long_interruptions,
    work.n_contacts, work.n_contacts_call_center, work.n_contacts_ivr, work.n_contacts_digital,
    work.n_contacts_walk_in, work.n_complaints, work.n_billing_disputes, work.n_payment_arrangements,
    work.n_disconnections_nonpayment, work.n_field_orders, work.n_resolved, work.resolution_seconds,
    work.n_surveys, work.survey_score_sum,
    meter.ami_kwh, meter.ami_max_kw, meter.ami_mean_kw, meter.ami_peak_kwh, meter.ami_night_kwh,
    meter.ami_offpeak_kwh, meter.ami_weekday_kwh, meter.ami_weekdays, meter.ami_weekend_kwh,
    meter.ami_weekend_days
from grid
left join {{ ref('int_customer_months_billing') }} as billing
    on billing.customer_id = grid.customer_id and billing.billing_month = grid.month
left join {{ ref('int_customer_months_payments') }} as payments
    on payments.customer_id = grid.customer_id and payments.month = grid.month
left join {{ ref('int_customer_months_outages') }} as outages
    on outages.customer_id = grid.customer_id and outages.month = grid.month
left join {{ ref('int_customer_months_work_orders') }} as work
    on work.customer_id = grid.customer_id and work.month = grid.month
left join {{ ref('int_customer_months_meter') }} as meter
    on meter.customer_id = grid.customer_id and meter.month = grid.month
