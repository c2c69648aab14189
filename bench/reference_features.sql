-- The benchmark's hand-written reference: the monthly and trailing 12-month features of
-- customer_features, in one DuckDB script, straight from the landing Parquet. What an analyst
-- would write without the warehouse: the latest revision of each bill, cancelled bills
-- dropped, monthly aggregates, windows over the months, payment punctuality and the receivables
-- balance. No contract checks, quarantine, lineage or PII handling; no smart-meter features
-- (the benchmark's landing zone has no meter reads).
--
-- Run by bench/reference_duckdb.py, which sets the variables `landing` (the landing folder)
-- and `output` (the Parquet file written). Months are integer indexes (year * 12 + month - 1),
-- so that a 12-month window is a RANGE frame of 11 preceding months.
copy (
    with bills as (
        select
            customer_id,
            year(period_end) * 12 + month(period_end) - 1 as mi,
            cast(kwh_total as decimal(18, 3)) as kwh,
            cast(kwh_peak as decimal(18, 3)) as kwh_peak,
            cast(kwh_shoulder as decimal(18, 3)) as kwh_shoulder,
            cast(kwh_offpeak as decimal(18, 3)) as kwh_offpeak,
            max_demand_kw,
            cast(amount_due as decimal(18, 2)) as amount_due,
            bill_id,
            due_date,
            is_estimated,
            issued_at
        from read_parquet(getvariable('landing') || '/bills/*.parquet', filename = true)
        -- the latest revision of each bill (a later file wins a tie)
        qualify
            row_number() over (partition by bill_id order by revision desc, filename desc) = 1
            and status = 'issued'
    ),

    payments as (
        select
            payment_id,
            customer_id,
            bill_id,
            paid_at,
            year(paid_at) * 12 + month(paid_at) - 1 as mi,
            cast(amount as decimal(18, 2)) as amount,
            channel
        from read_parquet(getvariable('landing') || '/payments/*.parquet', filename = true)
        qualify row_number() over (partition by payment_id order by filename desc) = 1
    ),

    versions as (
        select
            *,
            row_number() over (partition by customer_id order by updated_at) as version,
            count(*) over (partition by customer_id) as versions
        from (
            select * exclude (filename)
            from read_parquet(getvariable('landing') || '/customers/*.parquet', filename = true)
            qualify
                row_number() over (partition by customer_id, updated_at order by filename desc)
                = 1
        )
    ),

    -- the as-of months: the months with bills
    months as (
        select distinct
            mi,
            make_date(mi // 12, mi % 12 + 1, 1) + interval 1 month as next_first
        from bills
    ),

    last_month as (select max(mi) as mi from months),

    -- every customer x month, with the account version in force at the month end (the first
    -- one for a customer extracted later), kept while connected
    active as (
        select
            grid.customer_id,
            grid.mi,
            cast(grid.next_first - interval 1 day as date) as month_end,
            v.customer_class,
            v.region,
            v.tariff_code,
            v.voltage_level,
            v.payment_method,
            v.has_solar,
            v.budget_billing,
            v.paperless,
            v.contracted_capacity_kva,
            v.connected_on
        from (
            select c.customer_id, m.mi, m.next_first, coalesce(f.version, 1) as version
            from (select distinct customer_id from versions) as c
            cross join months as m
            asof left join versions as f
                on c.customer_id = f.customer_id and m.next_first > f.updated_at
        ) as grid
        inner join versions as v using (customer_id, version)
        where
            v.connected_on <= grid.next_first - interval 1 day
            and (v.disconnected_on is null or v.disconnected_on > grid.next_first - interval 1 day)
    ),

    -- when each bill was paid in full: the first payment that covers it after its last
    -- shortfall (a bounce re-opens a bill); a bill of nothing is settled when issued
    flows as (
        select
            p.bill_id,
            p.paid_at,
            sum(p.amount) over (
                partition by p.bill_id order by p.paid_at, p.payment_id rows unbounded preceding
            ) >= b.amount_due - 0.005 as covered
        from payments as p
        inner join bills as b using (bill_id)
    ),

    settled as (
        select bill_id, min(paid_at) filter (where covered and paid_at > last_short) as paid_at
        from (
            select
                *,
                coalesce(
                    max(paid_at) filter (where not covered) over (partition by bill_id),
                    timestamp '0001-01-01'
                ) as last_short
            from flows
        )
        group by bill_id
    ),

    bills_settled as (
        select
            b.customer_id,
            b.amount_due,
            b.due_date,
            year(b.due_date) * 12 + month(b.due_date) - 1 as due_mi,
            case when b.amount_due <= 0 then b.issued_at else s.paid_at end as paid_at
        from bills as b
        left join settled as s using (bill_id)
    ),

    outages as (
        select *
        from read_parquet(getvariable('landing') || '/outages/*.parquet', filename = true)
        -- the latest version of each outage: the newest restoration, an ongoing one last
        qualify row_number() over (
            partition by outage_id order by restored_at desc nulls last, filename desc
        ) = 1
    ),

    listed as (
        select distinct outage_id, customer_id
        from read_parquet(getvariable('landing') || '/outage_customers/*.parquet')
    ),

    -- the customers listed for an outage; without a list, every customer connected to its
    -- feeder at the time (by the latest account version)
    affected as (
        select outage_id, customer_id from listed
        union all
        select o.outage_id, v.customer_id
        from outages as o
        inner join versions as v
            on o.feeder_id = v.feeder_id
            and v.connected_on <= cast(o.started_at as date)
            and (v.disconnected_on is null or v.disconnected_on > cast(o.started_at as date))
        where
            v.version = v.versions
            and o.outage_id not in (select listed.outage_id from listed)
    ),

    work_orders as (
        select *
        from read_parquet(getvariable('landing') || '/work_orders/*.parquet', filename = true)
        -- the latest version of each work order: closed beats open, the newest closing wins
        qualify row_number() over (
            partition by work_order_id
            order by (status <> 'open') desc, closed_at desc nulls last, filename desc
        ) = 1
    ),

    -- the monthly facts of every source, one sparse row per customer x month with activity
    facts as (
        select *
        from (
            select
                customer_id,
                mi,
                sum(kwh) as kwh,
                sum(kwh_peak) filter (where tou) as kwh_peak,
                sum(kwh_offpeak) filter (where tou) as kwh_offpeak,
                sum(abs(kwh_peak) + abs(coalesce(kwh_shoulder, 0)) + abs(kwh_offpeak))
                    filter (where tou) as kwh_tou_gross,
                max(max_demand_kw) as max_demand_kw,
                sum(amount_due) as amount_billed,
                count(*) as n_bills,
                count(*) filter (where is_estimated) as n_estimated_bills
            from (
                select *, kwh_peak is not null and kwh_offpeak is not null as tou from bills
            )
            group by all
        )
        union all by name
        select
            customer_id,
            due_mi as mi,
            count(*) as n_bills_due,
            count(*) filter (where paid_at < due_date + interval 1 day) as n_due_on_time,
            sum(amount_due) as amount_due
        from bills_settled
        group by all
        union all by name
        select
            customer_id,
            year(paid_at) * 12 + month(paid_at) - 1 as mi,
            count(*) as n_settled,
            sum(greatest(0, date_diff('day', due_date, cast(paid_at as date)))) as days_late_settled
        from bills_settled
        where paid_at is not null and year(paid_at) * 12 + month(paid_at) - 1 <= (
            select mi from last_month
        )
        group by all
        union all by name
        select
            customer_id,
            mi,
            sum(amount) as amount_paid,
            count(*) filter (where amount > 0) as n_payments,
            count(*) filter (where amount < 0) as n_bounced_payments,
            count(*) filter (where amount > 0 and channel in ('cash', 'agent')) as n_cash_payments
        from payments
        where mi <= (select mi from last_month)
        group by all
        union all by name
        select
            customer_id,
            mi,
            count(*) as n_interruptions,
            sum(minutes) as interruption_minutes,
            count(*) filter (where minutes > 240) as n_long_interruptions
        from (
            select
                a.customer_id,
                year(o.started_at) * 12 + month(o.started_at) - 1 as mi,
                -- an ongoing outage counts to the end of its month (never beyond now)
                coalesce(
                    date_diff('minute', o.started_at, o.restored_at),
                    date_diff('minute', o.started_at, least(
                        date_trunc('month', o.started_at) + interval 1 month,
                        greatest(o.started_at, cast(current_timestamp as timestamp))
                    ))
                ) as minutes
            from affected as a
            inner join outages as o using (outage_id)
        )
        group by all
        union all by name
        select
            customer_id,
            year(opened_at) * 12 + month(opened_at) - 1 as mi,
            count(*) as n_contacts,
            count(*) filter (where channel = 'call_center') as n_contacts_call_center,
            count(*) filter (where channel = 'ivr') as n_contacts_ivr,
            count(*) filter (where channel in ('web', 'app')) as n_contacts_digital,
            count(*) filter (where channel = 'walk_in') as n_contacts_walk_in,
            count(*) filter (where category = 'complaint') as n_complaints,
            count(*) filter (where category = 'billing_dispute') as n_billing_disputes,
            count(*) filter (where category = 'payment_arrangement') as n_payment_arrangements,
            count(*) filter (
                where category = 'disconnection_nonpayment'
            ) as n_disconnections_nonpayment,
            count(*) filter (
                where category in (
                    'meter_fault', 'vegetation', 'voltage_quality', 'new_connection',
                    'reconnection'
                )
            ) as n_field_orders
        from work_orders
        group by all
        union all by name
        select
            customer_id,
            year(closed_at) * 12 + month(closed_at) - 1 as mi,
            count(*) as n_resolved,
            sum(date_diff('second', opened_at, closed_at)) as resolution_seconds,
            count(satisfaction_score) as n_surveys,
            sum(satisfaction_score) as survey_score_sum
        from work_orders
        where status = 'closed' and closed_at is not null
        group by all
    ),

    -- the facts and the as-of rows together and the as-of rows together, in month order
    windowed as (
        select
            customer_id,
            mi,
            bool_or(is_as_of) as is_as_of,
            sum(kwh) as kwh,
            sum(kwh_peak) as kwh_peak,
            sum(kwh_offpeak) as kwh_offpeak,
            sum(kwh_tou_gross) as kwh_tou_gross,
            max(max_demand_kw) as max_demand_kw,
            sum(amount_billed) as amount_billed,
            sum(n_bills) as n_bills,
            sum(n_estimated_bills) as n_estimated_bills,
            sum(n_bills_due) as n_bills_due,
            sum(n_due_on_time) as n_due_on_time,
            coalesce(sum(amount_due), 0) as amount_due,
            sum(n_settled) as n_settled,
            sum(days_late_settled) as days_late_settled,
            coalesce(sum(amount_paid), 0) as amount_paid,
            sum(n_payments) as n_payments,
            sum(n_bounced_payments) as n_bounced_payments,
            sum(n_cash_payments) as n_cash_payments,
            sum(n_interruptions) as n_interruptions,
            sum(interruption_minutes) as interruption_minutes,
            sum(n_long_interruptions) as n_long_interruptions,
            sum(n_contacts) as n_contacts,
            sum(n_contacts_call_center) as n_contacts_call_center,
            sum(n_contacts_ivr) as n_contacts_ivr,
            sum(n_contacts_digital) as n_contacts_digital,
            sum(n_contacts_walk_in) as n_contacts_walk_in,
            sum(n_complaints) as n_complaints,
            sum(n_billing_disputes) as n_billing_disputes,
            sum(n_payment_arrangements) as n_payment_arrangements,
            sum(n_disconnections_nonpayment) as n_disconnections_nonpayment,
            sum(n_field_orders) as n_field_orders,
            sum(n_resolved) as n_resolved,
            sum(resolution_seconds) as resolution_seconds,
            sum(n_surveys) as n_surveys,
            sum(survey_score_sum) as survey_score_sum
        from (
            select *, false as is_as_of from facts
            union all by name
            select customer_id, mi, true as is_as_of from active
        )
        group by customer_id, mi
    ),

    windows as (
        select
            customer_id,
            mi,
            is_as_of,
            sum(kwh) over w12 as kwh_12m,
            sum(abs(kwh)) over w12 as kwh_abs_12m,
            sum(cast(kwh as decimal(38, 3)) * kwh) over w12 as kwh_squares_12m,
            count(kwh) over w12 as months_billed,
            mi - max(mi) filter (where kwh is not null) over w12 as months_since_last_bill,
            max(kwh) over w12 as kwh_max,
            sum(kwh) filter (where mi % 12 + 1 in (12, 1, 2)) over w12 as kwh_winter,
            sum(kwh) filter (where mi % 12 + 1 in (6, 7, 8)) over w12 as kwh_summer,
            count(kwh) filter (where mi % 12 + 1 in (12, 1, 2)) over w12 as winter_months_billed,
            count(kwh) filter (where mi % 12 + 1 in (6, 7, 8)) over w12 as summer_months_billed,
            count(*) filter (where kwh < 0) over w12 as net_export_months,
            max(max_demand_kw) over w12 as max_demand_kw,
            sum(kwh) over (
                partition by customer_id order by mi range between 2 preceding and current row
            ) as kwh_last_3m,
            sum(kwh) over (
                partition by customer_id order by mi range between 14 preceding and 12 preceding
            ) as kwh_last_3m_year_ago,
            sum(kwh_peak) over w12 as kwh_peak_12m,
            sum(kwh_offpeak) over w12 as kwh_offpeak_12m,
            sum(kwh_tou_gross) over w12 as kwh_tou_gross_12m,
            sum(amount_billed) over w12 as amount_billed_12m,
            sum(n_bills) over w12 as n_bills_12m,
            sum(n_estimated_bills) over w12 as n_estimated_bills_12m,
            sum(n_bills_due) over w12 as n_bills_due_12m,
            sum(n_due_on_time) over w12 as n_due_on_time_12m,
            sum(n_settled) over w12 as n_settled_12m,
            sum(days_late_settled) over w12 as days_late_settled_12m,
            sum(n_payments) over w12 as n_payments_12m,
            sum(n_bounced_payments) over w12 as n_bounced_payments_12m,
            sum(n_cash_payments) over w12 as n_cash_payments_12m,
            -- the receivables balance at the month end, and what of it is older than the bills
            -- due this month and the month before (aged first in, first out)
            greatest(
                sum(amount_due - amount_paid) over (
                    partition by customer_id order by mi rows unbounded preceding
                )
                - sum(amount_due) over (
                    partition by customer_id order by mi range between 1 preceding and current row
                ),
                0
            ) as arrears_over_60d,
            sum(n_interruptions) over w12 as n_interruptions_12m,
            sum(interruption_minutes) over w12 as interruption_minutes_12m,
            sum(n_long_interruptions) over w12 as n_long_interruptions_12m,
            sum(n_contacts) over w12 as n_contacts_12m,
            sum(n_contacts_call_center) over w12 as n_contacts_call_center_12m,
            sum(n_contacts_ivr) over w12 as n_contacts_ivr_12m,
            sum(n_contacts_digital) over w12 as n_contacts_digital_12m,
            sum(n_contacts_walk_in) over w12 as n_contacts_walk_in_12m,
            sum(n_complaints) over w12 as n_complaints_12m,
            sum(n_billing_disputes) over w12 as n_billing_disputes_12m,
            sum(n_payment_arrangements) over w12 as n_payment_arrangements_12m,
            sum(n_disconnections_nonpayment) over w12 as n_disconnections_nonpayment_12m,
            sum(n_field_orders) over w12 as n_field_orders_12m,
            sum(n_resolved) over w12 as n_resolved_12m,
            sum(resolution_seconds) over w12 as resolution_seconds_12m,
            sum(n_surveys) over w12 as n_surveys_12m,
            sum(survey_score_sum) over w12 as survey_score_sum_12m
        from windowed
        window w12 as (partition by customer_id order by mi range between 11 preceding and current row)
    )

    select
        a.customer_id,
        strftime(a.month_end, '%Y-%m') as as_of_month,
        a.customer_class,
        a.region,
        a.tariff_code,
        a.voltage_level,
        a.payment_method,
        a.has_solar,
        a.budget_billing,
        a.paperless,
        cast(date_diff('month', a.connected_on, a.month_end) as integer) as tenure_months,
        a.contracted_capacity_kva,
        cast(t.months_billed as integer) as months_billed,
        cast(t.months_since_last_bill as integer) as months_since_last_bill,
        cast(t.kwh_12m as double) as kwh_12m,
        cast(t.kwh_12m / nullif(t.months_billed, 0) as double) as kwh_avg_month,
        case
            when t.kwh_last_3m_year_ago > 0 then t.kwh_last_3m / t.kwh_last_3m_year_ago - 1
        end as kwh_growth,
        case when t.kwh_12m > 0 then t.kwh_max / (t.kwh_12m / t.months_billed) end
            as kwh_seasonality,
        case when t.kwh_abs_12m > 0 then coalesce(t.kwh_winter, 0) / t.kwh_abs_12m end
            as kwh_winter_share,
        case when t.kwh_abs_12m > 0 then coalesce(t.kwh_summer, 0) / t.kwh_abs_12m end
            as kwh_summer_share,
        case
            when t.kwh_abs_12m > 0 and t.winter_months_billed > 0
                then (coalesce(t.kwh_winter, 0) / t.winter_months_billed)
                    / (t.kwh_abs_12m / t.months_billed)
        end as kwh_winter_ratio,
        case
            when t.kwh_abs_12m > 0 and t.summer_months_billed > 0
                then (coalesce(t.kwh_summer, 0) / t.summer_months_billed)
                    / (t.kwh_abs_12m / t.months_billed)
        end as kwh_summer_ratio,
        case
            when t.kwh_12m <> 0 and t.months_billed > 1
                then sqrt(
                    cast(greatest(
                        t.months_billed * t.kwh_squares_12m
                        - cast(t.kwh_12m as decimal(38, 3)) * cast(t.kwh_12m as decimal(38, 3)),
                        0
                    ) as double)
                    / (t.months_billed * (t.months_billed - 1))
                ) / abs(t.kwh_12m / t.months_billed)
            when t.kwh_12m <> 0 then 0
        end as kwh_volatility,
        case when t.kwh_tou_gross_12m > 0 then t.kwh_peak_12m / t.kwh_tou_gross_12m end
            as tou_peak_share,
        case when t.kwh_tou_gross_12m > 0 then t.kwh_offpeak_12m / t.kwh_tou_gross_12m end
            as tou_offpeak_share,
        t.max_demand_kw,
        case
            when a.contracted_capacity_kva > 0 and t.months_billed > 0
                then (t.kwh_12m / (t.months_billed * 730.0)) / a.contracted_capacity_kva
        end as capacity_utilisation,
        cast(coalesce(t.amount_billed_12m, 0) as double) as revenue_12m,
        cast(coalesce(t.amount_billed_12m, 0) / nullif(t.months_billed, 0) as double)
            as revenue_avg_month,
        case when t.kwh_12m > 0 then t.amount_billed_12m / t.kwh_12m end as avg_price_per_kwh,
        cast(t.net_export_months as integer) as net_export_months,
        case when t.n_bills_12m > 0 then t.n_estimated_bills_12m / t.n_bills_12m end
            as estimated_bill_share,
        case when t.n_bills_due_12m > 0 then t.n_due_on_time_12m / t.n_bills_due_12m end
            as on_time_payment_ratio,
        case when t.n_settled_12m > 0 then t.days_late_settled_12m / t.n_settled_12m end
            as avg_days_late,
        cast(t.arrears_over_60d as double) as arrears_over_60d,
        cast(coalesce(t.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
        case when t.n_payments_12m > 0 then t.n_cash_payments_12m / t.n_payments_12m end
            as cash_payment_share,
        cast(coalesce(t.n_interruptions_12m, 0) as integer) as n_interruptions,
        cast(coalesce(t.interruption_minutes_12m, 0) as integer) as interruption_minutes,
        cast(coalesce(t.n_long_interruptions_12m, 0) as integer) as n_long_interruptions,
        cast(coalesce(t.n_contacts_12m, 0) as integer) as n_contacts,
        cast(coalesce(t.n_contacts_call_center_12m, 0) as integer) as n_contacts_call_center,
        cast(coalesce(t.n_contacts_ivr_12m, 0) as integer) as n_contacts_ivr,
        cast(coalesce(t.n_contacts_digital_12m, 0) as integer) as n_contacts_digital,
        cast(coalesce(t.n_contacts_walk_in_12m, 0) as integer) as n_contacts_walk_in,
        cast(coalesce(t.n_complaints_12m, 0) as integer) as n_complaints,
        cast(coalesce(t.n_billing_disputes_12m, 0) as integer) as n_billing_disputes,
        cast(coalesce(t.n_payment_arrangements_12m, 0) as integer) as n_payment_arrangements,
        cast(coalesce(t.n_disconnections_nonpayment_12m, 0) as integer)
            as n_disconnections_nonpayment,
        cast(coalesce(t.n_field_orders_12m, 0) as integer) as n_field_orders,
        case when t.n_resolved_12m > 0 then t.resolution_seconds_12m / 3600.0 / t.n_resolved_12m end
            as mean_resolution_hours,
        case when t.n_surveys_12m > 0 then t.survey_score_sum_12m / t.n_surveys_12m end
            as survey_satisfaction
    from active as a
    inner join windows as t using (customer_id, mi)
    order by a.customer_id, a.mi
) to (getvariable('output')) (format parquet);
