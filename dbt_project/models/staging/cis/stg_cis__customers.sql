-- One row per customer: the newest version of the account master (newest updated_at wins). No PII.
with versions as (
    select * from {{ ref('stg_cis__customer_versions') }}
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by updated_at desc) as recency
    from versions
)

select * {{ star_except() }} (recency)
from ranked
where recency = 1
