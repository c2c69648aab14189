{# Landing table -> its staging model with one row per received row and a reject_reason. #}
{% macro checked_models() -%}
    {{ return({
        'customers': 'stg_cis__customers_checked',
        'bills': 'stg_billing__bills_checked',
        'payments': 'stg_billing__payments_checked',
        'outages': 'stg_oms__outages_checked',
        'outage_customers': 'stg_oms__outage_customers_checked',
        'work_orders': 'stg_crm__work_orders_checked',
        'meter_reads': 'stg_ami__meter_reads_checked',
        'campaigns': 'stg_crm__campaigns_checked',
    }) }}
{%- endmacro %}
