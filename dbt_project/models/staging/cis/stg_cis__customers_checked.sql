-- One row per received customer row: typed, PII dropped, with a quarantine reason (null = valid).
-- the contract's PII columns (contract/landing.yaml; contains_pii in _landing__sources.yml)
{% set pii_columns = ['full_name', 'phone', 'email', 'address'] %}
-- the free-text columns that are published or feed the features; the enums are judged against
-- their value lists and cannot hold a name
{% set text_fields = ['region', 'tariff_code', 'feeder_id'] %}
{% set normalized =
    "lower(case when {0} like ' %' or {0} like '% ' then trim({0}) else {0} end)" %}
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
        _loaded_at,
        _source_file,
        _batch_id,
        _batch_seq,
        _row_number
    from source
),

flagged as (
    select
        *,
        {{ is_exact_duplicate([
            'customer_id', 'customer_class', 'tariff_code', 'region', 'feeder_id', 'voltage_level',
            'contracted_capacity_kva', 'connected_on', 'disconnected_on', 'has_solar',
            'payment_method', 'budget_billing', 'paperless', 'updated_at', '_unparsed',
        ]) }} as is_exact_duplicate
    from typed
),

conflicts as (
    -- Same customer and version (updated_at) with different values inside one batch: nobody
    -- can say which is right, so every such row is quarantined until the source re-sends.
    select
        customer_id,
        updated_at,
        _batch_id
    from flagged
    where not is_exact_duplicate
    group by all
    having count(*) > 1
),

-- pii_in_field: a PII value typed into a text field (a name in region, a phone in feeder_id), or
-- a value shaped like an email or a phone number (the dbt var pii_patterns), whoever's it is.
-- The PII of the same row, and of every other row received for the same customer, counts: a
-- corrected re-send shows that the earlier row held the name in region, even where that row's
-- own full_name was garbled (an extract with swapped full_name/region headers). Values are
-- compared trimmed and case-insensitively. A field value that another customer holds in the same
-- field without it being that customer's PII is a real region, tariff or feeder (attested), so
-- a right row is not quarantined for a coincidence: a customer named "Riverside" in the
-- Riverside district, or the region that a swapped extract wrote into full_name. Without such a
-- holder (a region of one customer) the row is quarantined: privacy first.
-- Cost (1.2M rows): these CTEs read the raw table column by column, never the materialised
-- `source` (all columns, PII included); the few thousand distinct field values select the PII
-- values worth joining per customer; trim() only where a space is there (on every PII value it
-- cost 1.3 s instead of 0.5 s).
field_distinct as (
    {% for field in text_fields %}
    select distinct
        '{{ field }}' as field,
        {{ normalized | replace('{0}', field) }} as value
    from {{ source('landing', 'customers') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

pii_candidates as (
    {% for column in pii_columns %}
    {% set value = normalized | replace('{0}', column) %}
    select
        nullif(trim(customer_id), '') as customer_id,
        {{ value }} as value
    from {{ source('landing', 'customers') }}
    where
        {{ value }} in (
            select field_distinct.value from field_distinct
            where field_distinct.value <> ''
        )
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the rows holding a value that is PII of some customer (none, most days), by field
pii_in_fields as (
    {% for field in text_fields %}
    {% set value = normalized | replace('{0}', field) %}
    select
        nullif(trim(customer_id), '') as customer_id,
        _batch_id,
        _row_number,
        '{{ field }}' as field,
        {{ value }} as value
    from {{ source('landing', 'customers') }}
    where {{ value }} in (select pii_candidates.value from pii_candidates)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

own_pii_in_fields as (
    select pii_in_fields.*
    from pii_in_fields
    where exists (
        select 1 from pii_candidates
        where
            pii_in_fields.customer_id = pii_candidates.customer_id
            and pii_in_fields.value = pii_candidates.value
    )
),

leaked as (
    select distinct
        field,
        value
    from own_pii_in_fields
),

attested as (
    select distinct
        pii_in_fields.field,
        pii_in_fields.value
    from pii_in_fields
    -- a row without a customer (missing_key) attests nothing
    where
        pii_in_fields.customer_id is not null
        and exists (
            select 1 from leaked
            where leaked.field = pii_in_fields.field and leaked.value = pii_in_fields.value
        )
        and not exists (
            select 1 from pii_candidates
            where
                pii_in_fields.customer_id = pii_candidates.customer_id
                and pii_in_fields.value = pii_candidates.value
        )
),

leaking_rows as (
    select distinct
        own_pii_in_fields._batch_id,
        own_pii_in_fields._row_number
    from own_pii_in_fields
    where not exists (
        select 1 from attested
        where attested.field = own_pii_in_fields.field and attested.value = own_pii_in_fields.value
    )
),

checked as (
    select
        flagged.*,
        case
            when flagged.customer_id is null then 'missing_key'
            -- connected before 1901: the legacy 1900-01-01 null sentinel, not a tenure
            when
                flagged.connected_on is null or flagged.updated_at is null
                or {{ is_unparsed('disconnected_on') }} or flagged.connected_on < '1901-01-01'
                then 'bad_date'
            when flagged.disconnected_on < flagged.connected_on then 'bad_date'
            when
                {{ is_unparsed('contracted_capacity_kva') }}
                or flagged.contracted_capacity_kva < 0 then 'bad_number'
            when
                flagged.customer_class is null
                or flagged.customer_class not in (
                    'residential', 'commercial', 'industrial', 'agricultural', 'public_sector'
                )
                or flagged.voltage_level is null or flagged.voltage_level not in ('LV', 'MV', 'HV')
                or flagged.payment_method is null
                or flagged.payment_method not in (
                    'direct_debit', 'online', 'cash', 'bank_transfer', 'card'
                )
                or flagged.has_solar is null or flagged.budget_billing is null
                or flagged.paperless is null then 'invalid_enum'
            when {{ is_future('flagged.updated_at') }} then 'future_timestamp'
            when
                leaking_rows._batch_id is not null
                {% for field in text_fields %}
                or {{ matches_pattern('flagged.' ~ field, var("pii_patterns")["email"]) }}
                {% endfor %}
                -- not feeder_id: a feeder id may be ten digits
                or {{ matches_pattern('flagged.region', var("pii_patterns")["phone"]) }}
                or {{ matches_pattern('flagged.tariff_code', var("pii_patterns")["phone"]) }}
                then 'pii_in_field'
            when conflicts.customer_id is not null and not flagged.is_exact_duplicate
                then 'duplicate_key_conflict'
        end as reject_reason
    from flagged
    left join conflicts
        on flagged.customer_id = conflicts.customer_id
        and flagged.updated_at = conflicts.updated_at
        and flagged._batch_id = conflicts._batch_id
    left join leaking_rows
        on flagged._batch_id = leaking_rows._batch_id
        and flagged._row_number = leaking_rows._row_number
)

select * {{ star_except() }} (_unparsed)
from checked
