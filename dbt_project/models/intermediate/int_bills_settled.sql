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

per_bill as (
    -- a bounced payment (negative row) can uncover a bill again: only the payment that covers
    -- it after its last shortfall settles it. Without a shortfall, that is the first payment
    -- that covers it.
    select
        bill_id,
        max(paid_at) filter (where not is_covered) as last_short_at,
        min(paid_at) filter (where is_covered) as first_covered_at
    from flows
    group by bill_id
),

reopened as (
    -- only the bills with a shortfall (6% of those paid, at 1M x 36) go through their payments
    -- again: joining every bill's payments back to its shortfall took 6 s longer at 1M x 36
    select
        flows.bill_id,
        min(flows.paid_at) filter (
            where flows.is_covered and flows.paid_at > shortfalls.last_short_at
        ) as paid_in_full_at
    from flows
    inner join (
        select bill_id, last_short_at from per_bill where last_short_at is not null
    ) as shortfalls using (bill_id)
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
        when per_bill.last_short_at is null then per_bill.first_covered_at
        else reopened.paid_in_full_at
    end as paid_in_full_at
from bills
left join per_bill using (bill_id)
left join reopened using (bill_id)
