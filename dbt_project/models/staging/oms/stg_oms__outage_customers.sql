-- One row per outage x affected customer listed by the outage management system.
select distinct
    outage_id,
    customer_id
from {{ ref('stg_oms__outage_customers_checked') }}
where reject_reason is null
