-- One row per landing table x batch: rows received = accepted + quarantined + exact duplicates.
{% set tables = checked_models() %}

with received as (
    {% for table_name in tables %}
    select
        '{{ table_name }}' as table_name,
        _batch_id as batch_id,
        any_value(_source_file) as source_file,
        count(*) as rows_received
    from {{ source('landing', table_name) }}
    group by _batch_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

outcomes as (
    {% for table_name, model in tables.items() %}
    select
        '{{ table_name }}' as table_name,
        _batch_id as batch_id,
        count(*) filter (where reject_reason is null and not is_exact_duplicate) as rows_accepted,
        count(*) filter (where reject_reason is not null) as rows_quarantined,
        count(*) filter (where reject_reason is null and is_exact_duplicate) as rows_exact_duplicate
    from {{ ref(model) }}
    group by _batch_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    received.table_name,
    received.batch_id,
    received.source_file,
    received.rows_received,
    coalesce(outcomes.rows_accepted, 0) as rows_accepted,
    coalesce(outcomes.rows_quarantined, 0) as rows_quarantined,
    coalesce(outcomes.rows_exact_duplicate, 0) as rows_exact_duplicate,
    (
        received.rows_received
        = coalesce(outcomes.rows_accepted, 0) + coalesce(outcomes.rows_quarantined, 0)
        + coalesce(outcomes.rows_exact_duplicate, 0)
    ) as is_balanced
from received
left join outcomes using (table_name, batch_id)
