-- One row per work order: the newest version (closed beats open; newest closed_at wins).
with latest as (
    {{ latest_versions(ref('stg_crm__work_orders_checked'), 'work_order_id',
        "(status <> 'open') desc, closed_at desc nulls last, _batch_seq desc, _row_number desc") }}
)

select
    work_order_id,
    customer_id,
    opened_at,
    closed_at,
    {{ month_key('opened_at') }} as opened_month,
    {{ date_diff('second', 'opened_at', 'closed_at') }} as resolution_seconds,
    {{ month_key('closed_at') }} as closed_month,
    category,
    channel,
    status,
    satisfaction_score,
    _batch_id
from latest
