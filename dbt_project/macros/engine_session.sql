{# on-run-start: what an engine's session needs before the models run (dbt_project.yml).
   DuckDB: nothing (the ingest writes the `landing` sources, raw.<table>, into the warehouse).

   Spark:
   - ANSI mode on. dbt-spark turns it off for every session (spark.sql.ansi.enabled=false,
     whatever the profile says); with it off, a cast that cannot hold a value (a monthly sum
     beyond DECIMAL(18, s), a text that is no date) yields null, where DuckDB fails the build.
     On, Spark fails as DuckDB does: a wrong number never reaches the features quietly.
   - The `landing` sources registered as external Parquet tables raw.<table> over
     $GRIDSEG_SPARK/landing/<table>/, where orchestration.engine.export_landing writes DuckDB's
     raw tables. Re-registered on every run (metadata only), so a new export is read. #}
{% macro engine_session_setup() -%}
    {{ return(adapter.dispatch('engine_session_setup')()) }}
{%- endmacro %}

{% macro default__engine_session_setup() -%}
{%- endmacro %}

{% macro spark__engine_session_setup() -%}
    {%- if execute -%}
        {%- do run_query('set spark.sql.ansi.enabled = true') -%}
        {%- do register_landing_tables() -%}
    {%- endif -%}
{%- endmacro %}

{% macro register_landing_tables() -%}
    {%- set folder = env_var('GRIDSEG_SPARK', '../data/spark') ~ '/landing' -%}
    {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', 'landing')
        | list -%}
    {%- do run_query('create database if not exists ' ~ adapter.quote(sources[0].schema)) -%}
    {%- for source in sources | sort(attribute='name') -%}
        {%- set table = adapter.quote(source.schema) ~ '.' ~ adapter.quote(source.identifier) -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- do run_query('create table ' ~ table ~ ' using parquet location '
            ~ "'" ~ (folder ~ '/' ~ source.identifier) | replace('\\', '\\\\') | replace("'", "\\'")
            ~ "'") -%}
    {%- endfor -%}
{%- endmacro %}
