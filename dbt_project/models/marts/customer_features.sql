{#- The features are built one customer bucket at a time by the pre-hooks (see
    macros/customer_features.sql) into a work table; this model reads it, so the contract and the
    delete+insert per as_of_month stay dbt's own. -#}
{%- set bucket_statements = [] -%}
{%- for bucket in range(feature_buckets()) -%}
    {%- do bucket_statements.append("{{ customer_features_bucket_statement(" ~ bucket ~ ") }}") -%}
{%- endfor -%}
{{ config(
    materialized='incremental', incremental_strategy='delete+insert', unique_key='as_of_month',
    on_schema_change='fail',
    pre_hook=bucket_statements,
    post_hook="drop table if exists {{ features_work_relation() }}"
) }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at the end of the month. No PII.
-- depends_on: {{ ref('stg_cis__customer_versions') }}, {{ ref('int_customer_trailing_12m') }},
-- {{ ref('int_customer_months_billing') }}, {{ ref('int_customer_months_meter') }}
select * from {{ features_work_relation() }}
