-- One row per received interval read: typed, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'meter_reads') }}
),

customers as (
    select
        customer_id,
        bool_or(has_solar) as has_solar
    from {{ ref('stg_cis__customer_versions') }}
    group by customer_id
),

typed as (
    select
        nullif(trim(source.customer_id), '') as customer_id,
        source.read_start,
        source.interval_minutes,
        cast(source.kwh as decimal(18, 4)) as kwh,
        customers.customer_id is not null as is_known_customer,
        coalesce(customers.has_solar, false) as customer_has_solar,
        source._unparsed,
        source._loaded_at,
        source._source_file,
        source._batch_id,
        source._batch_seq,
        source._row_number
    from source
    left join customers on customers.customer_id = trim(source.customer_id)
),

flagged as (
    select
        *,
        {{ is_exact_duplicate(
            ['customer_id', 'read_start', 'interval_minutes', 'kwh', '_unparsed']
        ) }} as is_exact_duplicate
    from typed
),

conflicts as (
    -- The same interval read twice with different values inside one batch.
    select
        customer_id,
        read_start,
        _batch_id
    from flagged
    where not is_exact_duplicate
    group by all
    having count(*) > 1
)

select
    flagged.* {{ star_except() }} (
        flagged.is_known_customer, flagged.customer_has_solar, flagged._unparsed
    ),
    case
        when flagged.customer_id is null then 'missing_key'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when flagged.read_start is null or flagged.read_start < '1950-01-01' then 'bad_date'
        when flagged.kwh is null then 'bad_number'
        when
            flagged.interval_minutes is null
            or flagged.interval_minutes not in (15, 30, 60) then 'invalid_enum'
        when {{ is_future('flagged.read_start') }} then 'future_timestamp'
        when conflicts.customer_id is not null and not flagged.is_exact_duplicate
            then 'duplicate_key_conflict'
        -- customer-master reasons last: a later customers file can lift them
        when not flagged.is_known_customer then 'unknown_customer'
        -- net-metered solar customers export: negative intervals are theirs alone
        when flagged.kwh < 0 and not flagged.customer_has_solar then 'negative_kwh'
    end as reject_reason
from flagged
left join conflicts
    on flagged.customer_id = conflicts.customer_id
    and flagged.read_start = conflicts.read_start
    and flagged._batch_id = conflicts._batch_id
