"""An independent row validator for landing files (tests only): which rows break the contract.

Grain: one call per file; returns {row_index: reason}. Written from the contract text, not
from the generator's code, so that the fault ledger can be checked against it both ways.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

ENUMS = {
    "customers": {
        "payment_method": {"direct_debit", "online", "cash", "bank_transfer", "card"},
        "customer_class": {
            "residential",
            "commercial",
            "industrial",
            "agricultural",
            "public_sector",
        },
        "voltage_level": {"LV", "MV", "HV"},
    },
    "bills": {"status": {"issued", "cancelled"}},
    "payments": {"channel": {"direct_debit", "online", "cash", "bank_transfer", "card", "agent"}},
    "outages": {
        "cause": {
            "weather",
            "equipment",
            "vegetation",
            "animal",
            "third_party",
            "planned_maintenance",
            "unknown",
        }
    },
    "work_orders": {
        "category": {
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
        },
        "channel": {"call_center", "ivr", "web", "app", "walk_in", "field"},
        "status": {"open", "closed", "cancelled"},
    },
}
KEYS = {
    "customers": ["customer_id", "updated_at"],
    "bills": ["bill_id", "revision"],
    "payments": ["payment_id"],
}
TIMES = {
    "customers": ["connected_on", "disconnected_on", "updated_at"],
    "bills": ["period_start", "period_end", "due_date", "issued_at"],
    "payments": ["paid_at"],
    "outages": ["started_at", "restored_at"],
    "work_orders": ["opened_at", "closed_at"],
    "meter_reads": ["read_start"],
}
# Money and energy columns and the largest magnitude the contract accepts (data-contract.md).
NUMBERS = {
    "bills": {"kwh_total": 1e9, "amount_due": 1e10},
    "payments": {"amount": 1e10},
    "meter_reads": {"kwh": 1e6},
}
ORDERED = {
    "customers": ("connected_on", "disconnected_on"),
    "bills": ("period_start", "period_end"),
    "outages": ("started_at", "restored_at"),
    "work_orders": ("opened_at", "closed_at"),
}


def _as_time(values: pl.Series) -> pl.Series:
    if values.dtype == pl.String:
        return values.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).fill_null(
            values.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
        )
    return values.cast(pl.Datetime("us"))


def bad_rows(
    table: str,
    frame: pl.DataFrame,
    known_customers: set[str],
    solar_customers: set[str],
    latest_ok: dt.datetime,
) -> dict[int, str]:
    """Rows of one file that break the contract (or reference unknown customers)."""
    reasons: dict[int, str] = {}

    def flag(mask: pl.Series, reason: str) -> None:
        for i in mask.arg_true().to_list():
            reasons.setdefault(i, reason)

    if table == "customers":  # a name, phone, email or address typed into another field
        for field in ("region", "tariff_code", "feeder_id"):
            value = frame[field].str.strip_chars().str.to_lowercase()
            for pii in ("full_name", "phone", "email", "address"):
                own = frame[pii].str.strip_chars().str.to_lowercase()
                flag((value == own).fill_null(False), "pii_in_field")
    for column, limit in NUMBERS.get(table, {}).items():
        value = frame[column].cast(pl.Float64, strict=False)
        flag((~value.is_finite() | (value.abs() > limit)).fill_null(False), "bad_number")
    for column, allowed in ENUMS.get(table, {}).items():
        flag(~frame[column].is_in(list(allowed)) & frame[column].is_not_null(), "invalid_enum")
    earliest = dt.datetime(1950, 1, 1)
    for column in TIMES.get(table, []):
        raw = frame[column]
        parsed = _as_time(raw)
        flag(raw.is_not_null() & parsed.is_null(), "bad_date")
        flag(parsed < earliest, "bad_date")
        flag(parsed > latest_ok, "future_timestamp")
    if table in ORDERED:
        first, second = (_as_time(frame[c]) for c in ORDERED[table])
        flag((second < first).fill_null(False), "bad_date")
    if table != "customers" and "customer_id" in frame.columns:  # customers files add ids
        flag(~frame["customer_id"].is_in(list(known_customers)), "unknown_customer")
    if table in ("bills", "meter_reads"):
        column = "kwh_total" if table == "bills" else "kwh"
        kwh = frame[column].cast(pl.Float64)
        flag((kwh < 0) & ~frame["customer_id"].is_in(list(solar_customers)), "negative_kwh")
    if table == "bills":
        parts = [frame[c].cast(pl.Float64) for c in ("kwh_peak", "kwh_shoulder", "kwh_offpeak")]
        total = frame["kwh_total"].cast(pl.Float64)
        gap = (parts[0] + parts[1] + parts[2] - total).abs()
        flag((gap > 0.01 * total.abs()).fill_null(False), "tou_mismatch")
    flag(~frame.select(pl.struct(pl.all()).is_first_distinct()).to_series(), "exact_duplicate")
    if table in KEYS:
        key_dup = frame.select(pl.struct(KEYS[table]).is_duplicated()).to_series()
        flag(key_dup & ~frame.is_duplicated(), "duplicate_key_conflict")
    return reasons
