"""Reading the inputs of the services from the warehouse, one as_of_month at a time, point in
time: every month read is the as_of_month or one before it (shift_month, the orchestration's
month arithmetic)."""

from __future__ import annotations

import duckdb
import polars as pl

from ml.services.actions import RECENT_SCHEMA
from orchestration.defs.partitions import shift_month
from orchestration.defs.warehouse import query_frame, table_exists

RISK_TABLE = ("ml", "arrears_risk_scores")  # written by the arrears-risk model, when present
SEGMENTS_TABLE = ("ml", "customer_segments_history")
ACTIONS_TABLE = "service_actions_history"


def billing_months_ago(month: str, level_months: int) -> dict[str, int]:
    """The billing months the high-bill rule reads for `month`: 'YYYY-MM' -> months before it
    (0, 1..level_months, 12, 13..12 + level_months)."""
    offsets = [0, *range(1, level_months + 1), 12, *range(13, 13 + level_months)]
    return {shift_month(month, -n): n for n in offsets}


def read_billing(conn: duckdb.DuckDBPyConnection, month: str, level_months: int) -> pl.DataFrame:
    """int_customer_months_billing rows of those months, with months_ago."""
    months = billing_months_ago(month, level_months)
    frame = query_frame(
        conn,
        "select customer_id, billing_month, cast(amount_billed as double) as amount_billed, "
        "n_bills, n_estimated_bills from intermediate.int_customer_months_billing "
        "where billing_month in (select unnest(?))",
        [list(months)],
    )
    return frame.with_columns(
        pl.col("billing_month").replace_strict(months, return_dtype=pl.Int32).alias("months_ago")
    ).drop("billing_month")


def read_outages(conn: duckdb.DuckDBPyConnection, month: str, window_months: int) -> pl.DataFrame:
    """int_customer_months_outages rows of the window_months months ending with `month`."""
    return query_frame(
        conn,
        "select customer_id, month, n_interruptions, n_planned_interruptions, "
        "n_long_interruptions, interruption_minutes "
        "from intermediate.int_customer_months_outages where month between ? and ?",
        [shift_month(month, 1 - window_months), month],
    )


def read_risk(conn: duckdb.DuckDBPyConnection, month: str) -> pl.DataFrame | None:
    """The month's arrears-risk scores; None while the risk model has written none."""
    if not table_exists(conn, *RISK_TABLE):
        return None
    return query_frame(
        conn,
        "select customer_id, arrears_risk, arrears_risk_model_version "
        "from ml.arrears_risk_scores where as_of_month = ?",
        [month],
    )


def read_segment_ids(conn: duckdb.DuckDBPyConnection, month: str) -> pl.DataFrame:
    """customer_id -> segment_id of the month's scoring (empty before scoring)."""
    if not table_exists(conn, *SEGMENTS_TABLE):
        return pl.DataFrame(schema={"customer_id": pl.String, "segment_id": pl.String})
    return query_frame(
        conn,
        "select customer_id, segment_id from ml.customer_segments_history where as_of_month = ?",
        [month],
    )


def recent_actions(conn: duckdb.DuckDBPyConnection, month: str, lookback: int) -> pl.DataFrame:
    """The stored action lists of the `lookback` months before `month`: customer_id, action,
    months_ago (1 = the month before)."""
    months = {shift_month(month, -n): n for n in range(1, lookback + 1)}
    if not months or not table_exists(conn, "ml", ACTIONS_TABLE):
        return pl.DataFrame(schema=RECENT_SCHEMA)
    frame = query_frame(
        conn,
        f"select customer_id, action, as_of_month from ml.{ACTIONS_TABLE} "
        "where as_of_month in (select unnest(?))",
        [list(months)],
    )
    return frame.select(
        "customer_id",
        "action",
        pl.col("as_of_month").replace_strict(months, return_dtype=pl.Int32).alias("months_ago"),
    )
