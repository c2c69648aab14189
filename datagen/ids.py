"""Identifier formats of the source systems: prefix + zero-padded 1-based number.

Grain: one format per entity. Internally every entity is a 0-based integer; strings are made
only when a frame is written. `C0000001` is customer index 0.
"""

from __future__ import annotations

import numpy as np
import polars as pl

FORMATS = {
    "customer": ("C", 7),
    "feeder": ("F", 4),
    "bill": ("B", 10),
    "payment": ("P", 11),
    "outage": ("O", 8),
    "work_order": ("W", 9),
}


def id_expr(kind: str, column: str) -> pl.Expr:
    """Expression turning 0-based integer column `column` into `kind` ids (nulls stay null)."""
    prefix, width = FORMATS[kind]
    number = (pl.col(column).cast(pl.Int64) + 1).cast(pl.String).str.zfill(width)
    return pl.concat_str(pl.lit(prefix), number)


def format_ids(kind: str, numbers: np.ndarray) -> pl.Series:
    """The `kind` ids of 0-based integers `numbers`."""
    frame = pl.DataFrame({"n": np.asarray(numbers, dtype=np.int64)})
    return frame.select(id_expr(kind, "n").alias(kind)).to_series()


def parse_ids(kind: str, ids: pl.Series) -> np.ndarray:
    """Inverse of `format_ids` (used by tests and fault injection)."""
    prefix, _ = FORMATS[kind]
    return (ids.str.strip_prefix(prefix).cast(pl.Int64) - 1).to_numpy()
