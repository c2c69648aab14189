{{ config(materialized='window_incremental', unique_key='month',
    on_schema_change='fail') }}
-- One row per customer x month with interruptions that started in the month. Affected customers
-- are those listed in outage_customers; an outage with no listed customers affects every
-- customer connected to its feeder at the time (feeder fallback).
with outages as (
    select * from {{ ref('stg_oms__outages') }}
    where {{ in_partition_window('outage_month') }}
),

listed as (
    select * from {{ ref('stg_oms__outage_customers') }}
),

outages_with_list as (
    select distinct outage_id from listed
),

customers as (
    select
        customer_id,
        feeder_id,
        connected_on,
        disconnected_on
    from {{ ref('stg_cis__customers') }}
),

affected as (
    select
        outages.*,
        listed.customer_id
    from outages
    inner join listed using (outage_id)
    union all
    select
        outages.*,
        customers.customer_id
    from outages
    inner join customers
        on outages.feeder_id = customers.feeder_id
        and customers.connected_on <= cast(outages.started_at as date)
        and (
            customers.disconnected_on is null
            or customers.disconnected_on > cast(outages.started_at as date)
        )
    where outages.outage_id not in (select outages_with_list.outage_id from outages_with_list)
),

durations as (
    select
        customer_id,
        outage_month as month,
        is_planned,
        -- an ongoing outage counts until the end of its month
        coalesce(
            duration_minutes,
            -- ... but never beyond now (the current month is month to date)
            {{ date_diff('minute', 'started_at', "least(
                cast(" ~ month_end_of_key('outage_month') ~ " + interval 1 day as timestamp),
                greatest(started_at, cast(current_timestamp as timestamp))
            )") }}
        ) as minutes
    from affected
)

select
    customer_id,
    month,
    count(*) as n_interruptions,
    -- BIGINT, not the 128-bit HUGEINT of sum()
    cast(sum(minutes) as bigint) as interruption_minutes,
    count(*) filter (where minutes > 240) as n_long_interruptions,
    count(*) filter (where is_planned) as n_planned_interruptions
from durations
group by customer_id, month
