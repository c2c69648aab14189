{{ config(materialized='window_incremental', unique_key='month',
    on_schema_change='fail') }}
-- One row per customer x month: work orders opened in the month by category and channel (a
-- contact counts even if the case is later cancelled), and the resolution time and survey
-- scores of cases closed in the month (known only once closed, so counted then).
with work_orders as (
    select * from {{ ref('stg_crm__work_orders') }}
),

opened as (
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
        count(*) filter (
            where category = 'disconnection_nonpayment'
        ) as n_disconnections_nonpayment,
        count(*) filter (
            where category in (
                'meter_fault', 'vegetation', 'voltage_quality', 'new_connection', 'reconnection'
            )
        ) as n_field_orders
    from work_orders
    where {{ in_partition_window('opened_month') }}
    group by all
),

closed as (
    select
        customer_id,
        closed_month as month,
        count(*) as n_resolved,
        -- BIGINT sums, not the 128-bit HUGEINT of sum()
        cast(sum(resolution_seconds) as bigint) as resolution_seconds,
        count(satisfaction_score) as n_surveys,
        cast(sum(satisfaction_score) as bigint) as survey_score_sum
    from work_orders
    where status = 'closed' and closed_at is not null and {{ in_partition_window('closed_month') }}
    group by all
)

select
    customer_id,
    month,
    coalesce(opened.n_contacts, 0) as n_contacts,
    coalesce(opened.n_contacts_call_center, 0) as n_contacts_call_center,
    coalesce(opened.n_contacts_ivr, 0) as n_contacts_ivr,
    coalesce(opened.n_contacts_digital, 0) as n_contacts_digital,
    coalesce(opened.n_contacts_walk_in, 0) as n_contacts_walk_in,
    coalesce(opened.n_complaints, 0) as n_complaints,
    coalesce(opened.n_billing_disputes, 0) as n_billing_disputes,
    coalesce(opened.n_payment_arrangements, 0) as n_payment_arrangements,
    coalesce(opened.n_disconnections_nonpayment, 0) as n_disconnections_nonpayment,
    coalesce(opened.n_field_orders, 0) as n_field_orders,
    coalesce(closed.n_resolved, 0) as n_resolved,
    coalesce(closed.resolution_seconds, 0) as resolution_seconds,
    coalesce(closed.n_surveys, 0) as n_surveys,
    coalesce(closed.survey_score_sum, 0) as survey_score_sum
from opened
full outer join closed using (customer_id, month)
