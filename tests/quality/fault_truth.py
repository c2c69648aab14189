"""What the quarantine should hold, derived from the generator's fault ledger (faults.json)
and the rows that landed in raw: the expected reason code of every received row.

Grain: one expected outcome per (table, source file, row number). Decisions encoded here are
the project's, documented in docs/data-quality.md:
- a key conflict quarantines both rows (the injected one and the original it copies);
- an exact duplicate is accepted once and counted as a duplicate, never quarantined;
- a row whose customer has no valid master row is `unknown_customer` unless it has a fault of
  its own that staging checks first (customer-master reasons come last): that covers phantom
  customers that never arrive and real customers whose only master rows are themselves bad;
  rows of a phantom customer that arrived in a later customers file are accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

CUSTOMER_TABLES = ("bills", "payments", "work_orders", "outage_customers", "meter_reads")
# Kinds whose outcome depends on the customer master (staging checks them last).
MASTER_DEPENDENT = ["exact_duplicate", "negative_kwh", "unknown_customer"]


def ledger(truth: Path) -> dict:
    return json.loads((Path(truth) / "faults.json").read_text())


def ledger_rows(faults: dict) -> pl.DataFrame:
    """One row per faulty landing row: table, source_file, row_number, kind (originals of key
    conflicts included, as kind duplicate_key_conflict)."""
    rows = []
    for r in faults["row_faults"]:
        name = Path(r["file"]).name
        rows.append((r["table"], name, r["row_number"], r["kind"]))
        if r["kind"] == "duplicate_key_conflict":
            rows.append((r["table"], name, r["copy_of_row"] + 1, "duplicate_key_conflict"))
    frame = pl.DataFrame(
        rows, schema=["table_name", "source_file", "row_number", "kind"], orient="row"
    )
    return frame.unique(["table_name", "source_file", "row_number"], keep="first")


def expected_outcomes(raw: dict[str, pl.DataFrame], faults: dict) -> pl.DataFrame:
    """Expected reason (null = accepted) and exact-duplicate flag of every raw row.

    `raw[table]` has customer_id (where the table has one), _source_file and _row_number.
    """
    spoiled = ledger_rows(faults)
    frames = []
    for table, rows in raw.items():
        keyed = rows.select(
            pl.lit(table).alias("table_name"),
            pl.col("_source_file").alias("source_file"),
            pl.col("_row_number").alias("row_number"),
            (
                pl.col("customer_id") if "customer_id" in rows.columns else pl.lit(None, pl.String)
            ).alias("customer_id"),
        )
        frames.append(keyed)
    rows = pl.concat(frames).join(
        spoiled, on=["table_name", "source_file", "row_number"], how="left"
    )
    valid_master = rows.filter(
        (pl.col("table_name") == "customers")
        & (pl.col("kind").is_null() | (pl.col("kind") == "exact_duplicate"))
    )
    known = set(valid_master["customer_id"].to_list())
    orphan = (
        pl.col("table_name").is_in(CUSTOMER_TABLES)
        & ~pl.col("customer_id").is_in(list(known))
        & (pl.col("kind").is_null() | pl.col("kind").is_in(MASTER_DEPENDENT))
    )
    # a phantom customer that arrived later is known by now: its rows are accepted
    lifted = pl.col("kind").is_in(["exact_duplicate", "unknown_customer"])
    return rows.with_columns(
        expected_reason=pl.when(orphan)
        .then(pl.lit("unknown_customer"))
        .when(lifted)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("kind")),
        expected_duplicate=(pl.col("kind") == "exact_duplicate").fill_null(False),
    )
