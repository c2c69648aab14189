{{ config(materialized='window_incremental', unique_key='month',
    on_schema_change='fail') }}
-- Payments facts, one row per customer x month: punctuality of the bills due that month, late
-- settlements, payment flows, and the receivables balance at month end with its arrears over 60
-- days (aged first in, first out: what is still owed beyond the bills that fell due this month
-- or the month before).
--
-- The grid is every customer with a bill or a payment x every month that has a due bill, a
-- settlement or a payment: a month without activity carries the balance forward. The balance
-- is a running sum over all history, so every run reads all bills and payments up to max_month
-- and writes the months of its window. A deployment without any payments extract (AMI-only
-- data, say) gets no rows: its punctuality features are unknown (null), not "never paid".
{%- set max_month = var('max_month') %}
with bills as (
    select
        customer_id,
        due_month,
        due_date,
        amount_due,
        paid_in_full_at,
        {{ month_key('paid_in_full_at') }} as settled_month
    from {{ ref('int_bills_settled') }}
),

payments as (
    select
        customer_id,
        payment_month,
        amount,
        channel
    from {{ ref('stg_billing__payments') }}
    where payment_month <= '{{ max_month }}'
),

-- one row per bill falling due, bill settled (paid in full, up to max_month) and payment
events as (
    select
        customer_id,
        due_month as month,
        1 as is_due,
        -- paid in full by the end of its due date
        coalesce(cast(paid_in_full_at as date) <= due_date, false) as is_on_time,
        false as is_cash,
        amount_due,
        0 as is_settled,
        0 as days_late,
        cast(null as decimal(18, 2)) as amount
    from bills
    union all
    select
        customer_id,
        settled_month as month,
        0 as is_due,
        false as is_on_time,
        false as is_cash,
        cast(null as decimal(18, 2)) as amount_due,
        1 as is_settled,
        greatest(0, {{ days_between('due_date', 'cast(paid_in_full_at as date)') }}) as days_late,
        cast(null as decimal(18, 2)) as amount
    from bills
    where settled_month <= '{{ max_month }}'
    union all
    select
        customer_id,
        payment_month as month,
        0 as is_due,
        false as is_on_time,
        coalesce(channel in ('cash', 'agent'), false) as is_cash,
        cast(null as decimal(18, 2)) as amount_due,
        0 as is_settled,
        0 as days_late,
        amount
    from payments
),

facts as (
    select
        customer_id,
        month,
        count(case when is_due = 1 then 1 end) as n_bills_due,
        count(case when is_due = 1 and is_on_time then 1 end) as n_due_on_time,
        sum(amount_due) as amount_due,
        count(case when is_settled = 1 then 1 end) as n_settled,
        sum(days_late) as days_late_settled,
        sum(amount) as amount_paid,
        count(case when amount > 0 then 1 end) as n_payments,
        count(case when amount < 0 then 1 end) as n_bounced_payments,
        count(case when amount > 0 and is_cash then 1 end) as n_cash_payments
    from events
    where month is not null
    group by customer_id, month
),

months as (
    select distinct month from facts
),

customers as (
    select customer_id from bills
    union
    select customer_id from payments
),

grid as (
    select
        customers.customer_id,
        months.month,
        coalesce(facts.n_bills_due, 0) as n_bills_due,
        coalesce(facts.n_due_on_time, 0) as n_due_on_time,
        coalesce(facts.amount_due, 0) as amount_due,
        coalesce(facts.n_settled, 0) as n_settled,
        cast(coalesce(facts.days_late_settled, 0) as bigint) as days_late_settled,
        coalesce(facts.amount_paid, 0) as amount_paid,
        coalesce(facts.n_payments, 0) as n_payments,
        coalesce(facts.n_bounced_payments, 0) as n_bounced_payments,
        coalesce(facts.n_cash_payments, 0) as n_cash_payments
    from customers
    cross join months
    left join facts
        on customers.customer_id = facts.customer_id and months.month = facts.month
),

balances as (
    select
        *,
        sum(amount_due - amount_paid) over (
            partition by customer_id order by month rows between unbounded preceding and current row
        ) as balance,
        -- due this month or the grid's month before: not yet over 60 days
        amount_due + coalesce(
            lag(amount_due) over (partition by customer_id order by month), 0
        ) as amount_due_recently
    from grid
)

-- sums of DECIMAL(18, 2) stay DECIMAL(18, 2) (64 bits); one beyond that range fails the cast
select
    customer_id,
    month,
    n_bills_due,
    n_due_on_time,
    cast(amount_due as decimal(18, 2)) as amount_due,
    n_settled,
    days_late_settled,
    cast(amount_paid as decimal(18, 2)) as amount_paid,
    n_payments,
    n_bounced_payments,
    n_cash_payments,
    cast(balance as decimal(18, 2)) as balance_end,
    cast(greatest(balance - amount_due_recently, 0) as decimal(18, 2)) as arrears_over_60d
from balances
where
    {{ in_partition_window('month') }}
    and exists (select 1 from {{ ref('stg_billing__payments') }})
