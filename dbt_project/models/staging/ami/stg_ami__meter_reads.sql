-- One row per customer x interval start (later batch wins a re-sent interval).
with checked as (
    select * from {{ ref('stg_ami__meter_reads_checked') }}
    where reject_reason is null and not is_exact_duplicate
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, read_start order by _batch_seq desc, _row_number desc
        ) as recency
    from checked
)

select
    customer_id,
    read_start,
    {{ month_key('read_start') }} as read_month,
    interval_minutes,
    kwh
from ranked
where recency = 1
