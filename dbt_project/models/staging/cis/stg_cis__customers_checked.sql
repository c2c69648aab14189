-- One row per received customer row: typed, PII dropped, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'customers') }}
),

typed as (
    select
        nullif(trim(customer_id), '') as customer_id,
        lower(trim(customer_class)) as customer_class,
        trim(tariff_code) as tariff_code,
        trim(region) as region,
        trim(feeder_id) as feeder_id,
        upper(trim(voltage_level)) as voltage_level,
        contracted_capacity_kva,
        connected_on,
        disconnected_on,
        has_solar,
        lower(trim(payment_method)) as payment_method,
        budget_billing,
        paperless,
        updated_at,
        _unparsed,
        _loaded_at, _source_file,
        _batch_id,
        _batch_seq,
        _row_number
    from source
),

flagged as (
    select
        *,
        {{ is_exact_duplicate(['customer_id', 'customer_class', 'tariff_code', 'region', 'feeder_id',
            'voltage_level', 'contracted_capacity_kva', 'connected_on', 'disconnected_on', 'has_solar',
            'payment_method', 'budget_billing', 'paperless', 'updated_at', '_unparsed']) }}
            as is_exact_duplicate
    from typed
),

conflicts as (
    -- Same customer and version (updated_at) with different values inside one batch: nobody
    -- can say which is right, so every such row is quarantined until the source re-sends.
    select customer_id, updated_at, _batch_id
    from flagged
    where not is_exact_duplicate
    group by all
    having count(*) > 1
),

checked as (
    select
        flagged.*,
        case
            when flagged.customer_id is null then 'missing_key'
            when connected_on is null or flagged.updated_at is null
                or {{ is_unparsed('disconnected_on') }} then 'bad_date'
            when disconnected_on < connected_on then 'bad_date'
            when {{ is_unparsed('contracted_capacity_kva') }}
                or contracted_capacity_kva < 0 then 'bad_number'
            when customer_class is null
                or customer_class not in ('residential', 'commercial', 'industrial', 'agricultural', 'public_sector')
                or voltage_level is null or voltage_level not in ('LV', 'MV', 'HV')
                or payment_method is null
                or payment_method not in ('direct_debit', 'online', 'cash', 'bank_transfer', 'card')
                or has_solar is null or budget_billing is null or paperless is null then 'invalid_enum'
            when {{ is_future('flagged.updated_at') }} then 'future_timestamp'
            when conflicts.customer_id is not null and not is_exact_duplicate then 'duplicate_key_conflict'
        end as reject_reason
    from flagged
    left join conflicts
        on conflicts.customer_id = flagged.customer_id
        and conflicts.updated_at = flagged.updated_at
        and conflicts._batch_id = flagged._batch_id
)

select * exclude (_unparsed)
from checked
