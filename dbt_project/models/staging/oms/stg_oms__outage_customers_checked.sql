-- One row per received outage_customers row, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'outage_customers') }}
),

typed as (
    select
        nullif(trim(outage_id), '') as outage_id,
        nullif(trim(customer_id), '') as customer_id,
        _source_file, _batch_id, _batch_seq, _row_number
    from source
)

select
    *,
    {{ is_exact_duplicate(['outage_id', 'customer_id']) }} as is_exact_duplicate,
    case when outage_id is null or customer_id is null then 'missing_key' end as reject_reason
from typed
