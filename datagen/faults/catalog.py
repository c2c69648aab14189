"""What can go wrong in a landing file: row-fault kinds per table and the bad-file kinds.

Grain: one entry per (table, row-fault kind) saying which column it spoils, and one per
bad-file kind. Invalid enum values are plausible mistakes (legacy codes, typos of other
systems), never values of the contract's enums.
"""

from __future__ import annotations

# Row faults that change an existing row in place.
MUTATING = (
    "negative_kwh",
    "tou_mismatch",
    "bad_date",
    "future_timestamp",
    "invalid_enum",
    "bad_number",
    "pii_in_field",
)
# Row faults that add a row to the file.
ADDITIVE = ("unknown_customer", "duplicate_key_conflict", "exact_duplicate")
ROW_KINDS = MUTATING + ADDITIVE

# table -> kind -> the column it spoils (None = the whole row).
ROW_FAULTS: dict[str, dict[str, str | None]] = {
    "customers": {
        "invalid_enum": "payment_method",
        "pii_in_field": "region",
        "bad_date": "disconnected_on",
        "duplicate_key_conflict": "payment_method",
        "exact_duplicate": None,
    },
    "bills": {
        "negative_kwh": "kwh_total",
        "bad_number": "amount_due",
        "tou_mismatch": "kwh_peak",
        "unknown_customer": "customer_id",
        "bad_date": "period_end",
        "future_timestamp": "issued_at",
        "duplicate_key_conflict": "amount_due",
        "invalid_enum": "status",
        "exact_duplicate": None,
    },
    "payments": {
        "unknown_customer": "customer_id",
        "bad_number": "amount",
        "bad_date": "paid_at",
        "future_timestamp": "paid_at",
        "duplicate_key_conflict": "amount",
        "invalid_enum": "channel",
        "exact_duplicate": None,
    },
    "outages": {"invalid_enum": "cause", "bad_date": "restored_at", "exact_duplicate": None},
    "outage_customers": {"unknown_customer": "customer_id", "exact_duplicate": None},
    "work_orders": {
        "unknown_customer": "customer_id",
        "bad_date": "closed_at",
        "future_timestamp": "opened_at",
        "invalid_enum": "category",
        "exact_duplicate": None,
    },
    "meter_reads": {
        "negative_kwh": "kwh",
        "bad_number": "kwh",
        "unknown_customer": "customer_id",
        "exact_duplicate": None,
    },
}
# Logically bad dates: customers disconnected before connecting, bills ending before they
# start, payments on the legacy 1900-01-01 sentinel, outages and cases closed before opening.
# In CSV files, half of the bad dates are unparseable text in this column instead.
UNPARSEABLE_COLUMN = {
    "bills": "period_end",
    "payments": "paid_at",
    "outages": "started_at",
    "work_orders": "opened_at",
    "customers": "connected_on",
}
UNPARSEABLE_DATES = ("2023-02-30", "31/01/2024", "not a date", "2024-13-01", "15.01.2024")
SENTINEL_DATE = "1900-01-01"
# Key columns that identify a row of each table in the ledger.
KEYS = {
    "customers": ("customer_id", "updated_at"),
    "bills": ("bill_id", "revision"),
    "payments": ("payment_id",),
    "outages": ("outage_id",),
    "outage_customers": ("outage_id", "customer_id"),
    "work_orders": ("work_order_id",),
    "meter_reads": ("customer_id", "read_start"),
}
# Id kinds (see datagen.ids) of keys that an unknown-customer row needs fresh.
FRESH_KEY = {
    "bills": ("bill_id", "bill"),
    "payments": ("payment_id", "payment"),
    "work_orders": ("work_order_id", "work_order"),
}

INVALID_ENUM_VALUES = {
    "payment_method": ("cheque", "paypal", "DD"),
    "status": ("paid", "void", "reversed"),
    "channel": ("cheque", "paypal", "post_office"),
    "category": ("refund_request", "tree_trimming", "misc"),
    "cause": ("lightning", "storm_damage", "n/a"),
}
# Numbers no utility system means: NaN and infinities as exports write them, and magnitudes
# beyond the contract's range (an amount of 1e16; a meter interval of 1e12 kWh).
BAD_NUMBERS = (float("nan"), float("inf"), float("-inf"), 1e16, -1e16, 1e12)
FUTURE_YEARS = (5, 12)  # future timestamps are 5-12 years after the real one

BAD_FILE_KINDS = (
    "ragged_row",  # CSV with a row of too many fields
    "non_utf8",  # CSV encoded in Latin-1 with accented names
    "empty_file",  # 0 bytes
    "truncated_parquet",  # the first half of a parquet file
    "missing_column",
    "extra_column",
    "renamed_column",
    "wrong_type",  # a numeric column holding text ("abc")
)
# Bad-file kind -> tables it may hit (None = any table of the run).
BAD_FILE_TABLES: dict[str, tuple[str, ...] | None] = {
    "non_utf8": ("customers",),
    "wrong_type": ("bills", "payments", "meter_reads"),
    "renamed_column": ("bills", "payments", "work_orders"),
}
WRONG_TYPE_COLUMN = {"bills": "kwh_total", "payments": "amount", "meter_reads": "kwh"}
RENAMED_COLUMN = {
    "bills": ("kwh_total", "kwh"),
    "payments": ("amount", "amt"),
    "work_orders": ("category", "case_type"),
}
EXTRA_COLUMN = "loyalty_tier"
