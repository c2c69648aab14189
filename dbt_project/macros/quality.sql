{# A value that was supplied but did not parse into its contract type: ingestion stored null and
   kept the text in the row's `_unparsed` JSON object. #}
{% macro is_unparsed(column) -%}
    (_unparsed is not null and json_extract_string(_unparsed, '$.{{ column }}') is not null)
{%- endmacro %}

{# An exact duplicate: every business column equal to an earlier row (earliest batch, then row,
   wins). Partitioning by the key column and a 64-bit hash of all columns is ~3x cheaper than by
   every column; a false match needs two rows with the same key and colliding hashes (~1e-19). #}
{% macro is_exact_duplicate(columns) -%}
    (row_number() over (
        partition by {{ columns[0] }}, hash({{ columns | join(', ') }}) order by _batch_seq, _row_number
    ) > 1)
{%- endmacro %}

{# Timestamps later than the row's load (plus a day of clock skew) could not be real when the
   extract was made. Judged against the load time, not the clock, so a rebuild judges alike. #}
{% macro is_future(ts_expr) -%}
    ({{ ts_expr }} > _loaded_at + interval 1 day)
{%- endmacro %}
