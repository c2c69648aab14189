-- One row per payment (a bounced payment is its own negative row). Later batch wins a re-send.
with latest as (
    {{ latest_versions(ref('stg_billing__payments_checked'), 'payment_id', '_batch_seq desc, _row_number desc') }}
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
from latest
