"""Reading the arrears-risk features and labels from the warehouse, point in time.

Grain: one frame per as_of_month (scoring) or one panel of customer x as_of_month (training).
The month arithmetic (recent months, history window, label months) is shift_month's; the
features themselves are ml/arrears_features.py's.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ml.arrears_features import (
    PAYMENT_FACT_COLUMNS,
    arrears_labels,
    risk_features,
    with_labels,
)
from orchestration.defs.partitions import shift_month
from orchestration.defs.segmentation.warehouse_io import read_features
from orchestration.defs.warehouse import query_frame

FACTS_TABLE = "intermediate.int_customer_months_payments"
_MONEY = ("amount_due", "amount_paid", "balance_end", "arrears_over_60d")


def read_payment_facts(
    conn: duckdb.DuckDBPyConnection, first_month: str, last_month: str
) -> pl.DataFrame:
    """The monthly payment facts of first_month..last_month (money as float), in customer and
    month order: the features take a customer's last month before a window (`last()`) and sum
    floats, so they must not depend on the order the table stores its rows in (it differs
    between engines, and between a backfill and nightly increments)."""
    columns = ", ".join(
        f"cast({c} as double) as {c}" if c in _MONEY else c for c in PAYMENT_FACT_COLUMNS
    )
    return query_frame(
        conn,
        f"select {columns} from {FACTS_TABLE} where month between ? and ? "
        "order by customer_id, month",
        [first_month, last_month],
    )


def last_fact_month(conn: duckdb.DuckDBPyConnection) -> str | None:
    return conn.execute(f"select max(month) from {FACTS_TABLE}").fetchall()[0][0]


def history_bounds(month: str, config: dict) -> tuple[str, str]:
    """(recent_from, history_from) of as_of_month `month`."""
    return (
        shift_month(month, 1 - int(config["recent_months"])),
        shift_month(month, 1 - int(config["history_months"])),
    )


def label_months(month: str, config: dict) -> list[str]:
    """The months M+1..M+horizon whose arrears make the label of as_of_month M."""
    return [shift_month(month, k) for k in range(1, int(config["horizon_months"]) + 1)]


def month_features(
    conn: duckdb.DuckDBPyConnection, month: str, config: dict, facts: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The features of every customer of the mart at as_of_month `month`; `facts` (covering
    the month's history window) saves reading them again."""
    recent_from, history_from = history_bounds(month, config)
    if facts is None:
        facts = read_payment_facts(conn, history_from, month)
    return risk_features(read_features(conn, month), facts, recent_from, history_from)


def complete_months(months: list[str], last_month: str | None, config: dict) -> list[str]:
    """The as-of months whose label months all lie within the data (up to `last_month`)."""
    if last_month is None:
        return []
    return [m for m in months if label_months(m, config)[-1] <= last_month]


def training_panel(
    conn: duckdb.DuckDBPyConnection, months: list[str], config: dict
) -> pl.DataFrame:
    """Features and labels of every customer x as_of_month in `months` (labels complete)."""
    first = history_bounds(months[0], config)[1]
    facts = read_payment_facts(conn, first, label_months(months[-1], config)[-1])
    frames = []
    for month in months:
        features = month_features(conn, month, config, facts)
        labels = arrears_labels(facts, label_months(month, config))
        frames.append(with_labels(features, labels))
    return pl.concat(frames, how="vertical_relaxed")
