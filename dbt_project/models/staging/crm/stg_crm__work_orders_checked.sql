-- One row per received work-order row: typed, with a quarantine reason (null = valid).
{% set typed %}
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
    from {{ source('landing', 'work_orders') }} as source
    left join (select distinct customer_id from {{ ref('stg_cis__customer_versions') }}) as customers
        on customers.customer_id = trim(source.customer_id)
{% endset %}

-- a conflict: same case and version (status, closed_at: the newest wins across batches) with
-- different values inside one batch, nobody can say which is right
with flagged as (
    {{ flag_repeated_keys(
        typed, source('landing', 'work_orders'), "nullif(trim(work_order_id), '')",
        'work_order_id', ['work_order_id', 'customer_id', 'opened_at', 'closed_at', 'category',
            'channel', 'status', 'satisfaction_score', '_unparsed'],
        ['work_order_id', 'status', 'closed_at', '_batch_id']) }}
)

select
    flagged.* {{ star_except() }} (
        flagged.is_known_customer, flagged._unparsed, flagged.is_key_conflict
    ),
    case
        when flagged.work_order_id is null or flagged.customer_id is null then 'missing_key'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when
            flagged.opened_at is null or {{ is_unparsed('closed_at') }}
            or flagged.closed_at < flagged.opened_at
            or flagged.opened_at < '1950-01-01' then 'bad_date'
        when
            {{ is_unparsed('satisfaction_score') }}
            or flagged.satisfaction_score not between 1 and 5 then 'bad_number'
        when
            flagged.category is null
            or flagged.category not in (
                'complaint', 'billing_dispute', 'meter_fault', 'outage_report', 'new_connection',
                'reconnection', 'disconnection_nonpayment', 'payment_arrangement', 'vegetation',
                'voltage_quality', 'information_request', 'other'
            )
            or flagged.channel is null
            or flagged.channel not in ('call_center', 'ivr', 'web', 'app', 'walk_in', 'field')
            or flagged.status is null
            or flagged.status not in ('open', 'closed', 'cancelled') then 'invalid_enum'
        when {{ is_future('opened_at') }} or {{ is_future('flagged.closed_at') }}
            then 'future_timestamp'
        when flagged.is_key_conflict then 'duplicate_key_conflict'
        -- customer-master reasons last: a later customers file can lift them
        when not flagged.is_known_customer then 'unknown_customer'
    end as reject_reason
from flagged
