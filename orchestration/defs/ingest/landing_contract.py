"""The landing contract (contract/landing.yaml) as ingestion uses it: warehouse types of the raw
tables, the Parquet types each logical type may arrive as, and the lineage columns.

Ingestion checks file headers and column types against the contract and judges every value's
domain (numbers: parse, finite, in range, integral; timestamps: offsets converted to the
utility's zone): a value outside it is stored as null with its text in `_unparsed`, and staging
quarantines the row with a reason. Enums, keys and cross-column rules are judged in staging.
"""

from __future__ import annotations

from contract import landing_contract

CONTRACT = landing_contract()

# Logical type of every column, per table, in contract order.
LANDING_TABLES: dict[str, dict[str, str]] = {
    table: {name: column.type for name, column in spec.columns.items()}
    for table, spec in CONTRACT.tables.items()
}

PII_COLUMNS = CONTRACT.tables["customers"].pii_columns

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
    # JSON object of the supplied text of every value that did not parse as its type or lies
    # outside the contract's domain (the typed column holds null): nothing received is lost,
    # and staging quarantines the row with a reason.
    "_unparsed": "VARCHAR",
    "_source_file": "VARCHAR",  # file name inside the table's landing folder
    "_batch_id": "VARCHAR",  # first 16 hex digits of the file's SHA-256: same content, same batch
    "_batch_seq": "BIGINT",  # load order: later batches win re-sent rows
    "_row_number": "BIGINT",  # 1-based data row within the file
    "_loaded_at": "TIMESTAMP",
}

_INTEGERS = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")
_UNSIGNED = ("UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")
_NAIVE_TIMESTAMPS = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")
TIMESTAMP_WITH_ZONE = "TIMESTAMP WITH TIME ZONE"

# DuckDB types a Parquet column may have for each logical type (CSV columns are all text and
# are judged by their values instead).
PARQUET_TYPES: dict[str, tuple[str, ...]] = {
    "id": ("VARCHAR", *_INTEGERS),
    "str": ("VARCHAR",),
    "date": ("DATE", *_NAIVE_TIMESTAMPS, TIMESTAMP_WITH_ZONE, "VARCHAR"),
    "ts": (*_NAIVE_TIMESTAMPS, TIMESTAMP_WITH_ZONE, "DATE", "VARCHAR"),
    "float": ("DOUBLE", "FLOAT", "DECIMAL", *_INTEGERS, *_UNSIGNED),
    # a float column holding whole numbers is accepted: each value is judged to be integral
    "int": (*_INTEGERS, *_UNSIGNED, "DOUBLE", "FLOAT", "DECIMAL"),
    "bool": ("BOOLEAN", "VARCHAR", *_INTEGERS),
}
