{# The per-customer monthly facts (int_customer_months_*) and the trailing sums carry a hash of
   customer_id and are written in its order. int_customer_trailing_12m reads the facts one hash
   range (bucket) at a time, and DuckDB's min/max zone maps then skip the row groups of every
   other bucket: at 1M customers, reading a bucket no longer scans the whole table. #}

{% macro customer_hash_column() -%}
    {{ hash_of('customer_id') }} as customer_hash
{%- endmacro %}
