{# Trailing-window aggregates of int_customer_months for one as_of_month: one row per customer
   with any activity in the 15 months up to the month (12-month window plus the year-ago quarter
   for growth). Sums run over exact decimals and integers, so results never depend on the order
   DuckDB adds rows in; the kWh variance is computed exactly from sums of squares. #}
{% macro trailing_window_facts(month, window_months) -%}
{%- set idx = month_index_of_key("'" ~ month ~ "'") -%}
{%- set in12 = "month_idx > " ~ idx ~ " - " ~ window_months -%}
select
    customer_id,
    '{{ month }}' as as_of_month,
    {% for column in ['kwh', 'kwh_peak', 'kwh_offpeak', 'kwh_tou_total', 'kwh_tou_gross', 'amount_billed',
        'n_bills', 'n_estimated_bills', 'n_bills_due', 'n_due_on_time', 'n_settled', 'days_late_settled',
        'n_payments', 'n_bounced_payments', 'n_cash_payments', 'n_interruptions', 'interruption_minutes',
        'n_long_interruptions', 'n_contacts', 'n_contacts_call_center', 'n_contacts_ivr',
        'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes',
        'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved',
        'resolution_seconds', 'n_surveys', 'survey_score_sum', 'ami_kwh', 'n_reads', 'ami_kw_sum',
        'ami_peak_kwh', 'ami_night_kwh', 'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays',
        'ami_weekend_kwh', 'ami_weekend_days'] %}
    sum({{ column }}) filter (where {{ in12 }}) as {{ column }}_12m,
    {% endfor %}
    count(kwh) filter (where {{ in12 }}) as months_billed,
    sum(kwh * kwh) filter (where {{ in12 }}) as kwh_squares_12m,
    sum(abs(kwh)) filter (where {{ in12 }}) as kwh_abs_12m,
    max(kwh) filter (where {{ in12 }}) as kwh_max,
    sum(kwh) filter (where {{ in12 }} and month_idx % 12 in (11, 0, 1)) as kwh_winter,
    sum(kwh) filter (where {{ in12 }} and month_idx % 12 in (5, 6, 7)) as kwh_summer,
    count(*) filter (where {{ in12 }} and kwh < 0) as net_export_months,
    max(max_demand_kw) filter (where {{ in12 }}) as max_demand_kw,
    max(ami_max_kw) filter (where {{ in12 }}) as ami_max_kw,
    sum(kwh) filter (where month_idx > {{ idx }} - 3) as kwh_last_3m,
    sum(kwh) filter (where month_idx between {{ idx }} - 14 and {{ idx }} - 12) as kwh_last_3m_year_ago,
    sum(arrears_over_60d) filter (where month_idx = {{ idx }}) as arrears_over_60d
from {{ ref('int_customer_months') }}
where month_idx between {{ idx }} - 14 and {{ idx }}
group by customer_id
{%- endmacro %}
