-- One row per outage event: the newest version (newest restored_at wins, ongoing = oldest).
with checked as (
    select * from {{ ref('stg_oms__outages_checked') }}
    where reject_reason is null and not is_exact_duplicate
),

ranked as (
    select
        *,
        row_number() over (
            partition by outage_id
            order by restored_at desc nulls last, _batch_seq desc, _row_number desc
        ) as recency
    from checked
)

select
    outage_id,
    feeder_id,
    region,
    started_at,
    restored_at,
    {{ month_key('started_at') }} as outage_month,
    {{ date_diff('minute', 'started_at', 'restored_at') }} as duration_minutes,
    cause,
    is_planned,
    _batch_id
from ranked
where recency = 1
