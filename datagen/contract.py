"""Landing-zone contract v1 (data-contract.md section 1) as data: tables, columns, types, enums.

Grain: one entry per landing table; each column maps to the polars dtype the generator writes.
Every writer and every schema test reads from here, so the contract lives in exactly one place.
"""

from __future__ import annotations

import polars as pl

ID = pl.String
DATE = pl.Date
TS = pl.Datetime("us")
FLOAT = pl.Float64
INT = pl.Int32
BOOL = pl.Boolean
STR = pl.String

CUSTOMER_CLASSES = ("residential", "commercial", "industrial", "agricultural", "public_sector")
VOLTAGE_LEVELS = ("LV", "MV", "HV")
PAYMENT_METHODS = ("direct_debit", "online", "cash", "bank_transfer", "card")
BILL_STATUSES = ("issued", "cancelled")
PAYMENT_CHANNELS = ("direct_debit", "online", "cash", "bank_transfer", "card", "agent")
OUTAGE_CAUSES = (
    "weather",
    "equipment",
    "vegetation",
    "animal",
    "third_party",
    "planned_maintenance",
    "unknown",
)
WORK_ORDER_CATEGORIES = (
    "complaint",
    "billing_dispute",
    "meter_fault",
    "outage_report",
    "new_connection",
    "reconnection",
    "disconnection_nonpayment",
    "payment_arrangement",
    "vegetation",
    "voltage_quality",
    "information_request",
    "other",
)
WORK_ORDER_CHANNELS = ("call_center", "ivr", "web", "app", "walk_in", "field")
WORK_ORDER_STATUSES = ("open", "closed", "cancelled")

TABLES: dict[str, dict[str, pl.DataType]] = {
    "customers": {
        "customer_id": ID,
        "customer_class": STR,
        "tariff_code": STR,
        "region": STR,
        "feeder_id": ID,
        "voltage_level": STR,
        "contracted_capacity_kva": FLOAT,
        "connected_on": DATE,
        "disconnected_on": DATE,
        "has_solar": BOOL,
        "payment_method": STR,
        "budget_billing": BOOL,
        "paperless": BOOL,
        "full_name": STR,
        "phone": STR,
        "email": STR,
        "address": STR,
        "updated_at": TS,
    },
    "bills": {
        "bill_id": ID,
        "revision": INT,
        "customer_id": ID,
        "period_start": DATE,
        "period_end": DATE,
        "kwh_total": FLOAT,
        "kwh_peak": FLOAT,
        "kwh_shoulder": FLOAT,
        "kwh_offpeak": FLOAT,
        "max_demand_kw": FLOAT,
        "amount_due": FLOAT,
        "due_date": DATE,
        "is_estimated": BOOL,
        "status": STR,
        "issued_at": TS,
    },
    "payments": {
        "payment_id": ID,
        "customer_id": ID,
        "bill_id": ID,
        "paid_at": TS,
        "amount": FLOAT,
        "channel": STR,
    },
    "outages": {
        "outage_id": ID,
        "feeder_id": ID,
        "region": STR,
        "started_at": TS,
        "restored_at": TS,
        "cause": STR,
        "is_planned": BOOL,
    },
    "outage_customers": {"outage_id": ID, "customer_id": ID},
    "work_orders": {
        "work_order_id": ID,
        "customer_id": ID,
        "opened_at": TS,
        "closed_at": TS,
        "category": STR,
        "channel": STR,
        "status": STR,
        "satisfaction_score": INT,
    },
    "meter_reads": {
        "customer_id": ID,
        "read_start": TS,
        "interval_minutes": INT,
        "kwh": FLOAT,
    },
}

# Columns that may hold nulls (`?` in the contract); everything else is always filled.
NULLABLE: dict[str, frozenset[str]] = {
    "customers": frozenset(
        {"contracted_capacity_kva", "disconnected_on", "full_name", "phone", "email", "address"}
    ),
    "bills": frozenset({"kwh_peak", "kwh_shoulder", "kwh_offpeak", "max_demand_kw"}),
    "payments": frozenset({"bill_id"}),
    "outages": frozenset({"restored_at"}),
    "outage_customers": frozenset(),
    "work_orders": frozenset({"closed_at", "satisfaction_score"}),
    "meter_reads": frozenset(),
}

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("customers", "customer_class"): CUSTOMER_CLASSES,
    ("customers", "voltage_level"): VOLTAGE_LEVELS,
    ("customers", "payment_method"): PAYMENT_METHODS,
    ("bills", "status"): BILL_STATUSES,
    ("payments", "channel"): PAYMENT_CHANNELS,
    ("outages", "cause"): OUTAGE_CAUSES,
    ("work_orders", "category"): WORK_ORDER_CATEGORIES,
    ("work_orders", "channel"): WORK_ORDER_CHANNELS,
    ("work_orders", "status"): WORK_ORDER_STATUSES,
}

PII_COLUMNS = ("full_name", "phone", "email", "address")

# Tables written every run; meter_reads only when AMI customers are requested.
CORE_TABLES = ("customers", "bills", "payments", "outages", "outage_customers", "work_orders")


def empty_frame(table: str) -> pl.DataFrame:
    """An empty frame with the table's exact contract schema."""
    return pl.DataFrame(schema=TABLES[table])


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select the contract columns in contract order, cast to contract dtypes."""
    schema = TABLES[table]
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
