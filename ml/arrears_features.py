"""Point-in-time features and labels of the arrears-risk model.

Grain: one row per customer x as_of_month M. The features come from the customer_features
mart at M and from the monthly payment facts (intermediate.int_customer_months_payments, one
row per customer x month) of the months up to M: the last 3 months against the last 12, the
balance still owed at the end of M. The label is whether arrears over 60 days appear in any of
the months M+1..M+3. The month bounds are given by the caller (the orchestration's month
arithmetic); every fact dated after M is dropped here, whatever the caller passes.
"""

from __future__ import annotations

import polars as pl

# Columns of the monthly payment facts read (money as float).
PAYMENT_FACT_COLUMNS = (
    "customer_id",
    "month",
    "n_bills_due",
    "n_due_on_time",
    "n_settled",
    "days_late_settled",
    "amount_due",
    "amount_paid",
    "n_bounced_payments",
    "balance_end",
    "arrears_over_60d",
)
# Mart columns used as they are (trailing 12 months at M).
MART_FEATURES = (
    "on_time_payment_ratio",
    "avg_days_late",
    "arrears_over_60d",
    "n_bounced_payments",
    "cash_payment_share",
    "n_payment_arrangements",
    "n_disconnections_nonpayment",
    "n_complaints",
    "n_billing_disputes",
    "tenure_months",
    "months_billed",
    "revenue_avg_month",
)
# Features computed from the payment facts (payment_history_features).
HISTORY_FEATURES = (
    "on_time_ratio_recent",
    "on_time_ratio_change",  # recent minus the whole history window
    "days_late_recent",
    "bounced_recent",
    "bounced_history",
    "paid_to_due_recent",
    "overdue_bills_owed",  # owed at M beyond the arrears over 60 days, in mean monthly bills
    "arrears_growth",  # arrears over 60 days at M minus at the start of the recent months
)
NUMERIC_FEATURES = MART_FEATURES + HISTORY_FEATURES
CATEGORICAL_FEATURES = ("payment_method", "customer_class", "budget_billing")
LABEL = "has_arrears_ahead"
NEW_ARREARS = "is_new_arrears_population"  # no arrears over 60 days at M


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator)


def payment_history_features(
    facts: pl.DataFrame, as_of_month: str, recent_from: str, history_from: str
) -> pl.DataFrame:
    """One row per customer with payment facts in history_from..as_of_month: HISTORY_FEATURES.
    `recent_from` starts the recent months (both bounds 'YYYY-MM', inclusive)."""
    window = facts.filter(pl.col("month").is_between(pl.lit(history_from), pl.lit(as_of_month)))
    recent = pl.col("month") >= pl.lit(recent_from)
    last = pl.col("month") == pl.lit(as_of_month)
    before_recent = pl.col("month") < pl.lit(recent_from)

    def recent_sum(column: str) -> pl.Expr:
        return pl.col(column).filter(recent).sum()

    sums = window.group_by("customer_id").agg(
        recent_due=recent_sum("n_bills_due"),
        recent_on_time=recent_sum("n_due_on_time"),
        recent_settled=recent_sum("n_settled"),
        recent_days_late=recent_sum("days_late_settled"),
        recent_amount_due=recent_sum("amount_due"),
        recent_amount_paid=recent_sum("amount_paid"),
        bounced_recent=recent_sum("n_bounced_payments"),
        history_due=pl.col("n_bills_due").sum(),
        history_on_time=pl.col("n_due_on_time").sum(),
        bounced_history=pl.col("n_bounced_payments").sum(),
        monthly_due=pl.col("amount_due").filter(pl.col("n_bills_due") > 0).mean(),
        balance_end=pl.col("balance_end").filter(last).first(),
        arrears_end=pl.col("arrears_over_60d").filter(last).first(),
        arrears_before=pl.col("arrears_over_60d").filter(before_recent).last(),
    )
    on_time_recent = _ratio(pl.col("recent_on_time"), pl.col("recent_due"))
    return sums.sort("customer_id").select(
        "customer_id",
        on_time_recent.alias("on_time_ratio_recent"),
        (on_time_recent - _ratio(pl.col("history_on_time"), pl.col("history_due"))).alias(
            "on_time_ratio_change"
        ),
        _ratio(pl.col("recent_days_late"), pl.col("recent_settled")).alias("days_late_recent"),
        pl.col("bounced_recent").cast(pl.Float64),
        pl.col("bounced_history").cast(pl.Float64),
        _ratio(pl.col("recent_amount_paid"), pl.col("recent_amount_due")).alias(
            "paid_to_due_recent"
        ),
        _ratio(
            (pl.col("balance_end") - pl.col("arrears_end")).clip(lower_bound=0),
            pl.col("monthly_due"),
        ).alias("overdue_bills_owed"),
        (pl.col("arrears_end") - pl.col("arrears_before").fill_null(0)).alias("arrears_growth"),
    )


def risk_features(
    mart: pl.DataFrame, facts: pl.DataFrame, recent_from: str, history_from: str
) -> pl.DataFrame:
    """Features of one as_of_month: the mart rows of that month (one per customer) joined to
    their payment history; key columns, NUMERIC_FEATURES, CATEGORICAL_FEATURES, NEW_ARREARS.
    Customer order of the mart."""
    (as_of_month,) = mart["as_of_month"].unique().to_list()
    # payment_history_features reads history_from..as_of_month only: nothing after M
    history = payment_history_features(facts, as_of_month, recent_from, history_from)
    return mart.select(
        "customer_id",
        "as_of_month",
        *[pl.col(c).cast(pl.Float64) for c in MART_FEATURES],
        *[pl.col(c).cast(pl.String) for c in CATEGORICAL_FEATURES],
        (pl.col("arrears_over_60d").fill_null(0) <= 0).alias(NEW_ARREARS),
    ).join(history, on="customer_id", how="left", maintain_order="left")


def arrears_labels(facts: pl.DataFrame, label_months: list[str]) -> pl.DataFrame:
    """customer_id, LABEL: arrears over 60 days in any of `label_months` (the months after M),
    for every customer with payment facts in them."""
    return (
        facts.filter(pl.col("month").is_in(label_months))
        .group_by("customer_id")
        .agg((pl.col("arrears_over_60d") > 0).any().alias(LABEL))
        .sort("customer_id")
    )


def with_labels(features: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Features of one month with their label (false for a customer without facts ahead)."""
    return features.join(labels, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.col(LABEL).fill_null(False)
    )
