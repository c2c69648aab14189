{# The per-customer monthly facts (int_customer_months_*) carry a hash of customer_id and are
   written in its order. customer_features reads them one hash range (bucket) at a time, and
   DuckDB's min/max zone maps then skip the row groups of every other bucket: at 1M customers,
   reading a bucket no longer scans the whole table (32 full scans of 36 M billing rows). #}

{% macro customer_hash_column() -%}
    hash(customer_id) as customer_hash
{%- endmacro %}

{# The hashes of bucket `bucket` of `n_buckets`: equal ranges of the unsigned 64-bit space. #}
{% macro customer_hash_bounds(bucket, n_buckets) -%}
    {%- set space = 18446744073709551616 -%}
    {{- return([bucket * space // n_buckets, (bucket + 1) * space // n_buckets - 1]) -}}
{%- endmacro %}

{# `expr` (an unsigned hash) lies in bucket `bucket` of `n_buckets`. Typed bounds, so the
   comparison stays on the stored column and can use its zone maps. #}
{% macro in_customer_bucket(expr, bucket, n_buckets) -%}
    {%- set bounds = customer_hash_bounds(bucket, n_buckets) -%}
    {{ expr }} between {{ bounds[0] }}::ubigint and {{ bounds[1] }}::ubigint
{%- endmacro %}
