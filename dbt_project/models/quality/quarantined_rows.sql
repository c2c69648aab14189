-- One row per quarantined landing row: which table, file, batch and row, and the reason code.
{% set checked = {
    'customers': 'stg_cis__customers_checked',
    'bills': 'stg_billing__bills_checked',
    'payments': 'stg_billing__payments_checked',
    'outages': 'stg_oms__outages_checked',
    'outage_customers': 'stg_oms__outage_customers_checked',
    'work_orders': 'stg_crm__work_orders_checked',
    'meter_reads': 'stg_ami__meter_reads_checked',
} %}

{% for table_name, model in checked.items() %}
select
    '{{ table_name }}' as table_name,
    _source_file as source_file,
    _batch_id as batch_id,
    _row_number as row_number,
    reject_reason
from {{ ref(model) }}
where reject_reason is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
