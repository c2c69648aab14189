{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='month',
    on_schema_change='fail') }}
-- One row per customer x month: punctuality of bills due that month, late settlements, payment
-- flows, and the receivables balance at month end. Arrears over 60 days age the balance FIFO:
-- what is still owed beyond the bills that fell due this month or last month.
-- A deployment without any payments extract (e.g. AMI-only data) gets no rows here: its
-- punctuality features are unknown (null), not "never paid".
with settled as (
    -- every bill: one due after the window may already be settled (paid early) inside it
    select * from {{ ref('int_bills_settled') }}
),

payments as (
    select * from {{ ref('stg_billing__payments') }}
    where payment_month <= '{{ var("max_month") }}'
),

due as (
    select
        customer_id,
        due_month as month,
        count(*) as n_bills_due,
        count(*) filter (where paid_in_full_at < due_date + interval 1 day) as n_due_on_time,
        sum(amount_due) as amount_due
    from settled
    group by all
),

settlements as (
    select
        customer_id,
        {{ month_key('paid_in_full_at') }} as month,
        count(*) as n_settled,
        sum(greatest(0, date_diff('day', due_date, cast(paid_in_full_at as date)))) as days_late_settled
    from settled
    where paid_in_full_at is not null and {{ month_key('paid_in_full_at') }} <= '{{ var("max_month") }}'
    group by all
),

flows as (
    select
        customer_id,
        payment_month as month,
        sum(amount) as amount_paid,
        count(*) filter (where amount > 0) as n_payments,
        count(*) filter (where amount < 0) as n_bounced_payments,
        count(*) filter (where amount > 0 and channel in ('cash', 'agent')) as n_cash_payments
    from payments
    group by all
),

months as (
    select month from due union select month from settlements union select month from flows
),

customers as (
    select customer_id from due union select customer_id from flows
),

grid as (
    select customers.customer_id, months.month
    from customers cross join months
),

combined as (
    select
        grid.customer_id,
        grid.month,
        coalesce(due.n_bills_due, 0) as n_bills_due,
        coalesce(due.n_due_on_time, 0) as n_due_on_time,
        coalesce(due.amount_due, 0) as amount_due,
        coalesce(settlements.n_settled, 0) as n_settled,
        coalesce(settlements.days_late_settled, 0) as days_late_settled,
        coalesce(flows.amount_paid, 0) as amount_paid,
        coalesce(flows.n_payments, 0) as n_payments,
        coalesce(flows.n_bounced_payments, 0) as n_bounced_payments,
        coalesce(flows.n_cash_payments, 0) as n_cash_payments
    from grid
    left join due using (customer_id, month)
    left join settlements using (customer_id, month)
    left join flows using (customer_id, month)
),

balances as (
    select
        *,
        sum(amount_due - amount_paid) over (
            partition by customer_id order by month rows unbounded preceding
        ) as balance_end,
        amount_due + coalesce(lag(amount_due) over (partition by customer_id order by month), 0)
            as amount_due_last_2_months
    from combined
)

select
    * exclude (amount_due_last_2_months),
    greatest(0, balance_end - amount_due_last_2_months) as arrears_over_60d,
    {{ customer_hash_column() }}
from balances
where {{ in_partition_window('month') }}
    and exists (select 1 from {{ ref('stg_billing__payments') }})
order by customer_hash
