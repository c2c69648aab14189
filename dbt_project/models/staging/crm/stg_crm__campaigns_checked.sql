-- One row per received campaigns row (landing contract v2, optional): typed, with a quarantine
-- reason (null = valid). `group` is a reserved word: it is campaign_group from here on.
{% set typed %}
    select
        nullif(trim(campaign_id), '') as campaign_id,
        nullif(trim(source.customer_id), '') as customer_id,
        nullif(trim(strategy), '') as strategy,
        assigned_on,
        lower(trim(source.{{ adapter.quote('group') }})) as campaign_group,
        customers.customer_id is not null as is_known_customer,
        _unparsed,
        _loaded_at, _source_file, _batch_id, _batch_seq, _row_number
    from {{ source('landing', 'campaigns') }} as source
    left join (select distinct customer_id from {{ ref('stg_cis__customer_versions') }}) as customers
        on customers.customer_id = trim(source.customer_id)
{% endset %}

-- a conflict: the same customer twice in one campaign and batch with different values, nobody
-- can say which group it is in
with flagged as (
    {{ flag_repeated_keys(
        typed, source('landing', 'campaigns'),
        "nullif(trim(campaign_id), '') || '|' || nullif(trim(customer_id), '')",
        "campaign_id || '|' || customer_id",
        ['campaign_id', 'customer_id', 'strategy', 'assigned_on', 'campaign_group', '_unparsed'],
        ['campaign_id', 'customer_id', '_batch_id']) }}
)

select
    flagged.* {{ star_except() }} (
        flagged.is_known_customer, flagged._unparsed, flagged.is_key_conflict
    ),
    case
        when
            flagged.campaign_id is null or flagged.customer_id is null
            or flagged.strategy is null then 'missing_key'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when flagged.assigned_on is null or flagged.assigned_on < '1950-01-01' then 'bad_date'
        when
            flagged.campaign_group is null
            or flagged.campaign_group not in ('treatment', 'control') then 'invalid_enum'
        when {{ is_future('flagged.assigned_on') }} then 'future_timestamp'
        when flagged.is_key_conflict then 'duplicate_key_conflict'
        -- customer-master reasons last: a later customers file can lift them
        when not flagged.is_known_customer then 'unknown_customer'
    end as reject_reason
from flagged
