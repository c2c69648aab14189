"""Plans and applies the row faults of one landing file and reports where they ended up.

Grain: one call per file. Faults hit distinct clean rows: mutating kinds spoil a row in
place, additive kinds (exact duplicates, key conflicts, unknown customers) insert a changed
copy at a random position. The returned records give each fault's final 0-based row index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from datagen.contract import PAYMENT_METHODS
from datagen.faults.catalog import FRESH_KEY, KEYS, MUTATING, ROW_FAULTS, UNPARSEABLE_COLUMN
from datagen.faults.row_mutations import MUTATIONS, eligible, unparseable
from datagen.ids import format_ids


@dataclass(frozen=True)
class FaultContext:
    """What the faults need from the run: solar flags, fresh ids and phantom customers."""

    has_solar: Callable[[pl.Series], np.ndarray]  # customer_id -> has_solar (False if unknown)
    fresh_number: Callable[[str, int], np.ndarray]  # id kind, count -> unused numbers
    phantoms: Callable[[int], np.ndarray]  # count -> customer numbers not in the master
    csv: bool


def plan_counts(rng: np.random.Generator, table: str, n_rows: int, rate: float) -> dict:
    """How many faults of each kind this file gets (~rate of its rows, kinds uniform). A file
    with at least as many faults as kinds gets one of each first, so that every kind is
    planted in a small run too, whatever the draws of the generator's other tables."""
    kinds = list(ROW_FAULTS[table])
    total = min(rng.binomial(n_rows, rate), n_rows // 3)
    each = 1 if total >= len(kinds) else 0
    drawn = rng.integers(0, len(kinds), total - each * len(kinds))
    return {kind: each + int((drawn == i).sum()) for i, kind in enumerate(kinds)}


def inject_rows(
    frame: pl.DataFrame,
    table: str,
    counts: dict[str, int],
    rng: np.random.Generator,
    ctx: FaultContext,
) -> tuple[pl.DataFrame, list[dict]]:
    """Apply `counts` faults to `frame`; return the new frame and one record per fault."""
    n = frame.height
    pool = rng.permutation(n)
    used = np.zeros(n, dtype=bool)
    kind_of = np.full(n, None, dtype=object)
    solar = ctx.has_solar(frame["customer_id"]) if "customer_id" in frame.columns else None
    unparseable_rows = []
    for kind in (k for k in MUTATING if counts.get(k)):
        ok = eligible(frame, table, kind, solar if solar is not None else np.zeros(n, bool))
        rows = pool[ok[pool] & ~used[pool]][: counts[kind]]
        if ctx.csv and kind == "bad_date" and len(rows) > 1:
            unparseable_rows, rows = rows[: len(rows) // 2], rows[len(rows) // 2 :]
            kind_of[unparseable_rows], used[unparseable_rows] = kind, True
        frame = MUTATIONS[kind](frame, table, rows, rng)
        used[rows], kind_of[rows] = True, kind
    added, sources, added_kinds = [], [], []
    for kind in ("exact_duplicate", "duplicate_key_conflict", "unknown_customer"):
        k = counts.get(kind, 0)
        src = pool[~used[pool]][:k]
        if not len(src):
            continue
        used[src] = True
        copy = _changed_copy(frame[src], table, kind, rng, ctx)
        added.append(copy)
        sources.append(src)
        added_kinds += [kind] * len(src)
    marks = pl.Series("_kind", kind_of.tolist(), dtype=pl.String)
    whole = frame.with_columns(
        marks, _ref=pl.lit(None, pl.Int64), _key=pl.Series(np.arange(n, dtype=np.float64))
    )
    if added:
        src = np.concatenate(sources)
        extra = pl.concat(added).with_columns(
            _kind=pl.Series(added_kinds, dtype=pl.String),
            _ref=pl.Series(src),
            _key=pl.Series(rng.uniform(-0.5, n - 0.5, len(src)) + 1e-9),
        )
        whole = pl.concat([whole, extra], how="vertical")
    whole = whole.sort("_key", maintain_order=True).with_row_index("_row")
    # Original rows keep their relative order: position of original row i after insertion.
    position = whole.filter(pl.col("_ref").is_null())["_row"].to_numpy().astype(np.int64)
    garbled = position[np.asarray(unparseable_rows, dtype=np.int64)]
    if len(garbled):
        whole = unparseable(whole, UNPARSEABLE_COLUMN[table], garbled, rng)
    return whole.drop("_kind", "_ref", "_key", "_row"), _records(whole, table, position, garbled)


def _changed_copy(rows: pl.DataFrame, table: str, kind: str, rng, ctx) -> pl.DataFrame:
    """The rows an additive fault inserts: identical, same key with another value, or the
    same row for a customer the master does not know (with a fresh key of its own)."""
    n = rows.height
    if kind == "exact_duplicate":
        return rows
    if kind == "duplicate_key_conflict":
        column = ROW_FAULTS[table][kind]
        if column == "payment_method":
            codes = rows[column].map_elements(PAYMENT_METHODS.index, pl.Int64).to_numpy()
            other = [PAYMENT_METHODS[(c + 1) % len(PAYMENT_METHODS)] for c in codes]
            return rows.with_columns(pl.Series(column, other))
        factor = rng.uniform(1.1, 1.5, n) if column == "amount_due" else rng.uniform(0.5, 0.9, n)
        return rows.with_columns(pl.Series(column, np.round(rows[column].to_numpy() * factor, 2)))
    changed = rows.with_columns(customer_id=format_ids("customer", ctx.phantoms(n)))
    if table in FRESH_KEY:
        column, id_kind = FRESH_KEY[table]
        changed = changed.with_columns(
            format_ids(id_kind, ctx.fresh_number(id_kind, n)).alias(column)
        )
    if table == "payments":
        changed = changed.with_columns(bill_id=pl.lit(None, pl.String))
    return changed


def _records(
    whole: pl.DataFrame, table: str, position: np.ndarray, garbled: np.ndarray
) -> list[dict]:
    """One ledger record per faulty row: final index, kind, column, key, related row."""
    spoiled = whole.filter(pl.col("_kind").is_not_null())
    keys = [c for c in KEYS[table] if c in whole.columns]
    garbled_rows = set(garbled.tolist())
    records = []
    for row in spoiled.select("_row", "_kind", "_ref", *keys).iter_rows(named=True):
        index, kind = int(row["_row"]), row["_kind"]
        record = {
            "row_index": index,
            "row_number": index + 1,
            "kind": kind,
            "column": ROW_FAULTS[table][kind],
            "key": {k: str(row[k]) for k in keys},
        }
        if index in garbled_rows:
            record.update(column=UNPARSEABLE_COLUMN[table], detail="unparseable text")
        if row["_ref"] is not None:
            record["copy_of_row"] = int(position[row["_ref"]])
            if kind == "exact_duplicate" and record["copy_of_row"] > index:
                # identical rows: the later one is the duplicate
                later = record["copy_of_row"]
                record.update(row_index=later, row_number=later + 1, copy_of_row=index)
        records.append(record)
    return records
