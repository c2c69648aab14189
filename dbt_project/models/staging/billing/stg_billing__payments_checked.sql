-- One row per received payment row: typed, with a quarantine reason (null = valid).
{% set typed %}
    select
        nullif(trim(payment_id), '') as payment_id,
        nullif(trim(source.customer_id), '') as customer_id,
        nullif(trim(bill_id), '') as bill_id,
        paid_at,
        cast(amount as decimal(18, 2)) as amount,
        lower(trim(channel)) as channel,
        customers.customer_id is not null as is_known_customer,
        _unparsed,
        _loaded_at, _source_file, _batch_id, _batch_seq, _row_number
    from {{ source('landing', 'payments') }} as source
    left join (select distinct customer_id from {{ ref('stg_cis__customer_versions') }}) as customers
        on customers.customer_id = trim(source.customer_id)
{% endset %}

with flagged as (
    {{ flag_repeated_keys(
        typed, source('landing', 'payments'), "nullif(trim(payment_id), '')", 'payment_id',
        ['payment_id', 'customer_id', 'bill_id', 'paid_at', 'amount', 'channel', '_unparsed'],
        ['payment_id', '_batch_id']) }}
)

select
    flagged.* {{ star_except() }} (
        flagged.is_known_customer, flagged._unparsed, flagged.is_key_conflict
    ),
    case
        when flagged.payment_id is null or flagged.customer_id is null then 'missing_key'
        when flagged.amount is null or flagged.amount = 0 then 'bad_number'
        -- before 1950: a legacy null sentinel (1900-01-01), not a real date
        when flagged.paid_at is null or flagged.paid_at < '1950-01-01' then 'bad_date'
        when
            flagged.channel is null
            or flagged.channel not in (
                'direct_debit', 'online', 'cash', 'bank_transfer', 'card', 'agent'
            )
            then 'invalid_enum'
        when {{ is_future('paid_at') }} then 'future_timestamp'
        when flagged.is_key_conflict then 'duplicate_key_conflict'
        -- customer-master reasons last: a later customers file can lift them
        when not flagged.is_known_customer then 'unknown_customer'
    end as reject_reason
from flagged
