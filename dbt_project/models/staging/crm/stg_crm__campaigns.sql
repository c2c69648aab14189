-- One row per campaign x customer: its newest valid row (a later batch re-sending a customer's
-- assignment replaces it). campaign_group is treatment or control.
with latest as (
    {{ latest_versions(
        ref('stg_crm__campaigns_checked'), 'campaign_id, customer_id',
        '_batch_seq desc, _row_number desc') }}
)

select
    campaign_id,
    customer_id,
    strategy,
    assigned_on,
    {{ month_key('assigned_on') }} as assigned_month,
    campaign_group
from latest
