"""Landing-zone contract v1 (docs/data-contract.md, section 1) as data, for ingestion.

One entry per landing table: its columns in contract order and each column's logical type.
Ingestion checks file headers and column types against this; row-level validity (enums,
ranges, keys) is judged later in dbt staging, which quarantines bad rows with a reason.
"""

from __future__ import annotations

# Logical types: id/str = text; date; ts = timestamp; float; int; bool.
LANDING_TABLES: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "id", "customer_class": "str", "tariff_code": "str", "region": "str",
        "feeder_id": "id", "voltage_level": "str", "contracted_capacity_kva": "float",
        "connected_on": "date", "disconnected_on": "date", "has_solar": "bool",
        "payment_method": "str", "budget_billing": "bool", "paperless": "bool",
        "full_name": "str", "phone": "str", "email": "str", "address": "str", "updated_at": "ts",
    },
    "bills": {
        "bill_id": "id", "revision": "int", "customer_id": "id", "period_start": "date",
        "period_end": "date", "kwh_total": "float", "kwh_peak": "float", "kwh_shoulder": "float",
        "kwh_offpeak": "float", "max_demand_kw": "float", "amount_due": "float", "due_date": "date",
        "is_estimated": "bool", "status": "str", "issued_at": "ts",
    },
    "payments": {
        "payment_id": "id", "customer_id": "id", "bill_id": "id", "paid_at": "ts",
        "amount": "float", "channel": "str",
    },
    "outages": {
        "outage_id": "id", "feeder_id": "id", "region": "str", "started_at": "ts",
        "restored_at": "ts", "cause": "str", "is_planned": "bool",
    },
    "outage_customers": {"outage_id": "id", "customer_id": "id"},
    "work_orders": {
        "work_order_id": "id", "customer_id": "id", "opened_at": "ts", "closed_at": "ts",
        "category": "str", "channel": "str", "status": "str", "satisfaction_score": "int",
    },
    "meter_reads": {
        "customer_id": "id", "read_start": "ts", "interval_minutes": "int", "kwh": "float",
    },
}

PII_COLUMNS = ("full_name", "phone", "email", "address")

LINEAGE_COLUMNS = {
    "_source_file": "VARCHAR",  # file name inside the table's landing folder
    "_batch_id": "VARCHAR",  # first 16 hex digits of the file's SHA-256: same content, same batch
    "_batch_seq": "BIGINT",  # load order: later batches win re-sent rows
    "_row_number": "BIGINT",  # 1-based data row within the file
    "_loaded_at": "TIMESTAMP",
}

# DuckDB types a Parquet column may have for each logical type (CSV columns are all text and
# are judged by their values instead).
PARQUET_TYPES: dict[str, tuple[str, ...]] = {
    "id": ("VARCHAR", "BIGINT", "INTEGER"),
    "str": ("VARCHAR",),
    "date": ("DATE", "TIMESTAMP", "VARCHAR"),
    "ts": ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE",
           "DATE", "VARCHAR"),
    "float": ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT"),
    "int": ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"),
    "bool": ("BOOLEAN", "VARCHAR", "BIGINT", "INTEGER", "TINYINT"),
}

# How to test that a text value parses as the logical type (DuckDB SQL on column `v`).
TEXT_PARSES: dict[str, str] = {
    "date": "try_cast(v as date) is not null",
    "ts": "try_cast(v as timestamp) is not null",
    "float": "try_cast(v as double) is not null",
    "int": "try_cast(v as bigint) is not null",
    "bool": "lower(trim(v)) in ('true', 'false', '1', '0', 'y', 'n', 'yes', 'no', 't', 'f')",
}
