-- One row per payment (a bounced payment is its own negative row). Later batch wins a re-send.
-- A view: the latest versions are read straight from the checked rows. At 1M customers x 36
-- months, writing them as a table took 16-19 s; its readers recompute them for a few seconds.
{{ config(materialized='view') }}
with latest as (
    {{ latest_versions(
        ref('stg_billing__payments_checked'), 'payment_id', '_batch_seq desc, _row_number desc'
    ) }}
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
