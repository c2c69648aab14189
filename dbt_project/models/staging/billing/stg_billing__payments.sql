-- One row per payment (a bounced payment is its own negative row). Later batch wins a re-send.
with checked as (
    select * from {{ ref('stg_billing__payments_checked') }}
    where reject_reason is null and not is_exact_duplicate
),

ranked as (
    select
        *,
        row_number() over (partition by payment_id order by _batch_seq desc, _row_number desc) as recency
    from checked
)

select
    payment_id,
    customer_id,
    bill_id,
    paid_at,
    {{ month_key('paid_at') }} as payment_month,
    amount,
    amount < 0 as is_reversal,
    channel,
    _batch_id
from ranked
where recency = 1
