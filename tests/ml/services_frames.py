"""Small input frames for the services (ml/services), with defaults for what a test leaves
out, and the services tables of a small warehouse built from them."""

from __future__ import annotations

import duckdb
import polars as pl

from ml.services import customer_signals, load_services_config, service_actions
from ml.services.actions import RECENT_SCHEMA

FEATURE_DEFAULTS = {
    "customer_id": "c01",
    "as_of_month": "2025-03",
    "customer_class": "residential",
    "voltage_level": "LV",
    "tariff_code": "RES-STD",
    "has_solar": False,
    "months_billed": 12,
    "kwh_avg_month": 300.0,
    "tou_peak_share": None,
    "tou_offpeak_share": None,
    "max_demand_kw": None,
    "net_export_months": 0,
    "revenue_avg_month": 150.0,
    "revenue_12m": 1800.0,
}
FEATURE_SCHEMA = {
    "customer_id": pl.String,
    "as_of_month": pl.String,
    "customer_class": pl.String,
    "voltage_level": pl.String,
    "tariff_code": pl.String,
    "has_solar": pl.Boolean,
    "months_billed": pl.Int32,
    "kwh_avg_month": pl.Float64,
    "tou_peak_share": pl.Float64,
    "tou_offpeak_share": pl.Float64,
    "max_demand_kw": pl.Float64,
    "net_export_months": pl.Int32,
    "revenue_avg_month": pl.Float64,
    "revenue_12m": pl.Float64,
}
BILLING_SCHEMA = {
    "customer_id": pl.String,
    "months_ago": pl.Int32,
    "amount_billed": pl.Float64,
    "n_bills": pl.Int64,
    "n_estimated_bills": pl.Int64,
}
OUTAGE_SCHEMA = {
    "customer_id": pl.String,
    "month": pl.String,
    "n_interruptions": pl.Int64,
    "n_planned_interruptions": pl.Int64,
    "n_long_interruptions": pl.Int64,
    "interruption_minutes": pl.Int64,
}


def features(*rows: dict) -> pl.DataFrame:
    """customer_features rows: each dict overrides FEATURE_DEFAULTS."""
    return pl.DataFrame([{**FEATURE_DEFAULTS, **row} for row in rows], schema=FEATURE_SCHEMA)


def billing(rows: list[tuple]) -> pl.DataFrame:
    """(customer_id, months_ago, amount[, n_estimated_bills]) -> int_customer_months_billing rows
    of one bill each."""
    return pl.DataFrame(
        [(c, m, a, 1, e[0] if e else 0) for c, m, a, *e in rows],
        schema=BILLING_SCHEMA,
        orient="row",
    )


def outages(rows: list[tuple] = ()) -> pl.DataFrame:
    """(customer_id, month, n, planned, long, minutes) -> int_customer_months_outages rows."""
    return pl.DataFrame(list(rows), schema=OUTAGE_SCHEMA, orient="row")


def services_tables(conn: duckdb.DuckDBPyConnection, customer_months: pl.DataFrame) -> None:
    """ml.customer_signals and ml.service_actions_history for `customer_months` (customer_id,
    as_of_month), computed by ml/services from default features: every customer gets tariff
    advice (RES-STD at 300 kWh a month pays 96.00 a year more than RES-TIER)."""
    config = load_services_config()
    signals, actions = [], []
    for _, rows in customer_months.group_by("as_of_month", maintain_order=True):
        month_features = features(*rows.select("customer_id", "as_of_month").to_dicts())
        month_signals = customer_signals(month_features, billing([]), outages(), None, config)
        signals.append(month_signals)
        ranked = month_signals.join(
            month_features.select("customer_id", "revenue_avg_month", "revenue_12m"),
            on="customer_id",
        ).with_columns(pl.lit(None, dtype=pl.String).alias("segment_id"))
        actions.append(service_actions(ranked, pl.DataFrame(schema=RECENT_SCHEMA), config))
    conn.execute("create schema if not exists ml")
    for table, frames in (("customer_signals", signals), ("service_actions_history", actions)):
        frame = pl.concat(frames)  # noqa: F841 (read by DuckDB below)
        conn.execute(f"create table ml.{table} as select * from frame")
