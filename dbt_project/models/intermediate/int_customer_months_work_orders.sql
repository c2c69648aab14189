{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='month') }}
-- One row per customer x month of work orders opened in the month, by category and channel,
-- with resolution time of the closed ones and post-case survey scores.
with work_orders as (
    select * from {{ ref('stg_crm__work_orders') }}
    where status <> 'cancelled' and {{ in_partition_window('opened_month') }}
)

select
    customer_id,
    opened_month as month,
    count(*) as n_contacts,
    count(*) filter (where channel = 'call_center') as n_contacts_call_center,
    count(*) filter (where channel = 'ivr') as n_contacts_ivr,
    count(*) filter (where channel in ('web', 'app')) as n_contacts_digital,
    count(*) filter (where channel = 'walk_in') as n_contacts_walk_in,
    count(*) filter (where category = 'complaint') as n_complaints,
    count(*) filter (where category = 'billing_dispute') as n_billing_disputes,
    count(*) filter (where category = 'payment_arrangement') as n_payment_arrangements,
    count(*) filter (where category = 'disconnection_nonpayment') as n_disconnections_nonpayment,
    count(*) filter (
        where category in ('meter_fault', 'vegetation', 'voltage_quality', 'new_connection', 'reconnection')
    ) as n_field_orders,
    count(resolution_hours) as n_resolved,
    sum(resolution_hours) as resolution_hours,
    count(satisfaction_score) as n_surveys,
    sum(satisfaction_score) as survey_score_sum
from work_orders
group by customer_id, opened_month
