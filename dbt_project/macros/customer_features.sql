{# customer_features is computed one customer bucket at a time, each bucket inserted straight into
   the model's table (the window_incremental materialization): the account attributes in force
   at each month end, joined to the trailing aggregates that int_customer_trailing_12m (a Python
   model) computes over dense customer x month arrays. At 1M customers x 36 months, one statement
   for everything spilled to disk. #}

{# Buckets this run uses: about 31,250 customers each (dbt var `feature_bucket_customers`; a
   bucket's asof join and its rows stay in memory), at most 32. #}
{% macro feature_bucket_count() -%}
    {%- set n_customers = 0 -%}
    {%- if execute -%}
        {%- set found = run_query("select count(distinct customer_id) from " ~ ref('stg_cis__customer_versions')) -%}
        {%- set n_customers = found.columns[0].values()[0] | int -%}
    {%- endif -%}
    {%- set per_bucket = var('feature_bucket_customers', 31250) | int -%}
    {%- if per_bucket < 1 -%}
        {{ exceptions.raise_compiler_error(
            "dbt var feature_bucket_customers must be a whole number of customers, 1 or more; got "
            ~ var('feature_bucket_customers')) }}
    {%- endif -%}
    {{- return([1, [32, (n_customers + per_bucket - 1) // per_bucket] | min] | max) -}}
{%- endmacro %}

{# The months of the partition window, 'YYYY-MM', ascending: those int_customer_trailing_12m
   computed (the months with billing or meter data; the rule lives in that model). #}
{% macro feature_months() -%}
    {%- set months = [] -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select distinct as_of_month from " ~ ref('int_customer_trailing_12m') ~ " where "
            ~ in_partition_window('as_of_month') ~ " order by 1") -%}
        {%- set months = found.columns[0].values() | list -%}
    {%- endif -%}
    {{- return(months) -}}
{%- endmacro %}

{# The features of `months`: the account attributes in force at each month end (asof join on the
   versions), joined to the trailing aggregates of int_customer_trailing_12m. Filtered with
   in_current_bucket, so that the window_incremental materialization runs it one customer
   bucket at a time (the trailing rows are stored in customer_hash order: a bucket reads only
   its own row groups). #}
{% macro customer_features_sql(months) -%}
with months as (
    {%- for month in months %}
    select '{{ month }}' as as_of_month, {{ month_end_of_key("'" ~ month ~ "'") }} as month_end
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select null::varchar as as_of_month, null::date as month_end where false
    {%- endfor %}
),

versions as (
    select * from {{ ref('stg_cis__customer_versions') }}
    where {{ in_current_bucket('hash(customer_id)') }}
),

spine as (
    select customers.customer_id, months.as_of_month, months.month_end
    from (select distinct customer_id from versions) as customers
    cross join months
),

attributes as (
    select spine.customer_id, spine.as_of_month, spine.month_end, v.* exclude (customer_id)
    from spine
    asof left join versions as v
        on v.customer_id = spine.customer_id
        and cast(spine.month_end + interval 1 day as timestamp) > v.updated_at
),

first_versions as (
    select * from versions
    qualify row_number() over (partition by customer_id order by updated_at) = 1
),

active as (
    -- the version in force at month end; a customer first extracted later falls back to its first version
    select
        attributes.customer_id,
        attributes.as_of_month,
        attributes.month_end,
        {% for column in ['customer_class', 'region', 'tariff_code', 'voltage_level', 'payment_method',
            'has_solar', 'budget_billing', 'paperless', 'contracted_capacity_kva', 'connected_on',
            'disconnected_on'] %}
        case when attributes.updated_at is null then first_versions.{{ column }}
            else attributes.{{ column }} end as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from attributes
    inner join first_versions using (customer_id)
    where coalesce(attributes.connected_on, first_versions.connected_on) <= attributes.month_end
),

sums as (
    select * from {{ ref('int_customer_trailing_12m') }}
    where {{ in_current_bucket('customer_hash') }}
        and as_of_month between '{{ months[0] if months else '9999-12' }}' and '{{ months[-1] if months else '0000-01' }}'
)

select {{ customer_feature_columns() }}
from active
inner join sums as t
    on t.customer_id = active.customer_id and t.as_of_month = active.as_of_month
where active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
{%- endmacro %}
