-- One row per received outage row: typed, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'outages') }}
),

typed as (
    select
        nullif(trim(outage_id), '') as outage_id,
        nullif(trim(feeder_id), '') as feeder_id,
        trim(region) as region,
        started_at,
        restored_at,
        lower(trim(cause)) as cause,
        is_planned,
        _unparsed,
        _source_file, _batch_id, _batch_seq, _row_number
    from source
)

select
    * exclude (_unparsed),
    {{ is_exact_duplicate(['outage_id', 'feeder_id', 'region', 'started_at', 'restored_at',
        'cause', 'is_planned', '_unparsed']) }} as is_exact_duplicate,
    case
        when outage_id is null or feeder_id is null then 'missing_key'
        when started_at is null or {{ is_unparsed('restored_at') }}
            or restored_at < started_at then 'bad_date'
        when cause is null or is_planned is null
            or cause not in ('weather', 'equipment', 'vegetation', 'animal', 'third_party',
                'planned_maintenance', 'unknown') then 'invalid_enum'
        when {{ is_future('started_at') }} or {{ is_future('restored_at') }} then 'future_timestamp'
    end as reject_reason
from typed
