"""The SQL of the effect-monitoring assets, over the warehouse. Values reach DuckDB as
parameters; the month arithmetic is DuckDB's on first-of-month dates (as the dbt macros do)."""

# One row per segment x as_of_month of the partition window (the two parameters), plus one
# 'all customers' row per month (segment_id null): the KPIs a programme owner follows, from
# the month's scores and the trailing-12-month features of the same month. Customers without a
# segment count in the all-customers row only.
SEGMENT_KPIS = """
    with scored as (
        select h.as_of_month, h.segment_id, h.segment_name, h.value_score,
            h.satisfaction_score, f.on_time_payment_ratio, f.arrears_over_60d,
            f.n_contacts_call_center, f.n_contacts_ivr, f.n_contacts_digital,
            f.n_contacts_walk_in, f.n_complaints, f.kwh_avg_month, f.survey_satisfaction
        from ml.customer_segments_history as h
        inner join marts.customer_features as f using (customer_id, as_of_month)
        where h.as_of_month between ? and ?
    ),

    kpis as (
        select
            as_of_month,
            case when grouping(segment_id) = 0 then segment_id end as segment_id,
            case when grouping(segment_id) = 0 then any_value(segment_name)
                else 'all customers' end as segment_name,
            grouping(segment_id) = 1 as is_all_customers,
            count(*) as n_customers,
            -- sums of DECIMALs are exact, so the same input gives the same figures whatever order
            -- the threads add the rows in (sums of doubles differ in the last bits)
            avg(on_time_payment_ratio::decimal(38, 12))::double as on_time_payment_ratio,
            avg(case when arrears_over_60d > 0 then 1 else 0 end)::double
                as share_in_arrears_over_60d,
            avg(arrears_over_60d::decimal(38, 6))::double as arrears_over_60d_mean,
            sum(arrears_over_60d::decimal(38, 6))::double as arrears_over_60d_total,
            100.0 * avg(n_contacts_call_center) as call_center_contacts_per_100,
            100.0 * avg(n_contacts_ivr) as ivr_contacts_per_100,
            100.0 * avg(n_contacts_digital) as digital_contacts_per_100,
            100.0 * avg(n_contacts_walk_in) as walk_in_contacts_per_100,
            100.0 * avg(n_complaints) as complaints_per_100,
            median(kwh_avg_month) as median_kwh_month,
            avg(value_score::decimal(38, 12))::double as value_score_mean,
            avg(satisfaction_score::decimal(38, 12))::double as satisfaction_score_mean,
            avg(survey_satisfaction::decimal(38, 12))::double as survey_satisfaction_mean
        from scored
        group by grouping sets ((as_of_month, segment_id), (as_of_month))
    )

    select * exclude (is_all_customers) from kpis
    where is_all_customers or segment_id is not null
"""

# One row per campaign x customer: its group, the campaign's start month (the month of its
# earliest assigned_on) and the segment of the customer in the month before the start.
CAMPAIGN_MEMBERS = """
    with members as (
        select campaign_id, customer_id, strategy, campaign_group,
            min(assigned_month) over (partition by campaign_id) as start_month
        from staging.stg_crm__campaigns
    )

    select m.campaign_id, m.customer_id, m.strategy, m.campaign_group, m.start_month,
        h.segment_id, h.segment_name
    from members as m
    left join ml.customer_segments_history as h
        on h.customer_id = m.customer_id
        and h.as_of_month
            = strftime(cast(m.start_month || '-01' as date) - interval 1 month, '%Y-%m')
"""

# One row per campaign member x scored month from `pre` months before the campaign's start
# to `post` months after it (the two parameters): the month's own facts behind the KPIs.
CAMPAIGN_FACTS = """
    with members as (
        select campaign_id, customer_id,
            min(assigned_month) over (partition by campaign_id) as start_month
        from staging.stg_crm__campaigns
    ),

    months as (
        select m.campaign_id, h.customer_id, h.as_of_month,
            cast(date_diff(
                'month', cast(m.start_month || '-01' as date), cast(h.as_of_month || '-01' as date)
            ) as integer) as relative_month
        from members as m
        inner join ml.customer_segments_history as h using (customer_id)
    )

    select
        months.*,
        p.n_bills_due, p.n_due_on_time, cast(p.arrears_over_60d as double) as arrears_over_60d,
        w.n_contacts_call_center, w.n_contacts_digital, cast(b.kwh as double) as kwh
    from months
    left join intermediate.int_customer_months_payments as p
        on p.customer_id = months.customer_id and p.month = months.as_of_month
    left join intermediate.int_customer_months_work_orders as w
        on w.customer_id = months.customer_id and w.month = months.as_of_month
    left join intermediate.int_customer_months_billing as b
        on b.customer_id = months.customer_id and b.billing_month = months.as_of_month
    where months.relative_month between -? and ?
"""
