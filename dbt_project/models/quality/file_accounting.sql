-- One row per landing table: every file received is loaded, rejected or a duplicate of a
-- loaded file, and the rows the files hold are the rows raw holds plus the rows of the files
-- that did not load. A file whose row count is unknown (a truncated Parquet without its
-- footer) is counted in files_rows_unknown and left out of the row equation.
-- depends_on: {{ source('landing', 'customers') }}, {{ source('landing', 'bills') }},
-- {{ source('landing', 'payments') }}, {{ source('landing', 'outages') }},
-- {{ source('landing', 'outage_customers') }}, {{ source('landing', 'work_orders') }},
-- {{ source('landing', 'meter_reads') }}, {{ source('landing', 'campaigns') }}
{% set tables = checked_models() %}

with files as (
    select * from {{ source('landing', 'ingest_files') }}
),

per_table as (
    select
        table_name,
        count(*) as files_received,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'rejected') as files_rejected,
        count(*) filter (where status = 'duplicate') as files_duplicate,
        count(*) filter (where rows_in_file is null) as files_rows_unknown,
        -- 128-bit sums on either engine (DuckDB's sum of BIGINT is HUGEINT already)
        cast(coalesce(sum(rows_in_file), 0) as {{ type_hugeint() }}) as rows_in_files,
        cast(
            coalesce(sum(rows) filter (where status = 'loaded'), 0) as {{ type_hugeint() }}
        ) as rows_loaded,
        cast(
            coalesce(sum(rows_in_file) filter (where status = 'rejected'), 0)
            as {{ type_hugeint() }}
        ) as rows_in_rejected_files,
        cast(
            coalesce(sum(rows_in_file) filter (where status = 'duplicate'), 0)
            as {{ type_hugeint() }}
        ) as rows_in_duplicate_files
    from files
    group by table_name
),

in_raw as (
    {% for table_name in tables %}
    select
        '{{ table_name }}' as table_name,
        count(*) as rows_in_raw
    from {{ source('landing', table_name) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    per_table.*,
    coalesce(in_raw.rows_in_raw, 0) as rows_in_raw,
    (
        per_table.files_received
        = per_table.files_loaded + per_table.files_rejected + per_table.files_duplicate
        and per_table.rows_in_files = per_table.rows_loaded + per_table.rows_in_rejected_files
        + per_table.rows_in_duplicate_files
        and per_table.rows_loaded = coalesce(in_raw.rows_in_raw, 0)
    ) as is_balanced
from per_table
left join in_raw using (table_name)
