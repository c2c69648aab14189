-- One row per received bill row: typed, with a quarantine reason (null = valid).
{% set typed %}
    select
        nullif(trim(bill_id), '') as bill_id,
        revision,
        nullif(trim(source.customer_id), '') as customer_id,
        period_start,
        period_end,
        -- energy and money are exact decimals: sums do not depend on the order DuckDB adds them in
        cast(kwh_total as decimal(18, 3)) as kwh_total,
        cast(kwh_peak as decimal(18, 3)) as kwh_peak,
        cast(kwh_shoulder as decimal(18, 3)) as kwh_shoulder,
        cast(kwh_offpeak as decimal(18, 3)) as kwh_offpeak,
        max_demand_kw,
        cast(amount_due as decimal(18, 2)) as amount_due,
        due_date,
        is_estimated,
        lower(trim(status)) as status,
        issued_at,
        customers.customer_id is not null as is_known_customer,
        coalesce(customers.has_solar, false) as customer_has_solar,
        _unparsed, _loaded_at, _source_file, _batch_id, _batch_seq, _row_number
    from {{ source('landing', 'bills') }} as source
    left join (
        select customer_id, bool_or(has_solar) as has_solar
        from {{ ref('stg_cis__customer_versions') }}
        group by customer_id
    ) as customers on customers.customer_id = trim(source.customer_id)
{% endset %}

-- a conflict: same bill_id and revision with different values inside one batch, nobody can
-- say which is right
with flagged as (
    {{ flag_repeated_keys(
        typed, source('landing', 'bills'), "nullif(trim(bill_id), '')", 'bill_id',
        ['bill_id', 'revision', 'customer_id', 'period_start', 'period_end',
            'kwh_total', 'kwh_peak', 'kwh_shoulder', 'kwh_offpeak', 'max_demand_kw',
            'amount_due', 'due_date', 'is_estimated', 'status', 'issued_at', '_unparsed'],
        ['bill_id', 'revision', '_batch_id']) }}
),

checked as (
    select
        flagged.*,
        case
            when flagged.bill_id is null or flagged.customer_id is null then 'missing_key'
            when
                flagged.revision is null or flagged.kwh_total is null or flagged.amount_due is null
                or {{ is_unparsed('kwh_peak') }} or {{ is_unparsed('kwh_shoulder') }}
                or {{ is_unparsed('kwh_offpeak') }} or {{ is_unparsed('max_demand_kw') }}
                then 'bad_number'
            -- before 1950: a legacy null sentinel (1900-01-01), not a real date. A period that
            -- ends more than 62 days after the bill was issued is not a bill's period (a typo'd
            -- year): its billing month would stretch every run's month range by decades.
            when
                flagged.period_start is null or flagged.period_end is null
                or flagged.due_date is null or flagged.issued_at is null
                or flagged.period_end < flagged.period_start or flagged.issued_at < '1950-01-01'
                or flagged.period_start < '1950-01-01'
                or flagged.period_end > flagged.issued_at + interval 62 day then 'bad_date'
            when
                flagged.status is null or flagged.status not in ('issued', 'cancelled')
                or flagged.is_estimated is null
                then 'invalid_enum'
            when {{ is_future('issued_at') }} then 'future_timestamp'
            when
                flagged.kwh_peak is not null and flagged.kwh_shoulder is not null
                and flagged.kwh_offpeak is not null
                and abs(
                    flagged.kwh_peak + flagged.kwh_shoulder + flagged.kwh_offpeak
                    - flagged.kwh_total
                ) > 0.01 * abs(flagged.kwh_total) + 0.01
                then 'tou_mismatch'
            when flagged.is_key_conflict then 'duplicate_key_conflict'
            -- Reasons that depend on the customer master come last: a later customers file can
            -- lift them (late-arriving customers), and the row must then have no other fault.
            when not flagged.is_known_customer then 'unknown_customer'
            when flagged.kwh_total < 0 and not flagged.customer_has_solar then 'negative_kwh'
        end as reject_reason
    from flagged
)

select * {{ star_except() }} (is_known_customer, customer_has_solar, _unparsed, is_key_conflict)
from checked
