{{ config(materialized='window_incremental', unique_key='billing_month',
    on_schema_change='fail') }}
-- One row per customer x billing month (month of period_end): energy, TOU split, demand, revenue.
with bills as (
    select *
    from {{ ref('stg_billing__bills') }}
    where not is_cancelled and {{ in_partition_window('billing_month') }}
)

select
    customer_id,
    billing_month,
    -- Sums keep their inputs' DECIMAL(18, s): stored in 64 bits, not the 128 of sum()'s
    -- DECIMAL(38, s) (a 1M x 36 backfill wrote this table in 32 s instead of 38 s). A month
    -- beyond that range fails the cast, loudly.
    cast(sum(kwh_total) as decimal(18, 3)) as kwh,
    cast(
        sum(kwh_peak) filter (where kwh_peak is not null and kwh_offpeak is not null)
        as decimal(18, 3)
    ) as kwh_peak,
    cast(
        sum(kwh_offpeak) filter (where kwh_peak is not null and kwh_offpeak is not null)
        as decimal(18, 3)
    ) as kwh_offpeak,
    cast(
        sum(kwh_total) filter (where kwh_peak is not null and kwh_offpeak is not null)
        as decimal(18, 3)
    ) as kwh_tou_total,
    -- gross TOU energy: the denominator of TOU shares, meaningful for net-exporting solar too
    cast(
        sum(abs(kwh_peak) + abs(coalesce(kwh_shoulder, 0)) + abs(kwh_offpeak))
        filter (where kwh_peak is not null and kwh_offpeak is not null)
        as decimal(18, 3)
    ) as kwh_tou_gross,
    max(max_demand_kw) as max_demand_kw,
    cast(sum(amount_due) as decimal(18, 2)) as amount_billed,
    count(*) as n_bills,
    count(*) filter (where is_estimated) as n_estimated_bills
from bills
group by customer_id, billing_month
