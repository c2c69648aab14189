-- One row per issued (not cancelled) bill: when it was paid in full, if ever, from the payments
-- applied to it (the payment that covers it for good: a later bounce re-opens it). Unapplied
-- payments count towards the customer's balance, not a bill.
with bills as (
    select * from {{ ref('stg_billing__bills') }}
    where not is_cancelled
),

applied as (
    select
        bill_id,
        paid_at,
        sum(amount) over (
            partition by bill_id order by paid_at, payment_id rows unbounded preceding
        ) as cumulative_paid
    from {{ ref('stg_billing__payments') }}
    where bill_id is not null
),

flows as (
    select applied.*, applied.cumulative_paid >= bills.amount_due - 0.005 as is_covered
    from bills
    inner join applied using (bill_id)
),

last_shortfall as (
    -- a bounced payment (negative row) can uncover a bill again: only the payment that covers
    -- it after its last shortfall settles it
    select bill_id, max(paid_at) filter (where not is_covered) as last_short_at
    from flows
    group by bill_id
),

settled as (
    select
        flows.bill_id,
        min(flows.paid_at) filter (
            where flows.is_covered
                and (last_shortfall.last_short_at is null or flows.paid_at > last_shortfall.last_short_at)
        ) as paid_in_full_at
    from flows
    inner join last_shortfall using (bill_id)
    group by flows.bill_id
)

select
    bills.bill_id,
    bills.customer_id,
    bills.amount_due,
    bills.due_date,
    {{ month_key('bills.due_date') }} as due_month,
    case
        when bills.amount_due <= 0 then bills.issued_at
        else settled.paid_in_full_at
    end as paid_in_full_at
from bills
left join settled using (bill_id)
