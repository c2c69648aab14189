{{ config(materialized='window_incremental', unique_key='month',
    on_schema_change='fail') }}
-- One row per customer x month of AMI interval reads: energy and load-shape sums
-- (peak hours 17:00-21:00, night 00:00-06:00, off-peak 23:00-07:00, weekday vs weekend days).
with reads as (
    select * from {{ ref('stg_ami__meter_reads') }}
    where {{ in_partition_window('read_month') }}
),

shaped as (
    select
        customer_id,
        read_month,
        kwh,
        -- the types are written out, as DuckDB infers them (a DECIMAL(18, 4) times an integer
        -- stays DECIMAL(18, 4); sum() widens to 38 digits): Spark would infer others
        cast(kwh * {{ integer_divide('60', 'interval_minutes') }} as decimal(18, 4)) as kw,
        hour(read_start) as read_hour,
        cast(read_start as date) as read_date,
        {{ iso_day_of_week('read_start') }} >= 6 as is_weekend
    from reads
)

select
    customer_id,
    read_month as month,
    cast(sum(kwh) as decimal(38, 4)) as ami_kwh,
    count(*) as n_reads,
    max(kw) as ami_max_kw,
    cast(sum(kw) as decimal(38, 4)) as ami_kw_sum,
    cast(sum(kwh) filter (where read_hour between 17 and 20) as decimal(38, 4)) as ami_peak_kwh,
    cast(sum(kwh) filter (where read_hour between 0 and 5) as decimal(38, 4)) as ami_night_kwh,
    cast(
        sum(kwh) filter (where read_hour >= 23 or read_hour < 7) as decimal(38, 4)
    ) as ami_offpeak_kwh,
    cast(sum(kwh) filter (where not is_weekend) as decimal(38, 4)) as ami_weekday_kwh,
    count(distinct read_date) filter (where not is_weekend) as ami_weekdays,
    cast(sum(kwh) filter (where is_weekend) as decimal(38, 4)) as ami_weekend_kwh,
    count(distinct read_date) filter (where is_weekend) as ami_weekend_days
from shaped
group by customer_id, read_month
