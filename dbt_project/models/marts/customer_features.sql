{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='as_of_month', on_schema_change='fail') }}
-- One row per active customer x as_of_month ('YYYY-MM'): trailing-12-month, point-in-time
-- features (nothing dated after the end of as_of_month is used). Attributes are the account
-- master version in force at the end of the month. No PII.
{#- The months of the partition window that have data; each is aggregated on its own, which keeps
    memory to one month of customers at a time (a dense customer x month grid with window
    functions needed ~13 GB at 100k customers). -#}
{%- set months = [] -%}
{%- if execute -%}
    {%- set found = run_query(
        "select distinct month from " ~ ref('int_customer_months') ~ " where "
        ~ in_partition_window('month') ~ " order by 1") -%}
    {%- set months = found.columns[0].values() | list -%}
{%- endif %}

with windowed as (
    {% for month in months %}
    {{ trailing_window_facts(month, var('feature_window_months')) }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ trailing_window_facts('1900-01', var('feature_window_months')) }}
    {% endfor %}
),

months as (
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
)

select
    active.customer_id,
    active.as_of_month,
    active.customer_class, active.region, active.tariff_code, active.voltage_level,
    active.payment_method, active.has_solar, active.budget_billing, active.paperless,
    cast(date_diff('month', active.connected_on, active.month_end) as integer) as tenure_months,
    active.contracted_capacity_kva,
    cast(w.kwh_12m as double) as kwh_12m,
    cast(w.kwh_12m / nullif(w.months_billed, 0) as double) as kwh_avg_month,
    case when w.kwh_last_3m_year_ago > 0 then w.kwh_last_3m / w.kwh_last_3m_year_ago - 1 end as kwh_growth,
    case when w.kwh_12m > 0 then w.kwh_max / (w.kwh_12m / w.months_billed) end as kwh_seasonality,
    case when w.kwh_abs_12m > 0 then coalesce(w.kwh_winter, 0) / w.kwh_abs_12m end as kwh_winter_share,
    case when w.kwh_abs_12m > 0 then coalesce(w.kwh_summer, 0) / w.kwh_abs_12m end as kwh_summer_share,
    case when w.kwh_12m <> 0 and w.months_billed > 1
        then sqrt(cast(greatest(w.months_billed * w.kwh_squares_12m - w.kwh_12m * w.kwh_12m, 0) as double)
            / (w.months_billed * (w.months_billed - 1))) / abs(w.kwh_12m / w.months_billed)
        when w.kwh_12m <> 0 then 0 end as kwh_volatility,
    coalesce(
        case when w.kwh_tou_gross_12m > 0 then w.kwh_peak_12m / w.kwh_tou_gross_12m end,
        case when w.ami_kwh_12m > 0 then w.ami_peak_kwh_12m / w.ami_kwh_12m end
    ) as tou_peak_share,
    coalesce(
        case when w.kwh_tou_gross_12m > 0 then w.kwh_offpeak_12m / w.kwh_tou_gross_12m end,
        case when w.ami_kwh_12m > 0 then w.ami_offpeak_kwh_12m / w.ami_kwh_12m end
    ) as tou_offpeak_share,
    cast(coalesce(w.max_demand_kw, w.ami_max_kw) as double) as max_demand_kw,
    case when active.contracted_capacity_kva > 0 and w.months_billed > 0
        then (w.kwh_12m / (w.months_billed * 730.0)) / active.contracted_capacity_kva end as capacity_utilisation,
    cast(coalesce(w.amount_billed_12m, 0) as double) as revenue_12m,
    case when w.kwh_12m > 0 then w.amount_billed_12m / w.kwh_12m end as avg_price_per_kwh,
    cast(coalesce(w.net_export_months, 0) as integer) as net_export_months,
    case when w.n_bills_12m > 0 then w.n_estimated_bills_12m / w.n_bills_12m end as estimated_bill_share,
    case when w.n_bills_due_12m > 0 then w.n_due_on_time_12m / w.n_bills_due_12m end as on_time_payment_ratio,
    case when w.n_settled_12m > 0 then w.days_late_settled_12m / w.n_settled_12m end as avg_days_late,
    cast(coalesce(w.arrears_over_60d, 0) as double) as arrears_over_60d,
    cast(coalesce(w.n_bounced_payments_12m, 0) as integer) as n_bounced_payments,
    case when w.n_payments_12m > 0 then w.n_cash_payments_12m / w.n_payments_12m end as cash_payment_share,
    {% for column in ['n_interruptions', 'interruption_minutes', 'n_long_interruptions', 'n_contacts',
        'n_contacts_call_center', 'n_contacts_ivr', 'n_contacts_digital', 'n_contacts_walk_in', 'n_complaints',
        'n_billing_disputes', 'n_payment_arrangements', 'n_disconnections_nonpayment', 'n_field_orders'] %}
    cast(coalesce(w.{{ column }}_12m, 0) as integer) as {{ column }},
    {% endfor %}
    case when w.n_resolved_12m > 0 then w.resolution_seconds_12m / 3600.0 / w.n_resolved_12m end as mean_resolution_hours,
    case when w.n_surveys_12m > 0 then w.survey_score_sum_12m / w.n_surveys_12m end as survey_satisfaction,
    case when w.ami_max_kw > 0 and w.n_reads_12m > 0 then (w.ami_kw_sum_12m / w.n_reads_12m) / w.ami_max_kw end as load_factor,
    case when w.ami_kwh_12m > 0 then w.ami_peak_kwh_12m / w.ami_kwh_12m end as peak_hour_share,
    case when w.ami_kwh_12m > 0 then w.ami_night_kwh_12m / w.ami_kwh_12m end as night_share,
    case when w.ami_weekend_kwh_12m > 0 and w.ami_weekdays_12m > 0
        then (w.ami_weekday_kwh_12m / w.ami_weekdays_12m) / (w.ami_weekend_kwh_12m / w.ami_weekend_days_12m)
    end as weekday_weekend_ratio
from active
left join windowed as w using (customer_id, as_of_month)
where active.connected_on <= active.month_end
    and (active.disconnected_on is null or active.disconnected_on > active.month_end)
