"""Customer movements between segments from one month to the next.

Grain of the output: one row per from_segment x to_segment x to_month, for every pair of
calendar-consecutive months present in the history (a gap month yields no pair, so a count
always means "moved within one month"). Stayers are included (from_segment == to_segment),
so the counts of a to_month add up to the customers present in both months.
"""

from __future__ import annotations

import polars as pl

OUTPUT_SCHEMA = {
    "from_segment": pl.String,
    "to_segment": pl.String,
    "to_month": pl.String,
    "n_customers": pl.Int64,
}


def _month_number(column: str) -> pl.Expr:
    year = pl.col(column).str.slice(0, 4).cast(pl.Int32)
    month = pl.col(column).str.slice(5, 2).cast(pl.Int32)
    return year * 12 + month - 1


def segment_migrations(history: pl.DataFrame) -> pl.DataFrame:
    """Counts of customers per (from_segment, to_segment, to_month) from a scoring history.

    `history` has customer_id, as_of_month ('YYYY-MM') and segment_id; one row per customer
    and month (a duplicate raises ValueError).
    """
    frame = history.select("customer_id", "as_of_month", "segment_id")
    if frame.select(pl.struct("customer_id", "as_of_month").is_duplicated().any()).item():
        raise ValueError("segment history has more than one row per customer_id x as_of_month")
    frame = frame.with_columns(_month_number("as_of_month").alias("month_number"))
    before = frame.select(
        "customer_id",
        pl.col("segment_id").alias("from_segment"),
        (pl.col("month_number") + 1).alias("month_number"),
    )
    moves = frame.join(before, on=["customer_id", "month_number"], how="inner")
    return (
        moves.group_by(
            "from_segment",
            pl.col("segment_id").alias("to_segment"),
            pl.col("as_of_month").alias("to_month"),
        )
        .agg(pl.len().cast(pl.Int64).alias("n_customers"))
        .select(list(OUTPUT_SCHEMA))
        .cast(OUTPUT_SCHEMA)
        .sort("to_month", "from_segment", "to_segment")
    )
