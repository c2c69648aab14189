{# A value that was supplied but did not parse into its contract type: ingestion stored null and
   kept the text in the row's `_unparsed` JSON object. #}
{% macro is_unparsed(column) -%}
    (_unparsed is not null and {{ json_member_text('_unparsed', column) }} is not null)
{%- endmacro %}

{# An exact duplicate: every business column equal to an earlier row (earliest batch, then row,
   wins). Partitioning by the key column and a 64-bit hash of all columns is ~3x cheaper than by
   every column; a false match needs two rows with the same key and colliding hashes (~1e-19). #}
{% macro is_exact_duplicate(columns) -%}
    (row_number() over (
        partition by {{ columns[0] }}, {{ hash_of(columns | join(', ')) }} order by _batch_seq, _row_number
    ) > 1)
{%- endmacro %}

{# Timestamps later than the row's load (plus a day of clock skew) could not be real when the
   extract was made. Judged against the load time, not the clock, so a rebuild judges alike. #}
{% macro is_future(ts_expr) -%}
    ({{ ts_expr }} > _loaded_at + interval 1 day)
{%- endmacro %}

{# The `typed` rows (SQL text, one row per received row of `raw`) with three flags:
   key_repeated (the key arrived more than once: revisions, re-sends, duplicates),
   is_exact_duplicate (see is_exact_duplicate) and is_key_conflict (same `conflict_columns`,
   different values). Only rows of repeated keys, a few per cent, go through the window and the
   conflict group-by: a key received once can be neither, and at 35 M rows the window over every
   row was most of the staging time. `raw_key` is the key's expression over `raw`. #}
{% macro flag_repeated_keys(typed, raw, raw_key, key, columns, conflict_columns) -%}
    with repeated_keys as (
        select coalesce({{ raw_key }}, '') as repeated_key
        from {{ raw }}
        group by 1
        having count(*) > 1
    ),

    repeated as (
        select typed.*, true as key_repeated, {{ is_exact_duplicate(columns) }} as is_exact_duplicate
        from ({{ typed }}) as typed
        where exists (
            select 1 from repeated_keys
            where repeated_keys.repeated_key = coalesce(typed.{{ key }}, '')
        )
    ),

    conflicts as (
        select {{ conflict_columns | join(', ') }}
        from repeated
        where not is_exact_duplicate
        group by all
        having count(*) > 1
    )

    select typed.*, false as key_repeated, false as is_exact_duplicate, false as is_key_conflict
    from ({{ typed }}) as typed
    where not exists (
        select 1 from repeated_keys
        where repeated_keys.repeated_key = coalesce(typed.{{ key }}, '')
    )
    union all
    select
        repeated.*,
        conflicts.{{ conflict_columns[0] }} is not null and not repeated.is_exact_duplicate as is_key_conflict
    from repeated
    left join conflicts on
        {%- for column in conflict_columns %}
        conflicts.{{ column }} is not distinct from repeated.{{ column }}{{ ' and' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{# The latest version of every valid key of a checked model: rows whose key arrived once are their
   own latest version; only repeated keys are ranked by `order_by` (null key_repeated: ranked). #}
{% macro latest_versions(checked, key, order_by) -%}
    select *
    from {{ checked }}
    where reject_reason is null and not is_exact_duplicate and key_repeated is false
    union all
    select * {{ star_except() }} (recency)
    from (
        select *, row_number() over (partition by {{ key }} order by {{ order_by }}) as recency
        from {{ checked }}
        where reject_reason is null and not is_exact_duplicate and key_repeated is not false
    )
    where recency = 1
{%- endmacro %}
