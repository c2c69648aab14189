{# `bucketed_incremental`: an incremental model built one customer bucket at a time, straight
   into its table.

   The model's SQL covers every customer; it marks its customer filter with
   `in_current_bucket(expr)`, which compiles to the whole unsigned 64-bit hash range. The
   materialization runs that SQL once per bucket, with the bucket's bounds in place of the whole
   range, and inserts each bucket's rows into the model's table. One transaction replaces the
   run's partition window (`in_partition_window(unique_key)`): the window's old rows are deleted,
   then every bucket is inserted.

   Why not dbt's incremental with pre-hooks: the buckets then go into a work table that dbt
   copies into the model (twice on an incremental run, through a temporary table). At 1M
   customers x 36 months, one copy of customer_features is 34.9 M rows and about 50 s.

   Config: unique_key (the partition column, 'YYYY-MM'), bucket_count_macro (the name of a macro
   returning this run's number of buckets), on_schema_change ('fail' is the only policy) and
   an enforced contract, honoured as dbt's table materialization does. #}

{# The whole hash range, as compiled; each marker is replaced by one bucket's bound. #}
{% macro bucket_bound_markers() -%}
    {{- return(['0::ubigint /* bucket lower bound */',
        '18446744073709551615::ubigint /* bucket upper bound */']) -}}
{%- endmacro %}

{# In a bucketed_incremental model: `expr` (an unsigned 64-bit customer hash) lies in the bucket
   being built. Compiled, it is true for every customer. #}
{% macro in_current_bucket(expr) -%}
    {%- set markers = bucket_bound_markers() -%}
    {{ expr }} between {{ markers[0] }} and {{ markers[1] }}
{%- endmacro %}

{# The model's SQL restricted to bucket `bucket` of `n_buckets`. #}
{% macro bucket_sql(sql, bucket, n_buckets) -%}
    {%- set lower_marker, upper_marker = bucket_bound_markers() -%}
    {%- if lower_marker not in sql or upper_marker not in sql -%}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ " is materialized as bucketed_incremental but its SQL has no "
            ~ "in_current_bucket(...) filter: every bucket would insert every row.") }}
    {%- endif -%}
    {%- set bounds = customer_hash_bounds(bucket, n_buckets) -%}
    {{- sql | replace(lower_marker, bounds[0] ~ '::ubigint') | replace(upper_marker, bounds[1] ~ '::ubigint') -}}
{%- endmacro %}

{% materialization bucketed_incremental, adapter='duckdb', supported_languages=['sql'] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set unique_key = config.require('unique_key') -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='fail') -%}
    {%- if on_schema_change != 'fail' -%}
        {{ exceptions.raise_compiler_error(
            "bucketed_incremental supports on_schema_change='fail' only (model " ~ model.name ~ ")") }}
    {%- endif -%}
    {%- set n_buckets = context[config.require('bucket_count_macro')]() | int -%}
    {%- set contract_enforced = config.get('contract').enforced -%}
    {%- set full_refresh = should_full_refresh() or existing_relation is none or existing_relation.is_view -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- an enforced contract is checked by create_table_as, on both paths below -#}
    {%- if full_refresh %}
        {%- if existing_relation is not none %}
            {#- inside the run's transaction (a statement begins it; adapter.drop_relation would
                not), so a bucket that fails later leaves the old table in place -#}
            {%- do adapter.cache_dropped(existing_relation) -%}
            {%- call statement('drop_existing') -%}
                drop {{ existing_relation.type }} if exists {{ existing_relation }} cascade
            {%- endcall -%}
        {%- endif %}
        {#- the table, empty: from the contract's columns and constraints when enforced -#}
        {%- call statement('create_empty') -%}
            {{ create_table_as(False, target_relation, 'select * from (\n' ~ sql ~ '\n) where false') }}
        {%- endcall -%}
    {%- else %}
        {#- the model's columns must still be the table's: compare an empty result with it -#}
        {%- set empty_relation = make_temp_relation(target_relation) -%}
        {%- do run_query(create_table_as(True, empty_relation, 'select * from (\n' ~ sql ~ '\n) where false')) -%}
        {%- do process_schema_changes(on_schema_change, empty_relation, existing_relation) -%}
        {%- do adapter.drop_relation(empty_relation) -%}
        {#- `dbt run --empty` reads no rows: it must not empty the window either -#}
        {%- if not invocation_args_dict.get('empty', false) %}
        {%- call statement('delete_window') -%}
            delete from {{ target_relation }} where {{ in_partition_window(unique_key) }}
        {%- endcall -%}
        {%- endif %}
    {%- endif %}

    {%- for bucket in range(n_buckets) %}
        {%- call statement('main' if loop.last else 'bucket') -%}
            insert into {{ target_relation }} {{ get_column_names() if contract_enforced else 'by name' }}
            {% if contract_enforced -%}
            ({{ get_select_subquery(bucket_sql(sql, bucket, n_buckets)) }})
            {%- else -%}
            (
            {{ bucket_sql(sql, bucket, n_buckets) }}
            )
            {%- endif %}
        {%- endcall -%}
    {%- endfor %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    -- `COMMIT` happens here
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
