-- One row per month x input of the monthly models (int_customer_months_*, the trailing sums):
-- how many rows of the input can change the features of that month, and a fingerprint of their
-- values (the sum of their 64-bit row hashes). orchestration/increment.py compares it with the
-- fingerprints the features and scores of each month were last built from: the nightly refresh
-- starts at the earliest month that differs. A correction of an old month (a re-issued bill, a
-- late payment, a re-sent restoration time, a new customer version, a quarantined row healed by
-- a late customer master row) thus restates that month and the trailing sums of every later
-- month, as a backfill does.
--
-- Each row is counted in the earliest month whose features it can change (features are point in
-- time: a row dated in month M changes M and later). A changed row changes the fingerprint of its
-- old and of its new month; the earlier one decides.
--   - bills: billing month; payments: payment month; outages and their listed customers: start
--     month; meter reads: read month. Whole rows are hashed, all columns but `_batch_id` (a
--     re-send of the same values changes nothing), so a column a model starts to read is covered.
--   - customer versions: the update month; a customer's first version also from the connection
--     month (the trailing model uses it for the months before its update, when the customer was
--     first extracted later).
--   - the newest customer version's feeder and connection date (the outages' feeder fallback
--     reads the newest version for every month): the connection month; its disconnection date:
--     that month. Only these columns: the other attributes are point in time (versions above).
--   - settled bills and work orders have two sides, each hashed from the columns that side's
--     facts read (int_customer_months_payments' ROWS, int_customer_months_work_orders): the due
--     month (amount, paid on time) and the settlement month (days late); the opening month
--     (category, channel) and the closing month (resolution, survey). Whole rows keyed by the
--     earlier month would restate every month since a bill fell due whenever it is finally paid.
--     A column these facts start to read must be added here.
with keyed as (
    select
        'bills' as input,
        billing_month as month,
        {{ row_hash('r') }} as row_hash
    from (select * {{ star_except() }} (_batch_id) from {{ ref('stg_billing__bills') }}) as r

    union all
    select
        'bills_due' as input,
        due_month as month,
        {{ hash_of(
            'bill_id, customer_id, amount_due,
            coalesce(paid_in_full_at < due_date + interval 1 day, false)'
        ) }} as row_hash
    from {{ ref('int_bills_settled') }}

    union all
    select
        'bills_settled' as input,
        {{ month_key('paid_in_full_at') }} as month,
        {{ hash_of('bill_id, customer_id, due_date, paid_in_full_at') }} as row_hash
    from {{ ref('int_bills_settled') }}
    where paid_in_full_at is not null

    union all
    select
        'payments' as input,
        payment_month as month,
        {{ row_hash('r') }} as row_hash
    from (select * {{ star_except() }} (_batch_id) from {{ ref('stg_billing__payments') }}) as r

    union all
    select
        'outages' as input,
        outage_month as month,
        {{ row_hash('r') }} as row_hash
    from (select * {{ star_except() }} (_batch_id) from {{ ref('stg_oms__outages') }}) as r

    union all
    -- hash(r): DuckDB reads a table alias as the row's struct, which sqlfluff cannot see
    select
        'outage_customers' as input,
        outages.outage_month as month,
        {{ row_hash('r') }} as row_hash  -- noqa: RF02
    from {{ ref('stg_oms__outage_customers') }} as r  -- noqa: AL05
    inner join {{ ref('stg_oms__outages') }} as outages using (outage_id)

    union all
    select
        'work_orders_opened' as input,
        opened_month as month,
        {{ hash_of('work_order_id, customer_id, category, channel') }} as row_hash
    from {{ ref('stg_crm__work_orders') }}

    union all
    select
        'work_orders_closed' as input,
        closed_month as month,
        {{ hash_of(
            'work_order_id, customer_id, status, resolution_seconds, satisfaction_score'
        ) }} as row_hash
    from {{ ref('stg_crm__work_orders') }}
    where closed_month is not null

    union all
    select
        'meter_reads' as input,
        read_month as month,
        {{ row_hash('r') }} as row_hash
    from {{ ref('stg_ami__meter_reads') }} as r  -- noqa: AL05

    union all
    select
        'customer_versions' as input,
        case
            when row_number() over (partition by customer_id order by updated_at) = 1
                then least({{ month_key('updated_at') }}, {{ month_key('connected_on') }})
            else {{ month_key('updated_at') }}
        end as month,
        {{ row_hash('r') }} as row_hash
    from (
        select * {{ star_except() }} (_batch_id) from {{ ref('stg_cis__customer_versions') }}
    ) as r

    union all
    select
        'customer_feeders' as input,
        {{ month_key('connected_on') }} as month,
        {{ hash_of('customer_id, feeder_id, connected_on') }} as row_hash
    from {{ ref('stg_cis__customers') }}

    union all
    select
        'customer_disconnections' as input,
        {{ month_key('disconnected_on') }} as month,
        {{ hash_of('customer_id, disconnected_on') }} as row_hash
    from {{ ref('stg_cis__customers') }}
    where disconnected_on is not null
)

select
    month,
    input,
    count(*) as n_rows,
    {{ hash_sum('row_hash') }} as fingerprint
from keyed
where month is not null
group by month, input
