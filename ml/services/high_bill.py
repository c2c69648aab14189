"""High-bill alert: this month's bill against the bill expected from the customer's own history.

Grain: one row per customer with a billing history (the `billing` frame, one row per customer
x month, `months_ago` 0 = as_of_month, 12 = the same month a year earlier).

The expected bill is the same month a year earlier (its seasonality) scaled by the recent level:
the bills of the `level_months` months before this one over those of the same months a year
earlier (pairs where both months were billed), clipped to [min_scale, max_scale]; 1 without a
pair. A month's bill is the mean amount of its bills (a month with two bills, a cycle moving,
is not twice as high). Bill corrections are in already: the warehouse keeps the newest revision.

Statuses, first match wins:
- no_bill: no bill this month;
- insufficient_history: no bill in the same month a year earlier (the first year);
- expected_not_positive: the expected bill is 0 or a credit: no percentage (no alert);
- estimated_read: the rise qualifies but this month's bill has an estimated read and
  alert_on_estimated is false (the corrected revision restates the month when it comes);
- alert: at least min_increase_pct and min_increase_amount above the expected bill;
- normal.
"""

from __future__ import annotations

import polars as pl

from ml.services.reasons import amount, with_reason

STATUSES = (
    "no_bill",
    "insufficient_history",
    "expected_not_positive",
    "estimated_read",
    "alert",
    "normal",
)
# the columns it adds, in published order
HIGH_BILL_COLUMNS = (
    "high_bill_alert",
    "high_bill_status",
    "high_bill_reason",
    "bill_actual",
    "bill_expected",
    "bill_same_month_last_year",
    "bill_level_scale",
    "bill_increase_pct",
    "bill_is_estimated",
)


def _month(billing: pl.DataFrame, months_ago: int, name: str) -> pl.DataFrame:
    return billing.filter(pl.col("months_ago") == months_ago).select(
        "customer_id", pl.col("bill").alias(name), pl.col("estimated").alias(f"{name}_estimated")
    )


def _level_scale(billing: pl.DataFrame, config: dict) -> pl.DataFrame:
    """Per customer: recent bills over the same months a year earlier, clipped."""
    recent = billing.filter(pl.col("months_ago").is_between(1, config["level_months"]))
    earlier = billing.filter(
        pl.col("months_ago").is_between(13, 12 + config["level_months"])
    ).with_columns(pl.col("months_ago") - 12)
    pairs = recent.join(earlier, on=["customer_id", "months_ago"], suffix="_earlier")
    return (
        pairs.group_by("customer_id")
        .agg(pl.col("bill").sum().alias("recent"), pl.col("bill_earlier").sum().alias("earlier"))
        .select(
            "customer_id",
            pl.when(pl.col("earlier") > 0)
            .then(pl.col("recent") / pl.col("earlier"))
            .clip(config["min_scale"], config["max_scale"])
            .alias("bill_level_scale"),
        )
    )


def high_bill_signals(customers: pl.DataFrame, billing: pl.DataFrame, config: dict) -> pl.DataFrame:
    """One row per row of `customers` (customer_id, as_of_month): bill_actual, bill_expected,
    bill_same_month_last_year, bill_level_scale, bill_increase_pct, bill_is_estimated,
    high_bill_status, high_bill_alert and high_bill_reason (null unless the alert fires)."""
    billing = billing.select(
        "customer_id",
        "months_ago",
        (pl.col("amount_billed").cast(pl.Float64) / pl.col("n_bills")).alias("bill"),
        (pl.col("n_estimated_bills") > 0).alias("estimated"),
    )
    frame = (
        customers.select("customer_id", "as_of_month")
        .join(_month(billing, 0, "bill_actual"), on="customer_id", how="left")
        .join(_month(billing, 12, "bill_same_month_last_year"), on="customer_id", how="left")
        .join(_level_scale(billing, config), on="customer_id", how="left")
        .with_columns(pl.col("bill_level_scale").fill_null(1.0))
    )
    last_year = pl.col("bill_same_month_last_year")
    frame = frame.with_columns(
        pl.when(last_year > 0)
        .then(last_year * pl.col("bill_level_scale"))
        .otherwise(last_year)
        .alias("bill_expected"),
        pl.col("bill_actual_estimated").fill_null(False).alias("bill_is_estimated"),
    )
    actual, expected = pl.col("bill_actual"), pl.col("bill_expected")
    increase_pct = pl.when(expected > 0).then((actual / expected - 1) * 100)
    rises = (increase_pct >= config["min_increase_pct"]) & (
        actual - expected >= config["min_increase_amount"]
    )
    suppressed = pl.col("bill_is_estimated") & pl.lit(not config["alert_on_estimated"])
    status = (
        pl.when(actual.is_null())
        .then(pl.lit("no_bill"))
        .when(last_year.is_null())
        .then(pl.lit("insufficient_history"))
        .when(expected <= 0)
        .then(pl.lit("expected_not_positive"))
        .when(rises & suppressed)
        .then(pl.lit("estimated_read"))
        .when(rises)
        .then(pl.lit("alert"))
        .otherwise(pl.lit("normal"))
    )
    frame = frame.with_columns(
        increase_pct.alias("bill_increase_pct"), status.alias("high_bill_status")
    ).with_columns((pl.col("high_bill_status") == "alert").alias("high_bill_alert"))
    frame = with_reason(
        frame,
        "high_bill_alert",
        "high_bill_reason",
        _sentence,
        [
            "as_of_month",
            "bill_actual",
            "bill_increase_pct",
            "bill_expected",
            "bill_same_month_last_year",
            "bill_level_scale",
            "bill_is_estimated",
        ],
    )
    return frame.select("customer_id", *HIGH_BILL_COLUMNS)


def _sentence(row: dict) -> str:
    text = (
        f"The bill for {row['as_of_month']} is {amount(row['bill_actual'])}, "
        f"{row['bill_increase_pct']:.0f}% above the {amount(row['bill_expected'])} expected: "
        f"{amount(row['bill_same_month_last_year'])} in the same month last year, "
        f"x{row['bill_level_scale']:.2f} for the change in the recent bills."
    )
    if row["bill_is_estimated"]:
        text += " It is based on an estimated meter read."
    return text
