{{ config(materialized='view', tags=['monthly']) }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at month end. No PII. A view: int_customer_trailing_12m holds the
-- active customer x months, their attributes and the exact trailing sums of the account facts,
-- int_customer_trailing_12m_meter those of the smart-meter reads; the ratios are computed here
-- when read. Every ratio divides DOUBLEs, as DuckDB's `/` does implicitly: Spark would divide
-- decimals as decimals (another type, other roundings).
select
    t.customer_id,
    t.as_of_month,
    t.customer_class,
    t.region,
    t.tariff_code,
    t.voltage_level,
    t.payment_method,
    t.has_solar,
    t.budget_billing,
    t.paperless,
    cast(
        {{ date_diff('month', 't.connected_on', month_end_of_key('t.as_of_month')) }} as integer
    ) as tenure_months,
    t.contracted_capacity_kva,
    t.months_billed,
    t.months_since_last_bill,
    cast(t.kwh_12m as double) as kwh_12m,
    cast(cast(t.kwh_12m as double) / nullif(t.months_billed, 0) as double) as kwh_avg_month,
    case
        when t.kwh_last_3m_year_ago > 0
            then cast(t.kwh_last_3m as double) / t.kwh_last_3m_year_ago - 1
    end as kwh_growth,
    case
        when t.kwh_12m > 0
            then cast(t.kwh_max as double) / (cast(t.kwh_12m as double) / t.months_billed)
    end as kwh_seasonality,
    {% for season in ['winter', 'summer'] %}
    case
        when t.kwh_abs_12m > 0 then cast(coalesce(t.kwh_{{ season }}, 0) as double) / t.kwh_abs_12m
    end as kwh_{{ season }}_share,
    {% endfor %}
    -- the mean kWh of the window's billed winter (summer) months over the mean of all its billed
    -- months: 1 without a seasonal peak, whatever the length of the history (a share of 6
    -- months holding 2 winter months reads as a winter peak); null without a billed season month
    {% for season in ['winter', 'summer'] %}
    case
        when t.kwh_abs_12m > 0 and t.{{ season }}_months_billed > 0
            then
                (cast(coalesce(t.kwh_{{ season }}, 0) as double) / t.{{ season }}_months_billed)
                / (cast(t.kwh_abs_12m as double) / t.months_billed)
    end as kwh_{{ season }}_ratio,
    {% endfor %}
    case
        when t.kwh_12m <> 0 and t.months_billed > 1
            -- (38, 3): the square of an 18-digit sum does not fit 18 digits
            then sqrt(
                cast(greatest(
                    t.months_billed * t.kwh_squares_12m
                    - cast(t.kwh_12m as decimal(38, 3)) * cast(t.kwh_12m as decimal(38, 3)),
                    0
                ) as double)
                / (t.months_billed * (t.months_billed - 1))
            ) / abs(cast(t.kwh_12m as double) / t.months_billed)
        when t.kwh_12m <> 0 then 0
    end as kwh_volatility,
    coalesce(
        case
            when t.kwh_tou_gross_12m > 0 then cast(t.kwh_peak_12m as double) / t.kwh_tou_gross_12m
        end,
        case when m.ami_kwh_12m > 0 then cast(m.ami_peak_kwh_12m as double) / m.ami_kwh_12m end
    ) as tou_peak_share,
    coalesce(
        case
            when t.kwh_tou_gross_12m > 0
                then cast(t.kwh_offpeak_12m as double) / t.kwh_tou_gross_12m
        end,
        case when m.ami_kwh_12m > 0 then cast(m.ami_offpeak_kwh_12m as double) / m.ami_kwh_12m end
    ) as tou_offpeak_share,
    cast(coalesce(t.max_demand_kw, m.ami_max_kw) as double) as max_demand_kw,
    case
        when t.contracted_capacity_kva > 0 and t.months_billed > 0
            then (cast(t.kwh_12m as double) / (t.months_billed * 730.0)) / t.contracted_capacity_kva
    end as capacity_utilisation,
    cast(coalesce(t.amount_billed_12m, 0) as double) as revenue_12m,
    -- per billed month, like kwh_avg_month: unlike the 12-month sum, it does not grow with the
    -- length of a customer's history (the segmentation clusters on it, issue 22)
    cast(
        cast(coalesce(t.amount_billed_12m, 0) as double) / nullif(t.months_billed, 0) as double
    ) as revenue_avg_month,
    case
        when t.kwh_12m > 0 then cast(t.amount_billed_12m as double) / t.kwh_12m
    end as avg_price_per_kwh,
    cast(coalesce(t.net_export_months, 0) as integer) as net_export_months,
    case
        when t.n_bills_12m > 0 then t.n_estimated_bills_12m / t.n_bills_12m
    end as estimated_bill_share,
    case
        when t.n_bills_due_12m > 0 then t.n_due_on_time_12m / t.n_bills_due_12m
    end as on_time_payment_ratio,
    case
        when t.n_settled_12m > 0 then t.days_late_settled_12m / t.n_settled_12m
    end as avg_days_late,
    cast(coalesce(t.arrears_over_60d, 0) as double) as arrears_over_60d,
    cast(coalesce(t.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
    case
        when t.n_payments_12m > 0 then t.n_cash_payments_12m / t.n_payments_12m
    end as cash_payment_share,
    {% for column in ['n_interruptions', 'interruption_minutes', 'n_long_interruptions'] %}
    cast(coalesce(t.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    {% for column in ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr',
        'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes',
        'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders'] %}
    cast(coalesce(t.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    case
        when t.n_resolved_12m > 0
            then cast(t.resolution_seconds_12m as double) / 3600.0 / t.n_resolved_12m
    end as mean_resolution_hours,
    case
        when t.n_surveys_12m > 0 then t.survey_score_sum_12m / t.n_surveys_12m
    end as survey_satisfaction,
    case
        when m.ami_max_kw > 0 and m.n_reads_12m > 0
            then (cast(m.ami_kw_sum_12m as double) / m.n_reads_12m) / m.ami_max_kw
    end as load_factor,
    case
        when m.ami_kwh_12m > 0 then cast(m.ami_peak_kwh_12m as double) / m.ami_kwh_12m
    end as peak_hour_share,
    case
        when m.ami_kwh_12m > 0 then cast(m.ami_night_kwh_12m as double) / m.ami_kwh_12m
    end as night_share,
    case
        when m.ami_weekend_kwh_12m > 0 and m.ami_weekdays_12m > 0
            then
                (cast(m.ami_weekday_kwh_12m as double) / m.ami_weekdays_12m)
                / (cast(m.ami_weekend_kwh_12m as double) / m.ami_weekend_days_12m)
    end as weekday_weekend_ratio
from {{ ref('int_customer_trailing_12m') }} as t
-- the smart-meter sums: rows only where a window holds meter reads
left join {{ ref('int_customer_trailing_12m_meter') }} as m
    on t.customer_id = m.customer_id and t.as_of_month = m.as_of_month
