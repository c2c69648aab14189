"""The landing contract (contract/landing.yaml) as the generator writes it: polars dtypes,
nullable columns and enum codes.

Grain: one entry per landing table; each column maps to the polars dtype the generator writes.
Derived from the contract file, so the generator and ingest cannot drift apart.
"""

from __future__ import annotations

import polars as pl

from contract import landing_contract

DTYPES: dict[str, pl.DataType] = {
    "id": pl.String,
    "str": pl.String,
    "date": pl.Date,
    "ts": pl.Datetime("us"),
    "float": pl.Float64,
    "int": pl.Int32,
    "bool": pl.Boolean,
}

_CONTRACT = landing_contract().tables

TABLES: dict[str, dict[str, pl.DataType]] = {
    table: {name: DTYPES[column.type] for name, column in spec.columns.items()}
    for table, spec in _CONTRACT.items()
}

# Columns that may hold nulls (`?` in the contract); everything else is always filled.
NULLABLE: dict[str, frozenset[str]] = {
    table: frozenset(name for name, column in spec.columns.items() if column.nullable)
    for table, spec in _CONTRACT.items()
}

# Text enums (interval_minutes, an integer code, is drawn by the meter-read writer).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    (table, name): column.enum
    for table, spec in _CONTRACT.items()
    for name, column in spec.columns.items()
    if column.enum and column.type == "str"
}

CUSTOMER_CLASSES = ENUMS["customers", "customer_class"]
VOLTAGE_LEVELS = ENUMS["customers", "voltage_level"]
PAYMENT_METHODS = ENUMS["customers", "payment_method"]
BILL_STATUSES = ENUMS["bills", "status"]
PAYMENT_CHANNELS = ENUMS["payments", "channel"]
OUTAGE_CAUSES = ENUMS["outages", "cause"]
WORK_ORDER_CATEGORIES = ENUMS["work_orders", "category"]
WORK_ORDER_CHANNELS = ENUMS["work_orders", "channel"]
WORK_ORDER_STATUSES = ENUMS["work_orders", "status"]

PII_COLUMNS = _CONTRACT["customers"].pii_columns

# Tables written every run; meter_reads only when AMI customers are requested, campaigns (contract
# v2) only when campaigns are planted.
CORE_TABLES = tuple(t for t in TABLES if t not in ("meter_reads", "campaigns"))


def empty_frame(table: str) -> pl.DataFrame:
    """An empty frame with the table's exact contract schema."""
    return pl.DataFrame(schema=TABLES[table])


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select the contract columns in contract order, cast to contract dtypes."""
    schema = TABLES[table]
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
