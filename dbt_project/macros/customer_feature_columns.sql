{# The customer_features columns, from one month's `active` row and its per-source trailing
   aggregates (aliases b, g, p, o, wo, m). Ratios are computed once, from exact sums. #}
{% macro customer_feature_columns() -%}
    active.customer_id,
    active.as_of_month,
    active.customer_class, active.region, active.tariff_code, active.voltage_level,
    active.payment_method, active.has_solar, active.budget_billing, active.paperless,
    cast(date_diff('month', active.connected_on, active.month_end) as integer) as tenure_months,
    active.contracted_capacity_kva,
    cast(b.kwh_12m as double) as kwh_12m,
    cast(b.kwh_12m / nullif(b.months_billed, 0) as double) as kwh_avg_month,
    case when g.kwh_last_3m_year_ago > 0 then g.kwh_last_3m / g.kwh_last_3m_year_ago - 1 end as kwh_growth,
    case when b.kwh_12m > 0 then b.kwh_max / (b.kwh_12m / b.months_billed) end as kwh_seasonality,
    case when b.kwh_abs_12m > 0 then coalesce(b.kwh_winter, 0) / b.kwh_abs_12m end as kwh_winter_share,
    case when b.kwh_abs_12m > 0 then coalesce(b.kwh_summer, 0) / b.kwh_abs_12m end as kwh_summer_share,
    case when b.kwh_12m <> 0 and b.months_billed > 1
        then sqrt(cast(greatest(b.months_billed * b.kwh_squares_12m - b.kwh_12m * b.kwh_12m, 0) as double)
            / (b.months_billed * (b.months_billed - 1))) / abs(b.kwh_12m / b.months_billed)
        when b.kwh_12m <> 0 then 0 end as kwh_volatility,
    coalesce(
        case when b.kwh_tou_gross_12m > 0 then b.kwh_peak_12m / b.kwh_tou_gross_12m end,
        case when m.ami_kwh_12m > 0 then m.ami_peak_kwh_12m / m.ami_kwh_12m end
    ) as tou_peak_share,
    coalesce(
        case when b.kwh_tou_gross_12m > 0 then b.kwh_offpeak_12m / b.kwh_tou_gross_12m end,
        case when m.ami_kwh_12m > 0 then m.ami_offpeak_kwh_12m / m.ami_kwh_12m end
    ) as tou_offpeak_share,
    cast(coalesce(b.max_demand_kw, m.ami_max_kw) as double) as max_demand_kw,
    case when active.contracted_capacity_kva > 0 and b.months_billed > 0
        then (b.kwh_12m / (b.months_billed * 730.0)) / active.contracted_capacity_kva end as capacity_utilisation,
    cast(coalesce(b.amount_billed_12m, 0) as double) as revenue_12m,
    case when b.kwh_12m > 0 then b.amount_billed_12m / b.kwh_12m end as avg_price_per_kwh,
    cast(coalesce(b.net_export_months, 0) as integer) as net_export_months,
    case when b.n_bills_12m > 0 then b.n_estimated_bills_12m / b.n_bills_12m end as estimated_bill_share,
    case when p.n_bills_due_12m > 0 then p.n_due_on_time_12m / p.n_bills_due_12m end as on_time_payment_ratio,
    case when p.n_settled_12m > 0 then p.days_late_settled_12m / p.n_settled_12m end as avg_days_late,
    cast(coalesce(p.arrears_over_60d, 0) as double) as arrears_over_60d,
    cast(coalesce(p.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
    case when p.n_payments_12m > 0 then p.n_cash_payments_12m / p.n_payments_12m end as cash_payment_share,
    {% for column in ['n_interruptions', 'interruption_minutes', 'n_long_interruptions'] %}
    cast(coalesce(o.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    {% for column in ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital',
        'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes', 'n_payment_arrangements',
        'n_disconnections_nonpayment', 'n_field_orders'] %}
    cast(coalesce(wo.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    case when wo.n_resolved_12m > 0 then wo.resolution_seconds_12m / 3600.0 / wo.n_resolved_12m end as mean_resolution_hours,
    case when wo.n_surveys_12m > 0 then wo.survey_score_sum_12m / wo.n_surveys_12m end as survey_satisfaction,
    case when m.ami_max_kw > 0 and m.n_reads_12m > 0 then (m.ami_kw_sum_12m / m.n_reads_12m) / m.ami_max_kw end as load_factor,
    case when m.ami_kwh_12m > 0 then m.ami_peak_kwh_12m / m.ami_kwh_12m end as peak_hour_share,
    case when m.ami_kwh_12m > 0 then m.ami_night_kwh_12m / m.ami_kwh_12m end as night_share,
    case when m.ami_weekend_kwh_12m > 0 and m.ami_weekdays_12m > 0
        then (m.ami_weekday_kwh_12m / m.ami_weekdays_12m) / (m.ami_weekend_kwh_12m / m.ami_weekend_days_12m)
    end as weekday_weekend_ratio
{%- endmacro %}
