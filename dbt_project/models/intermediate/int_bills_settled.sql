-- One row per issued (not cancelled) bill: when it was paid in full, if ever, from the payments
-- applied to it. Unapplied payments count towards the customer's balance, not a bill.
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

settled as (
    select
        bills.bill_id,
        min(applied.paid_at) filter (where applied.cumulative_paid >= bills.amount_due - 0.005)
            as paid_in_full_at
    from bills
    inner join applied using (bill_id)
    group by bills.bill_id
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
