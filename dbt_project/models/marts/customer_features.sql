{{ config(
    materialized='window_incremental', unique_key='as_of_month', on_schema_change='fail',
    bucket_count_macro='feature_bucket_count'
) }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at month end. No PII. Built one customer bucket at a time, straight
-- into the table (macros/window_incremental.sql); the run's months are replaced.
-- depends_on: {{ ref('stg_cis__customer_versions') }}, {{ ref('int_customer_trailing_12m') }},
-- {{ ref('int_customer_months_billing') }}, {{ ref('int_customer_months_meter') }}
{{ customer_features_sql(feature_months()) }}
