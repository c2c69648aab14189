{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='month') }}
-- One row per customer x month with any activity: every monthly fact side by side (billing,
-- payments, outages, work orders, meter reads). Sparse: a month without activity has no row.
{% set sources = {
    'int_customer_months_billing': ['kwh', 'kwh_peak', 'kwh_offpeak', 'kwh_tou_total', 'kwh_tou_gross',
        'max_demand_kw', 'amount_billed', 'n_bills', 'n_estimated_bills'],
    'int_customer_months_payments': ['n_bills_due', 'n_due_on_time', 'n_settled', 'days_late_settled',
        'n_payments', 'n_bounced_payments', 'n_cash_payments', 'arrears_over_60d'],
    'int_customer_months_outages': ['n_interruptions', 'interruption_minutes', 'n_long_interruptions'],
    'int_customer_months_work_orders': ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr',
        'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes',
        'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved',
        'resolution_seconds', 'n_surveys', 'survey_score_sum'],
    'int_customer_months_meter': ['ami_kwh', 'n_reads', 'ami_max_kw', 'ami_kw_sum', 'ami_peak_kwh',
        'ami_night_kwh', 'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays', 'ami_weekend_kwh',
        'ami_weekend_days'],
} %}
{% set all_columns = [] %}
{% for columns in sources.values() %}{% do all_columns.extend(columns) %}{% endfor %}

with stacked as (
    {% for model, columns in sources.items() %}
    select
        customer_id,
        {{ 'billing_month' if model == 'int_customer_months_billing' else 'month' }} as month,
        {% for column in all_columns %}
        {{ column if column in columns else 'null' }} as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref(model) }}
    where {{ in_partition_window('billing_month' if model == 'int_customer_months_billing' else 'month') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    customer_id,
    month,
    {{ month_index_of_key('month') }} as month_idx,
    {% for column in all_columns %}
    max({{ column }}) as {{ column }}{{ ',' if not loop.last }}
    {% endfor %}
from stacked
group by customer_id, month
