{# customer_features is computed one customer bucket at a time (pre-hooks, one statement per
   bucket, into a work table the model then reads): each bucket is one windowed pass over a dense
   customer x month grid of all sources, joined in memory. At 1M customers x 36 months, one
   statement for everything spilled to disk for tens of minutes, and per-month group-bys re-read
   15 months of facts for every month (21 s per month). #}

{# The most buckets (one pre-hook each; fixed when the project is parsed). #}
{% macro feature_buckets() -%}
    {{- return(var('feature_max_buckets', 32) | int) -}}
{%- endmacro %}

{# Buckets this run uses: about 31,250 customers each, so a bucket's grid (~1.5 M rows at 36
   months) is windowed in memory; at 1M x 36, 8 buckets spilled and took 3x longer per customer. #}
{% macro feature_bucket_count() -%}
    {%- set n_customers = 0 -%}
    {%- if execute -%}
        {%- set found = run_query("select count(distinct customer_id) from " ~ ref('stg_cis__customer_versions')) -%}
        {%- set n_customers = found.columns[0].values()[0] | int -%}
    {%- endif -%}
    {{- return([1, [feature_buckets(), (n_customers + 31249) // 31250] | min] | max) -}}
{%- endmacro %}

{% macro features_work_relation() -%}
    {{- this.schema }}.{{ this.identifier }}__buckets
{%- endmacro %}

{# The months of the partition window with billing or meter data, 'YYYY-MM', ascending. #}
{% macro feature_months() -%}
    {%- set months = [] -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select distinct billing_month from " ~ ref('int_customer_months_billing') ~ " where "
            ~ in_partition_window('billing_month') ~ " union select distinct month from "
            ~ ref('int_customer_months_meter') ~ " where " ~ in_partition_window('month') ~ " order by 1") -%}
        {%- set months = found.columns[0].values() | list -%}
    {%- endif -%}
    {{- return(months) -}}
{%- endmacro %}

{# Pre-hook `bucket`: create (bucket 0) or extend the work table with the features of the
   customers whose hash falls in the bucket. #}
{% macro customer_features_bucket_statement(bucket) -%}
    {%- set months = feature_months() -%}
    {%- set n_buckets = feature_bucket_count() -%}
    {%- if bucket >= n_buckets %}
    select 'bucket {{ bucket }} unused: {{ n_buckets }} bucket(s) this run' as note
    {%- elif bucket == 0 %}
    create or replace table {{ features_work_relation() }} as
    {%- else %}
    insert into {{ features_work_relation() }}
    {%- endif %}
    {%- if bucket < n_buckets %}
    {{ customer_features_bucket(months, bucket, n_buckets) }}
    {%- endif %}
{%- endmacro %}

{# Trailing windows over the dense grid: `w12` is the month and the 11 before it, `w3` the month
   and the 2 before it, `w_year_ago` months 14..12 before. Sums over exact decimals and integers:
   the result does not depend on how rows are split or ordered. A bucket is a range of customer
   hashes (see macros/customer_hash.sql). #}
{% macro customer_features_bucket(months, bucket, n_buckets) -%}
    {%- set first_index = (month_index(months[0]) | int) if months else 0 -%}
    {%- set last_index = (month_index(months[-1]) | int) if months else -1 -%}
    {%- set low = shift_month(months[0], -14) if months else '9999-12' -%}
    {%- set high = months[-1] if months else '0000-01' -%}
    {%- set payment_columns = ['n_bills_due', 'n_due_on_time', 'n_settled', 'days_late_settled',
        'n_payments', 'n_bounced_payments', 'n_cash_payments'] -%}
    {%- set outage_columns = ['n_interruptions', 'interruption_minutes', 'n_long_interruptions'] -%}
    {%- set work_columns = ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital',
        'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes', 'n_payment_arrangements',
        'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved', 'resolution_seconds', 'n_surveys',
        'survey_score_sum'] -%}
    {%- set meter_columns = ['ami_kwh', 'n_reads', 'ami_kw_sum', 'ami_peak_kwh', 'ami_night_kwh',
        'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays', 'ami_weekend_kwh', 'ami_weekend_days'] %}
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
    where {{ in_customer_bucket('hash(customer_id)', bucket, n_buckets) }}
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

grid as (
    -- every month from 14 before the window to its end, for every customer of the bucket
    select customers.customer_id, r.month_index,
        printf('%04d-%02d', r.month_index // 12, r.month_index % 12 + 1) as month_key,
        r.month_index % 12 + 1 as month_of_year
    from (select distinct customer_id from active) as customers
    cross join range({{ first_index - 14 }}, {{ last_index + 1 }}) as r(month_index)
),

wide as (
    select
        grid.*,
        b.kwh, b.kwh_peak, b.kwh_offpeak, b.kwh_tou_gross, b.max_demand_kw, b.amount_billed,
        b.n_bills, b.n_estimated_bills,
        {% for column in payment_columns %}p.{{ column }}, {% endfor %}p.arrears_over_60d,
        {% for column in outage_columns %}o.{{ column }}, {% endfor %}
        {% for column in work_columns %}wo.{{ column }}, {% endfor %}
        {% for column in meter_columns %}m.{{ column }}, {% endfor %}m.ami_max_kw
    from grid
    {%- for alias, model, month_column in [('b', 'int_customer_months_billing', 'billing_month'),
        ('p', 'int_customer_months_payments', 'month'), ('o', 'int_customer_months_outages', 'month'),
        ('wo', 'int_customer_months_work_orders', 'month'), ('m', 'int_customer_months_meter', 'month')] %}
    left join (select * from {{ ref(model) }}
        where {{ month_column }} between '{{ low }}' and '{{ high }}'
            and {{ in_customer_bucket('customer_hash', bucket, n_buckets) }}) as {{ alias }}
        on {{ alias }}.customer_id = grid.customer_id and {{ alias }}.{{ month_column }} = grid.month_key
    {%- endfor %}
),

windowed as (
    select
        customer_id,
        month_key as as_of_month,
        month_index,
        sum(kwh) over w12 as kwh_12m,
        sum(kwh * kwh) over w12 as kwh_squares_12m,
        sum(abs(kwh)) over w12 as kwh_abs_12m,
        count(kwh) over w12 as months_billed,
        max(kwh) over w12 as kwh_max,
        sum(case when month_of_year in (12, 1, 2) then kwh end) over w12 as kwh_winter,
        sum(case when month_of_year in (6, 7, 8) then kwh end) over w12 as kwh_summer,
        count(case when kwh < 0 then 1 end) over w12 as net_export_months,
        max(max_demand_kw) over w12 as max_demand_kw,
        sum(kwh_peak) over w12 as kwh_peak_12m,
        sum(kwh_offpeak) over w12 as kwh_offpeak_12m,
        sum(kwh_tou_gross) over w12 as kwh_tou_gross_12m,
        sum(amount_billed) over w12 as amount_billed_12m,
        sum(n_bills) over w12 as n_bills_12m,
        sum(n_estimated_bills) over w12 as n_estimated_bills_12m,
        sum(kwh) over w3 as kwh_last_3m,
        sum(kwh) over w_year_ago as kwh_last_3m_year_ago,
        -- arrears are a balance at month end, not a flow: the month's own value
        arrears_over_60d,
        {% for column in payment_columns + outage_columns + work_columns + meter_columns %}
        sum({{ column }}) over w12 as {{ column }}_12m,
        {% endfor %}
        max(ami_max_kw) over w12 as ami_max_kw
    from wide
    window
        w12 as (partition by customer_id order by month_index rows between 11 preceding and current row),
        w3 as (partition by customer_id order by month_index rows between 2 preceding and current row),
        w_year_ago as (partition by customer_id order by month_index rows between 14 preceding and 12 preceding)
)

select {{ customer_feature_columns() }}
from active
inner join windowed as t
    on t.customer_id = active.customer_id and t.as_of_month = active.as_of_month
where active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
{%- endmacro %}
