-- One row per rejected landing file: which file, why, its rows, and whether it is resolved
-- (a file of the same name loaded later: the source re-sent it corrected).
-- The raw tables are listed so that this model runs after every ingest asset, which is what
-- writes raw.ingest_files:
-- depends_on: {{ source('landing', 'customers') }}, {{ source('landing', 'bills') }},
-- {{ source('landing', 'payments') }}, {{ source('landing', 'outages') }},
-- {{ source('landing', 'outage_customers') }}, {{ source('landing', 'work_orders') }},
-- {{ source('landing', 'meter_reads') }}, {{ source('landing', 'campaigns') }}
with ingest_files as (
    select * from {{ source('landing', 'ingest_files') }}
),

rejected as (
    select * from ingest_files
    where status = 'rejected'
),

resolutions as (
    select
        rejected.batch_seq,
        bool_or(loaded.batch_seq is not null) as is_resolved
    from rejected
    left join ingest_files as loaded
        on rejected.table_name = loaded.table_name
        and rejected.file_name = loaded.file_name
        and loaded.status = 'loaded'
        and rejected.batch_seq < loaded.batch_seq
    group by rejected.batch_seq
),

final as (
    select
        rejected.table_name,
        rejected.file_name,
        rejected.file_path,
        rejected.batch_id,
        rejected.reason,
        rejected.rows_in_file,
        rejected.processed_at as rejected_at,
        resolutions.is_resolved
    from rejected
    inner join resolutions using (batch_seq)
)

select * from final
