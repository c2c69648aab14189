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
        _loaded_at,
        _source_file,
        _batch_id,
        _batch_seq,
        _row_number
    from source
),

flagged as (
    select
        *,
        {{ is_exact_duplicate([
            'outage_id', 'feeder_id', 'region', 'started_at', 'restored_at', 'cause', 'is_planned',
            '_unparsed',
        ]) }} as is_exact_duplicate
    from typed
),

conflicts as (
    -- Same outage and version (restored_at; newest wins across batches) with different values
    -- inside one batch: nobody can say which is right.
    select
        outage_id,
        restored_at,
        _batch_id
    from flagged
    where not is_exact_duplicate
    group by all
    having count(*) > 1
)

select
    flagged.* {{ star_except() }} (flagged._unparsed),
    case
        when flagged.outage_id is null or flagged.feeder_id is null then 'missing_key'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when
            flagged.started_at is null or {{ is_unparsed('restored_at') }}
            or flagged.restored_at < flagged.started_at
            or flagged.started_at < '1950-01-01' then 'bad_date'
        when
            flagged.cause is null or flagged.is_planned is null
            or flagged.cause not in (
                'weather', 'equipment', 'vegetation', 'animal', 'third_party',
                'planned_maintenance', 'unknown'
            ) then 'invalid_enum'
        when {{ is_future('started_at') }} or {{ is_future('flagged.restored_at') }}
            then 'future_timestamp'
        when conflicts.outage_id is not null and not flagged.is_exact_duplicate
            then 'duplicate_key_conflict'
    end as reject_reason
from flagged
left join conflicts
    on flagged.outage_id = conflicts.outage_id
    and conflicts.restored_at is not distinct from flagged.restored_at
    and flagged._batch_id = conflicts._batch_id
