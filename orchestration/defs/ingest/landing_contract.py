"""Landing-zone contract v1 (data contract, section 1) as data, for ingestion.

One entry per landing table: its columns in contract order and each column's logical type.
Ingestion checks file headers and column types against this and stores typed values; row-level
validity (enums, ranges, keys, unparseable values) is judged later in dbt staging, which
quarantines bad rows with a reason.
"""

from __future__ import annotations

# Logical types: id/str = text; date; ts = timestamp; float; int; bool.
LANDING_TABLES: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "id",
        "customer_class": "str",
        "tariff_code": "str",
        "region": "str",
        "feeder_id": "id",
        "voltage_level": "str",
        "contracted_capacity_kva": "float",
        "connected_on": "date",
        "disconnected_on": "date",
        "has_solar": "bool",
        "payment_method": "str",
        "budget_billing": "bool",
        "paperless": "bool",
        "full_name": "str",
        "phone": "str",
        "email": "str",
        "address": "str",
        "updated_at": "ts",
    },
    "bills": {
        "bill_id": "id",
        "revision": "int",
        "customer_id": "id",
        "period_start": "date",
        "period_end": "date",
        "kwh_total": "float",
        "kwh_peak": "float",
        "kwh_shoulder": "float",
        "kwh_offpeak": "float",
        "max_demand_kw": "float",
        "amount_due": "float",
        "due_date": "date",
        "is_estimated": "bool",
        "status": "str",
        "issued_at": "ts",
    },
    "payments": {
        "payment_id": "id",
        "customer_id": "id",
        "bill_id": "id",
        "paid_at": "ts",
        "amount": "float",
        "channel": "str",
    },
    "outages": {
        "outage_id": "id",
        "feeder_id": "id",
        "region": "str",
        "started_at": "ts",
        "restored_at": "ts",
        "cause": "str",
        "is_planned": "bool",
    },
    "outage_customers": {"outage_id": "id", "customer_id": "id"},
    "work_orders": {
        "work_order_id": "id",
        "customer_id": "id",
        "opened_at": "ts",
        "closed_at": "ts",
        "category": "str",
        "channel": "str",
        "status": "str",
        "satisfaction_score": "int",
    },
    "meter_reads": {
        "customer_id": "id",
        "read_start": "ts",
        "interval_minutes": "int",
        "kwh": "float",
    },
}

PII_COLUMNS = ("full_name", "phone", "email", "address")

# Warehouse type of each logical type in raw.<table>.
SQL_TYPES = {
    "id": "VARCHAR",
    "str": "VARCHAR",
    "date": "DATE",
    "ts": "TIMESTAMP",
    "float": "DOUBLE",
    "int": "INTEGER",
    "bool": "BOOLEAN",
}

LINEAGE_COLUMNS = {
    # JSON object of the supplied text of every value that did not parse as its type (the typed
    # column holds null): nothing received is lost, and staging quarantines the row with a reason.
    "_unparsed": "VARCHAR",
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
    "ts": (
        "TIMESTAMP",
        "TIMESTAMP_NS",
        "TIMESTAMP_MS",
        "TIMESTAMP_S",
        "TIMESTAMP WITH TIME ZONE",
        "DATE",
        "VARCHAR",
    ),
    "float": ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT"),
    "int": (
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "UBIGINT",
        "UINTEGER",
        "USMALLINT",
        "UTINYINT",
    ),
    "bool": ("BOOLEAN", "VARCHAR", "BIGINT", "INTEGER", "TINYINT"),
}

# How a text value `{v}` becomes the logical type (null when it does not parse).
TEXT_PARSERS: dict[str, str] = {
    "date": "try_cast(trim({v}) as date)",
    "ts": "try_cast(trim({v}) as timestamp)",
    "float": "try_cast(trim({v}) as double)",
    "int": "try_cast(trim({v}) as integer)",
    "bool": (
        "case lower(trim({v})) when 'true' then true when '1' then true when 'y' then true "
        "when 'yes' then true when 't' then true when 'false' then false when '0' then false "
        "when 'n' then false when 'no' then false when 'f' then false end"
    ),
}
