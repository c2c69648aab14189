"""The columns of the `customer_features` mart that the segmentation science reads.

Grain of the mart: one row per customer x `as_of_month` ('YYYY-MM'), trailing 12 months,
point-in-time (nothing dated after the end of `as_of_month` is used). This module is the
contract between `dbt_project/models/marts/customer_features.sql` and `ml/`; a test checks
that the mart has every column named here.
"""

from __future__ import annotations

KEY_COLUMNS = ("customer_id", "as_of_month")

# Descriptive attributes (classification inputs, not clustering inputs).
ATTRIBUTE_COLUMNS = (
    "customer_class",  # residential, commercial, industrial, agricultural, public_sector
    "region",
    "tariff_code",
    "voltage_level",  # LV, MV, HV
    "payment_method",  # direct_debit, online, cash, bank_transfer, card
    "has_solar",  # bool
    "budget_billing",  # bool
    "paperless",  # bool
)

# Numeric features, all trailing-12-month unless the name says otherwise. Nullable where noted.
NUMERIC_FEATURES = (
    "tenure_months",  # months since connected_on at the end of as_of_month
    "contracted_capacity_kva",  # nullable
    "months_billed",  # billed months in the window (at most 12)
    "months_since_last_bill",  # 0 when billed in as_of_month; null when no bill in the window
    "kwh_12m",  # sum of billed kWh (net of export)
    "kwh_avg_month",
    "kwh_growth",  # last 3 months vs same 3 months a year earlier, minus 1; nullable
    "kwh_seasonality",  # max monthly kWh / mean monthly kWh
    # kWh billed in the winter months / total absolute monthly kWh (net export < 0); the months
    # are the dbt var season_months (default Dec-Feb and Jun-Aug), see ml.settings.season_months
    "kwh_winter_share",
    "kwh_summer_share",  # share of kWh billed in the summer months
    # mean kWh of the window's billed winter (summer) months / mean kWh of its billed months:
    # 1 without a seasonal peak; null without a billed month of the season
    "kwh_winter_ratio",
    "kwh_summer_ratio",
    "kwh_volatility",  # coefficient of variation of monthly kWh
    "tou_peak_share",  # peak kWh / TOU-split kWh; nullable (no TOU bills)
    "tou_offpeak_share",  # off-peak (valley) kWh / TOU-split kWh; nullable
    "max_demand_kw",  # nullable (not demand-metered)
    "capacity_utilisation",  # mean kW / contracted kVA; nullable
    "revenue_12m",  # billed amount
    "revenue_avg_month",  # billed amount per billed month; null when the window holds no bill
    "avg_price_per_kwh",  # revenue / kWh; nullable when kWh <= 0
    "net_export_months",  # months with negative net kWh (solar export)
    "estimated_bill_share",
    "on_time_payment_ratio",  # bills due in window, paid in full by the due date
    "avg_days_late",  # mean days from due date to full payment (0 when on time)
    "arrears_over_60d",  # unpaid amount due more than 60 days before the end of the month
    "n_bounced_payments",
    "cash_payment_share",  # share of payments made in cash or at an agent
    "n_interruptions",
    "interruption_minutes",
    "n_long_interruptions",  # interruptions over 4 hours
    "n_contacts",  # all work orders opened
    "n_contacts_call_center",
    "n_contacts_ivr",
    "n_contacts_digital",  # web + app
    "n_contacts_walk_in",
    "n_complaints",
    "n_billing_disputes",
    "n_payment_arrangements",
    "n_disconnections_nonpayment",
    "n_field_orders",  # meter_fault, vegetation, voltage_quality, new/reconnection
    "mean_resolution_hours",  # nullable (no closed work orders)
    "survey_satisfaction",  # mean 1..5 post-case survey; nullable
    "load_factor",  # AMI only: mean / max hourly kW; nullable
    "peak_hour_share",  # AMI only: kWh 17:00-21:00 / kWh; nullable
    "night_share",  # AMI only: kWh 00:00-06:00 / kWh; nullable
    "weekday_weekend_ratio",  # AMI only: mean weekday / mean weekend daily kWh; nullable
)

# Features the K-means segmentation clusters on by default: what the customer does (uses,
# pays, exports, how and how often they contact the utility, how long they stay), in the mart's
# order. Left out as clustering inputs (they stay in the mart and the profiles): what the
# network or the utility does to the customer (interruptions, field orders, estimated bills,
# resolution hours, disconnections), rare or routing events (billing disputes, IVR contacts)
# and the noisy kWh growth. On the demo data these dilute the behaviour: with all 31 usable
# numeric features the split rule reaches an ARI of 0.74 against the planted archetypes, with
# these 0.91 (bench/segmentation_quality.py, docs/segmentation.md). Heavy-tailed counts and
# money are log1p-transformed before robust scaling (LOG_FEATURES).
# Consumption and revenue enter as averages per billed month, not as 12-month sums, and the
# seasons as ratios of a season month's mean to the window's, not as shares: a sum grows with
# the length of a customer's history, and a share depends on how many months of the season a
# short history holds, so a model scoring a month early in the history (or a customer in their
# first year) saw every customer as small, or as winter-peaking (issue 22, item 5). Tenure is
# capped for the same reason (segmentation.feature_caps).
SEGMENTATION_FEATURES = (
    "tenure_months",
    "kwh_avg_month",
    "kwh_seasonality",
    "kwh_winter_ratio",
    "kwh_summer_ratio",
    "kwh_volatility",
    "tou_peak_share",
    "revenue_avg_month",
    "avg_price_per_kwh",
    "net_export_months",
    "on_time_payment_ratio",
    "avg_days_late",
    "arrears_over_60d",
    "n_bounced_payments",
    "cash_payment_share",
    "n_contacts",
    "n_contacts_call_center",
    "n_contacts_digital",
    "n_contacts_walk_in",
    "n_complaints",
    "n_payment_arrangements",
    # AMI load shape: used only when observed for at least `min_feature_coverage` of the
    # customers (segmentation.yaml); otherwise dropped with a note in the model metrics.
    "load_factor",
    "peak_hour_share",
    "night_share",
    "weekday_weekend_ratio",
)

LOG_FEATURES = (
    "kwh_12m",
    "kwh_avg_month",
    "revenue_12m",
    "revenue_avg_month",
    "max_demand_kw",
    "contracted_capacity_kva",
    "arrears_over_60d",
    "interruption_minutes",
    "n_contacts",
    "n_contacts_call_center",
    "n_contacts_ivr",
    "n_contacts_digital",
    "n_contacts_walk_in",
    "n_complaints",
    "n_billing_disputes",
    "n_payment_arrangements",
    "n_disconnections_nonpayment",
    "n_field_orders",
    "n_bounced_payments",
    "mean_resolution_hours",
)

PII_COLUMNS = ("full_name", "phone", "email", "address")

ALL_COLUMNS = KEY_COLUMNS + ATTRIBUTE_COLUMNS + NUMERIC_FEATURES
