{# Passes when no two rows share the same values of `columns` (a compound key); fails with each
   repeated key and its number of rows.

   First the keys' 64-bit hashes are grouped: cheaper than grouping the keys themselves (35 M
   customer-months: 3.3-3.8 s against 4.5-5.4 s alone, 4.0-4.3 s against 4.4-4.6 s in a backfill). Distinct hashes mean distinct keys; only the rows
   whose hash repeats (a repeated key, or rarely two keys of one hash) are grouped by their key
   to tell which. #}
{% test unique_combination(model, columns) %}
{%- set key = columns | join(', ') %}
with repeated_hashes as (
    select {{ hash_of(key) }} as key_hash
    from {{ model }}
    group by 1
    having count(*) > 1
)

select {{ key }}, count(*) as n_rows
from {{ model }}
where {{ hash_of(key) }} in (select key_hash from repeated_hashes)
group by {{ key }}
having count(*) > 1
{% endtest %}
