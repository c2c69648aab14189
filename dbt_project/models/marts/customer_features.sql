{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='as_of_month', on_schema_change='fail') }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at the end of the month. No PII.
{#- Each month of the partition window is aggregated on its own per source (see trailing_window):
    a dense customer x month grid with window functions needed ~13 GB at 100k customers. -#}
{%- set months = [] -%}
{%- if execute -%}
    {%- set found = run_query(
        "select distinct billing_month from " ~ ref('int_customer_months_billing') ~ " where "
        ~ in_partition_window('billing_month') ~ " union select distinct month from "
        ~ ref('int_customer_months_meter') ~ " where " ~ in_partition_window('month') ~ " order by 1") -%}
    {%- set months = found.columns[0].values() | list -%}
{%- endif %}
{#- No FILTER clauses: each group-by reads only the months it sums (FILTERs made it 3x slower). #}
{%- set billing_aggregates = "sum(kwh) as kwh_12m,
        sum(kwh * kwh) as kwh_squares_12m,
        sum(abs(kwh)) as kwh_abs_12m,
        count(kwh) as months_billed,
        max(kwh) as kwh_max,
        sum(case when substr(billing_month, 6, 2) in ('12', '01', '02') then kwh end) as kwh_winter,
        sum(case when substr(billing_month, 6, 2) in ('06', '07', '08') then kwh end) as kwh_summer,
        count(case when kwh < 0 then 1 end) as net_export_months,
        max(max_demand_kw) as max_demand_kw,
        sum(kwh_peak) as kwh_peak_12m,
        sum(kwh_offpeak) as kwh_offpeak_12m,
        sum(kwh_tou_gross) as kwh_tou_gross_12m,
        sum(amount_billed) as amount_billed_12m,
        sum(n_bills) as n_bills_12m,
        sum(n_estimated_bills) as n_estimated_bills_12m" %}
{%- set growth_aggregates = "sum(case when billing_month >= '{m2}' then kwh end) as kwh_last_3m,
        sum(case when billing_month <= '{m12}' then kwh end) as kwh_last_3m_year_ago" %}
{%- set payment_aggregates = "sum(n_bills_due) as n_bills_due_12m, sum(n_due_on_time) as n_due_on_time_12m,
        sum(n_settled) as n_settled_12m, sum(days_late_settled) as days_late_settled_12m,
        sum(n_payments) as n_payments_12m, sum(n_bounced_payments) as n_bounced_payments_12m,
        sum(n_cash_payments) as n_cash_payments_12m,
        max(arrears_over_60d) filter (where month = '{month}') as arrears_over_60d" %}
{%- set outage_aggregates = "sum(n_interruptions) as n_interruptions_12m, sum(interruption_minutes) as interruption_minutes_12m,
        sum(n_long_interruptions) as n_long_interruptions_12m" %}
    {% set work_columns = ['n_contacts', 'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital',
        'n_contacts_walk_in', 'n_complaints', 'n_billing_disputes', 'n_payment_arrangements',
        'n_disconnections_nonpayment', 'n_field_orders', 'n_resolved', 'resolution_seconds', 'n_surveys',
        'survey_score_sum'] %}
    {%- set work_sums = [] -%}
    {%- for column in work_columns %}{% do work_sums.append('sum(' ~ column ~ ') as ' ~ column ~ '_12m') %}{% endfor %}
    {% set meter_columns = ['ami_kwh', 'n_reads', 'ami_kw_sum', 'ami_peak_kwh', 'ami_night_kwh',
        'ami_offpeak_kwh', 'ami_weekday_kwh', 'ami_weekdays', 'ami_weekend_kwh', 'ami_weekend_days'] %}
    {%- set meter_sums = ['max(ami_max_kw) as ami_max_kw'] -%}
    {%- for column in meter_columns %}{% do meter_sums.append('sum(' ~ column ~ ') as ' ~ column ~ '_12m') %}{% endfor %}

with months as (
    {% for month in months %}
    select '{{ month }}' as as_of_month, {{ month_end_of_key("'" ~ month ~ "'") }} as month_end
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select null::varchar as as_of_month, null::date as month_end where false
    {% endfor %}
),

versions as (
    select * from {{ ref('stg_cis__customer_versions') }}
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
)

{#- Month by month: each month's customers joined to that month's trailing aggregates (small
    hash joins on customer_id; a single join of all customer-months was 4x slower). -#}
{% for month in months %}
select {{ customer_feature_columns() }}
from active
left join ({{ trailing_window(ref('int_customer_months_billing'), 'billing_month', [month], 11, billing_aggregates) }}
) as b on b.customer_id = active.customer_id
left join ({{ trailing_window(ref('int_customer_months_billing'), 'billing_month', [month], 14, growth_aggregates,
    "(billing_month <= '" ~ shift_month(month, -12) ~ "' or billing_month >= '" ~ shift_month(month, -2) ~ "')") }}
) as g on g.customer_id = active.customer_id
left join ({{ trailing_window(ref('int_customer_months_payments'), 'month', [month], 11, payment_aggregates) }}
) as p on p.customer_id = active.customer_id
left join ({{ trailing_window(ref('int_customer_months_outages'), 'month', [month], 11, outage_aggregates) }}
) as o on o.customer_id = active.customer_id
left join ({{ trailing_window(ref('int_customer_months_work_orders'), 'month', [month], 11, work_sums | join(', ')) }}
) as wo on wo.customer_id = active.customer_id
left join ({{ trailing_window(ref('int_customer_months_meter'), 'month', [month], 11, meter_sums | join(', ')) }}
) as m on m.customer_id = active.customer_id
where active.as_of_month = '{{ month }}'
    and active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
{% if not loop.last %}union all{% endif %}
{% else %}
select {{ customer_feature_columns() }}
from active
left join ({{ trailing_window(ref('int_customer_months_billing'), 'billing_month', [], 11, billing_aggregates) }}) as b using (customer_id)
left join ({{ trailing_window(ref('int_customer_months_billing'), 'billing_month', [], 14, growth_aggregates) }}) as g using (customer_id)
left join ({{ trailing_window(ref('int_customer_months_payments'), 'month', [], 11, payment_aggregates) }}) as p using (customer_id)
left join ({{ trailing_window(ref('int_customer_months_outages'), 'month', [], 11, outage_aggregates) }}) as o using (customer_id)
left join ({{ trailing_window(ref('int_customer_months_work_orders'), 'month', [], 11, work_sums | join(', ')) }}) as wo using (customer_id)
left join ({{ trailing_window(ref('int_customer_months_meter'), 'month', [], 11, meter_sums | join(', ')) }}) as m using (customer_id)
where false
{% endfor %}
