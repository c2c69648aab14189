"""Reliability warning: a proactive contact after repeated or long interruptions.

Grain: one row per customer. `outages` holds the customer x months of the window (the last
window_months months, as_of_month included) with interruptions, from
int_customer_months_outages; a customer without a row had none. Interruptions count unplanned
ones unless count_planned; long ones (over 4 hours: the warehouse's definition) count all.
"""

from __future__ import annotations

import polars as pl

from ml.services.reasons import with_reason

# the columns it adds, in published order
RELIABILITY_COLUMNS = (
    "reliability_warning",
    "reliability_reason",
    "n_interruptions_window",
    "n_long_interruptions_window",
    "interruption_minutes_window",
)


def reliability_signals(
    customers: pl.DataFrame, outages: pl.DataFrame, config: dict
) -> pl.DataFrame:
    """One row per row of `customers`: n_interruptions_window, n_long_interruptions_window,
    interruption_minutes_window, reliability_warning, reliability_reason."""
    counted = pl.col("n_interruptions")
    if not config["count_planned"]:
        counted = counted - pl.col("n_planned_interruptions")
    sums = outages.group_by("customer_id").agg(
        counted.sum().alias("n_interruptions_window"),
        pl.col("n_long_interruptions").sum().alias("n_long_interruptions_window"),
        pl.col("interruption_minutes").sum().alias("interruption_minutes_window"),
    )
    columns = [
        "n_interruptions_window",
        "n_long_interruptions_window",
        "interruption_minutes_window",
    ]
    frame = (
        customers.select("customer_id")
        .join(sums, on="customer_id", how="left")
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in columns)
        .with_columns(
            (
                (pl.col("n_interruptions_window") >= config["min_interruptions"])
                | (pl.col("n_long_interruptions_window") >= config["min_long_interruptions"])
            ).alias("reliability_warning")
        )
    )
    window = config["window_months"]
    kind = "" if config["count_planned"] else "unplanned "

    def sentence(row: dict) -> str:
        n, long = row["n_interruptions_window"], row["n_long_interruptions_window"]
        return (
            f"{n} {kind}power interruption{'s' * (n != 1)} in the last {window} months"
            f" and {long} over 4 hours, {row['interruption_minutes_window']:,} minutes"
            " without power in all."
        )

    frame = with_reason(frame, "reliability_warning", "reliability_reason", sentence, columns)
    return frame.select("customer_id", *RELIABILITY_COLUMNS)
