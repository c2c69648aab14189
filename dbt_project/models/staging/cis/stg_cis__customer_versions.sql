-- One row per customer x updated_at: every valid version of the account master, for
-- point-in-time attributes (the version in force at the end of a month). No PII.
with checked as (
    select * from {{ ref('stg_cis__customers_checked') }}
    where reject_reason is null and not is_exact_duplicate
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, updated_at order by _batch_seq desc, _row_number desc
        ) as version_rank
    from checked
)

select
    customer_id,
    customer_class,
    tariff_code,
    region,
    feeder_id,
    voltage_level,
    contracted_capacity_kva,
    connected_on,
    disconnected_on,
    has_solar,
    payment_method,
    budget_billing,
    paperless,
    updated_at,
    _batch_id
from ranked
where version_rank = 1
