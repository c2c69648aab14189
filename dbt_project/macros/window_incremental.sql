{# `window_incremental`: an incremental model that replaces the run's partition window straight
   in its table.

   One transaction replaces the window (`in_partition_window(unique_key)`): its old rows are
   deleted, then the model's rows are inserted. dbt's incremental materialization first writes
   the rows to a temporary table, then deletes the months found there and copies them in: every
   monthly table written twice. At 1M customers x 36 months a copy is about 35 M rows, 50 s for
   int_customer_trailing_12m; DuckDB also held the temporary table in memory.

   Config: unique_key (the partition column, 'YYYY-MM'), on_schema_change ('fail' is the only
   policy) and an enforced contract (SQL), honoured as dbt's table materialization does. #}

{% materialization window_incremental, adapter='duckdb', supported_languages=['sql'] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set unique_key = config.require('unique_key') -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='fail') -%}
    {%- if on_schema_change != 'fail' -%}
        {{ exceptions.raise_compiler_error(
            "window_incremental supports on_schema_change='fail' only (model " ~ model.name ~ ")") }}
    {%- endif -%}
    {%- set contract_enforced = config.get('contract').enforced -%}
    {%- set full_refresh = should_full_refresh() or existing_relation is none or existing_relation.is_view -%}
    {#- `dbt run --empty` reads no rows: it must not empty the window either -#}
    {%- set window_filter = none if invocation_args_dict.get('empty', false) else in_partition_window(unique_key) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- an enforced contract is checked by create_table_as, on both paths below -#}
    {%- if full_refresh %}
        {%- if existing_relation is not none %}
            {#- inside the run's transaction (a statement begins it; adapter.drop_relation would
                not), so an insert that fails later leaves the old table in place -#}
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
        {%- if window_filter %}
        {%- call statement('delete_window') -%}
            delete from {{ target_relation }} where {{ window_filter }}
        {%- endcall -%}
        {%- endif %}
    {%- endif %}

    {%- call statement('main') -%}
        insert into {{ target_relation }} {{ get_column_names() if contract_enforced else 'by name' }}
        {% if contract_enforced -%}
        ({{ get_select_subquery(sql) }})
        {%- else -%}
        (
        {{ sql }}
        )
        {%- endif %}
    {%- endcall -%}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    -- `COMMIT` happens here
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}

{# Spark: the table is partitioned by the month key (Spark writes it as the last column), one
   folder of Parquet files per month. A full refresh creates it from the model; otherwise the
   model's rows go to a temporary view, their columns (names and types) are compared with the
   table's, the window's month partitions are dropped and the rows inserted: only the window's
   files are rewritten. Spark has no transaction over the two steps: a failed insert leaves the
   window empty until the next run of the model (Dagster retries the partition).
   SQL models only. #}
{% materialization window_incremental, adapter='spark', supported_languages=['sql'] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set unique_key = config.require('unique_key') -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='fail') -%}
    {%- if on_schema_change != 'fail' -%}
        {{ exceptions.raise_compiler_error(
            "window_incremental supports on_schema_change='fail' only (model " ~ model.name ~ ")") }}
    {%- endif -%}
    {%- set full_refresh = should_full_refresh() or existing_relation is none or existing_relation.is_view -%}
    {%- set is_empty_run = invocation_args_dict.get('empty', false) -%}

    {{ run_hooks(pre_hooks) }}

    {%- if full_refresh %}
        {%- if existing_relation is not none %}
            {{ adapter.drop_relation(existing_relation) }}
        {%- endif %}
        {%- call statement('main') -%}
            create table {{ target_relation }}
            using parquet
            partitioned by ({{ adapter.quote(unique_key) }})
            as
            {{ sql }}
        {%- endcall -%}
    {%- else %}
        {%- set rows_relation = make_temp_relation(target_relation) -%}
        {%- call statement('window_rows') -%}
            {{ create_temporary_view(rows_relation, sql) }}
        {%- endcall -%}
        {%- set produced = {} -%}
        {%- for column in adapter.get_columns_in_relation(rows_relation) -%}
            {%- do produced.update({column.name: column.data_type}) -%}
        {%- endfor -%}
        {%- set table_columns = adapter.get_columns_in_relation(target_relation) -%}
        {%- set existing = {} -%}
        {%- for column in table_columns -%}
            {%- do existing.update({column.name: column.data_type}) -%}
        {%- endfor -%}
        {%- if produced != existing -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": the model's columns " ~ produced ~ " are not the columns of "
                ~ target_relation ~ " " ~ existing ~ ". Run it with --full-refresh to rebuild the table.") }}
        {%- endif -%}
        {%- if not is_empty_run %}
            {%- set window = [] -%}
            {%- for row in run_query('show partitions ' ~ target_relation) -%}
                {%- set month = row[0].split('=', 1)[1] -%}
                {%- if var('min_month') <= month <= var('max_month') -%}
                    {%- do window.append(month) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if window -%}
                {%- call statement('drop_window') -%}
                    alter table {{ target_relation }} drop if exists
                    {% for month in window -%}
                    partition ({{ adapter.quote(unique_key) }} = '{{ month }}'){{ ',' if not loop.last }}
                    {% endfor %}
                {%- endcall -%}
            {%- endif -%}
        {%- endif %}
        {%- call statement('main') -%}
            insert into {{ target_relation }}
            select {% for column in table_columns -%}
                {{ adapter.quote(column.name) }}{{ ', ' if not loop.last }}
            {%- endfor %}
            from {{ rows_relation }}
        {%- endcall -%}
    {%- endif %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}
