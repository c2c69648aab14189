-- One row per received outage_customers row, with a quarantine reason (null = valid).
with source as (
    select * from {{ source('landing', 'outage_customers') }}
),

customers as (
    select distinct customer_id from {{ ref('stg_cis__customer_versions') }}
),

typed as (
    select
        nullif(trim(source.outage_id), '') as outage_id,
        nullif(trim(source.customer_id), '') as customer_id,
        customers.customer_id is not null as is_known_customer,
        source._loaded_at,
        source._source_file,
        source._batch_id,
        source._batch_seq,
        source._row_number
    from source
    left join customers on customers.customer_id = trim(source.customer_id)
)

select
    * {{ star_except() }} (is_known_customer),
    {{ is_exact_duplicate(['outage_id', 'customer_id']) }} as is_exact_duplicate,
    case
        when outage_id is null or customer_id is null then 'missing_key'
        -- a later customers file can lift this (late-arriving customers)
        when not is_known_customer then 'unknown_customer'
    end as reject_reason
from typed
