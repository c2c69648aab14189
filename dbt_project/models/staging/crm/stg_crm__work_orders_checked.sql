-- One row per received work-order row: typed, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'work_orders') }}
),

customers as (
    select distinct customer_id from {{ ref('stg_cis__customer_versions') }}
),

typed as (
    select
        nullif(trim(work_order_id), '') as work_order_id,
        nullif(trim(source.customer_id), '') as customer_id,
        opened_at,
        closed_at,
        lower(trim(category)) as category,
        lower(trim(channel)) as channel,
        lower(trim(status)) as status,
        satisfaction_score,
        customers.customer_id is not null as is_known_customer,
        _unparsed,
        _loaded_at, _source_file, _batch_id, _batch_seq, _row_number
    from source
    left join customers on customers.customer_id = trim(source.customer_id)
),

flagged as (
    select
        *,
        {{ is_exact_duplicate(['work_order_id', 'customer_id', 'opened_at', 'closed_at', 'category',
            'channel', 'status', 'satisfaction_score', '_unparsed']) }} as is_exact_duplicate
    from typed
),

conflicts as (
    -- Same case and version (status, closed_at: the newest wins across batches) with different
    -- values inside one batch: nobody can say which is right.
    select work_order_id, status, closed_at, _batch_id
    from flagged
    where not is_exact_duplicate
    group by all
    having count(*) > 1
)

select
    flagged.* exclude (is_known_customer, _unparsed),
    case
        when flagged.work_order_id is null or customer_id is null then 'missing_key'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when opened_at is null or {{ is_unparsed('closed_at') }}
            or flagged.closed_at < opened_at or opened_at < '1950-01-01' then 'bad_date'
        when {{ is_unparsed('satisfaction_score') }}
            or satisfaction_score not between 1 and 5 then 'bad_number'
        when category is null or category not in ('complaint', 'billing_dispute', 'meter_fault',
                'outage_report', 'new_connection', 'reconnection', 'disconnection_nonpayment',
                'payment_arrangement', 'vegetation', 'voltage_quality', 'information_request', 'other')
            or channel is null or channel not in ('call_center', 'ivr', 'web', 'app', 'walk_in', 'field')
            or flagged.status is null or flagged.status not in ('open', 'closed', 'cancelled') then 'invalid_enum'
        when {{ is_future('opened_at') }} or {{ is_future('flagged.closed_at') }} then 'future_timestamp'
        when conflicts.work_order_id is not null and not is_exact_duplicate then 'duplicate_key_conflict'
        -- customer-master reasons last: a later customers file can lift them
        when not is_known_customer then 'unknown_customer'
    end as reject_reason
from flagged
left join conflicts
    on conflicts.work_order_id = flagged.work_order_id
    and conflicts.status is not distinct from flagged.status
    and conflicts.closed_at is not distinct from flagged.closed_at
    and conflicts._batch_id = flagged._batch_id
