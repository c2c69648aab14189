-- One row per quarantined landing row: which table, file, batch and row, and the reason code.
{% set checked = checked_models() %}

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
