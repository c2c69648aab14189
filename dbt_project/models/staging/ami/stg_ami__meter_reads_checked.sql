-- One row per received interval read: typed, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'meter_reads') }}
),

typed as (
    select
        nullif(trim(customer_id), '') as customer_id,
        read_start,
        interval_minutes,
        cast(kwh as decimal(18, 4)) as kwh,
        _unparsed,
        _source_file, _batch_id, _batch_seq, _row_number
    from source
)

select
    * exclude (_unparsed),
    {{ is_exact_duplicate(['customer_id', 'read_start', 'interval_minutes', 'kwh', '_unparsed']) }} as is_exact_duplicate,
    case
        when customer_id is null then 'missing_key'
        when read_start is null then 'bad_date'
        when kwh is null then 'bad_number'
        when interval_minutes is null or interval_minutes not in (15, 30, 60) then 'invalid_enum'
        when {{ is_future('read_start') }} then 'future_timestamp'
    end as reject_reason
from typed
