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
        _source_file, _batch_id, _batch_seq, _row_number
    from source
    left join customers on customers.customer_id = trim(source.customer_id)
)

select
    * exclude (is_known_customer, _unparsed),
    {{ is_exact_duplicate(['work_order_id', 'customer_id', 'opened_at', 'closed_at', 'category',
        'channel', 'status', 'satisfaction_score', '_unparsed']) }} as is_exact_duplicate,
    case
        when work_order_id is null or customer_id is null then 'missing_key'
        when opened_at is null or {{ is_unparsed('closed_at') }}
            or closed_at < opened_at then 'bad_date'
        when {{ is_unparsed('satisfaction_score') }}
            or satisfaction_score not between 1 and 5 then 'bad_number'
        when category is null or category not in ('complaint', 'billing_dispute', 'meter_fault',
                'outage_report', 'new_connection', 'reconnection', 'disconnection_nonpayment',
                'payment_arrangement', 'vegetation', 'voltage_quality', 'information_request', 'other')
            or channel is null or channel not in ('call_center', 'ivr', 'web', 'app', 'walk_in', 'field')
            or status is null or status not in ('open', 'closed', 'cancelled') then 'invalid_enum'
        when {{ is_future('opened_at') }} or {{ is_future('closed_at') }} then 'future_timestamp'
        when not is_known_customer then 'unknown_customer'
    end as reject_reason
from typed
