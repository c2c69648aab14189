"""Reasons a service agent reads aloud: one short sentence with the figures, written only for
the rows where a signal fires (a few per cent), so a month of 1M customers formats little."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl


def amount(value: float) -> str:
    """A currency amount as the bills print it: 1,234.50."""
    return f"{value:,.2f}"


def kwh(value: float) -> str:
    """kWh, whole: 7,200 kWh."""
    return f"{value:,.0f} kWh"


def pct(share: float) -> str:
    """A share 0-1 as a whole percentage: 0.423 -> 42%."""
    return f"{share * 100:.0f}%"


def with_reason(
    frame: pl.DataFrame,
    fired: str,
    name: str,
    sentence: Callable[[dict], str],
    columns: list[str],
) -> pl.DataFrame:
    """`frame` with column `name`: `sentence(row)` where boolean column `fired` is true, null
    elsewhere; `row` holds the `columns` the sentence reads (only those are converted to
    Python: a month of 30,000 customers has ~40,000 reasons)."""
    rows = frame.select(pl.arg_where(pl.col(fired).fill_null(False))).to_series()
    texts = [sentence(row) for row in frame.select(columns)[rows].iter_rows(named=True)]
    column = pl.Series(name, [None] * frame.height, dtype=pl.String)
    if texts:
        column = column.scatter(rows, pl.Series(texts, dtype=pl.String))
    return frame.with_columns(column)
