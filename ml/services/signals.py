"""customer_signals: every signal of one month, one row per customer of customer_features.

Grain: one row per customer x as_of_month. Inputs, all point in time (nothing after the end of
as_of_month): the month's customer_features rows, the billing months of the high-bill rule,
the outage months of the reliability window, and the month's arrears-risk scores when the risk
model has scored it (else the arrears columns are null). A signal's `*_reason` is non-null
exactly when it fires.
"""

from __future__ import annotations

import polars as pl

from ml.services.cost_advice import COST_ADVICE_COLUMNS, cost_advice
from ml.services.cost_advice import FEATURES as COST_ADVICE_FEATURES
from ml.services.high_bill import HIGH_BILL_COLUMNS, high_bill_signals
from ml.services.reasons import pct, with_reason
from ml.services.reliability import RELIABILITY_COLUMNS, reliability_signals

# the customer_features columns the services read (cost advice, and the action scores)
FEATURE_COLUMNS = (*COST_ADVICE_FEATURES, "as_of_month", "revenue_avg_month", "revenue_12m")
RISK_SCHEMA = {
    "customer_id": pl.String,
    "arrears_risk": pl.Float64,
    "arrears_risk_model_version": pl.String,
}
# (flag, reason) of every signal, in published order
SIGNALS = (
    ("high_bill_alert", "high_bill_reason"),
    ("tariff_advice", "tariff_reason"),
    ("solar_candidate", "solar_reason"),
    ("storage_candidate", "storage_reason"),
    ("reliability_warning", "reliability_reason"),
    ("arrears_warning", "arrears_reason"),
)


def arrears_signals(
    customers: pl.DataFrame, risk: pl.DataFrame | None, config: dict
) -> pl.DataFrame:
    """One row per row of `customers`: arrears_risk, arrears_risk_model_version (null when
    not scored), arrears_warning (risk >= min_risk), arrears_reason."""
    risk = pl.DataFrame(schema=RISK_SCHEMA) if risk is None else risk.select(list(RISK_SCHEMA))
    frame = (
        customers.select("customer_id")
        .join(risk.cast(RISK_SCHEMA), on="customer_id", how="left")
        .with_columns(
            (pl.col("arrears_risk") >= config["min_risk"]).fill_null(False).alias("arrears_warning")
        )
    )
    horizon = config["horizon_months"]

    def sentence(row: dict) -> str:
        return (
            f"An estimated {pct(row['arrears_risk'])} chance of arrears over 60 days within "
            f"the next {horizon} months."
        )

    frame = with_reason(frame, "arrears_warning", "arrears_reason", sentence, ["arrears_risk"])
    return frame.select("customer_id", *ARREARS_COLUMNS)


def customer_signals(
    features: pl.DataFrame,
    billing: pl.DataFrame,
    outages: pl.DataFrame,
    risk: pl.DataFrame | None,
    config: dict,
) -> pl.DataFrame:
    """The signals of `features`' customers (one as_of_month), in customer_id order.

    `billing`: customer_id, months_ago (0 = as_of_month ... 12 + level_months), amount_billed,
    n_bills, n_estimated_bills. `outages`: the int_customer_months_outages rows of the
    reliability window. `risk`: customer_id, arrears_risk, arrears_risk_model_version, or None.
    """
    customers = features.select("customer_id", "as_of_month")
    frame = customers
    for part in (
        high_bill_signals(customers, billing, config["high_bill"]),
        cost_advice(features, config["cost_advice"]),
        reliability_signals(customers, outages, config["reliability"]),
        arrears_signals(customers, risk, config["arrears"]),
    ):
        frame = frame.join(part, on="customer_id", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.sum_horizontal(pl.col(flag).cast(pl.Int32) for flag, _ in SIGNALS).alias("n_signals")
    )
    return frame.select(SIGNAL_COLUMNS).sort("customer_id")


ARREARS_COLUMNS = (
    "arrears_warning",
    "arrears_reason",
    "arrears_risk",
    "arrears_risk_model_version",
)
SIGNAL_COLUMNS = (
    "customer_id",
    "as_of_month",
    "n_signals",
    *HIGH_BILL_COLUMNS,
    *COST_ADVICE_COLUMNS,
    *RELIABILITY_COLUMNS,
    *ARREARS_COLUMNS,
)
