"""Spoil chosen rows of a landing frame in place, one function per mutating fault kind.

Grain: each function takes the frame, the row positions to spoil and a generator, and returns
the frame with only those rows changed. Parquet gets logically bad values; `unparseable`
turns a date/timestamp column into text so CSV files can carry dates no parser accepts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen.faults.catalog import (
    BAD_NUMBERS,
    FUTURE_YEARS,
    INVALID_ENUM_VALUES,
    ROW_FAULTS,
    SENTINEL_DATE,
    UNPARSEABLE_DATES,
)
from datagen.writer import DATE_FORMAT, DATETIME_FORMAT


def _set(frame: pl.DataFrame, column: str, rows: np.ndarray, values) -> pl.DataFrame:
    series = frame[column].scatter(rows, pl.Series(values, dtype=frame.schema[column]))
    return frame.with_columns(series)


def negative_kwh(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """Flip energy to negative (TOU parts too, so only the sign is wrong)."""
    columns = (
        ["kwh_total", "kwh_peak", "kwh_shoulder", "kwh_offpeak"] if table == "bills" else ["kwh"]
    )
    for column in columns:
        frame = _set(frame, column, rows, -frame[column].gather(rows).abs())
    return frame


def tou_mismatch(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """Inflate the peak part so the parts miss the total by well over 1%."""
    peak, total = frame["kwh_peak"].gather(rows), frame["kwh_total"].gather(rows)
    bump = np.maximum(0.3 * peak.abs().to_numpy(), 0.05 * total.abs().to_numpy() + 1.0)
    return _set(frame, "kwh_peak", rows, np.round(peak.to_numpy() + bump, 1))


def bad_date(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """A date that cannot be true (see catalog for each table's variant)."""
    n = len(rows)
    if table == "bills":  # period ends before it starts
        start, end = frame["period_start"].gather(rows), frame["period_end"].gather(rows)
        return _set(_set(frame, "period_start", rows, end), "period_end", rows, start)
    if table == "customers":  # disconnected before connected
        days = pl.Series(rng.integers(30, 400, n) * 86_400_000_000, dtype=pl.Duration("us"))
        when = frame["connected_on"].gather(rows).cast(pl.Datetime("us")) - days
        return _set(frame, "disconnected_on", rows, when.dt.date())
    if table == "payments":  # legacy null sentinel
        return _set(frame, "paid_at", rows, np.full(n, np.datetime64(SENTINEL_DATE, "us")))
    start_column = {"outages": "started_at", "work_orders": "opened_at"}[table]
    end_column = ROW_FAULTS[table]["bad_date"]
    minutes = pl.Series(rng.integers(10, 48 * 60, n) * 60_000_000, dtype=pl.Duration("us"))
    return _set(frame, end_column, rows, frame[start_column].gather(rows) - minutes)


def future_timestamp(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """A timestamp years after the data window (a case's closing moves along with it)."""
    days = rng.integers(FUTURE_YEARS[0] * 365, FUTURE_YEARS[1] * 365, len(rows))
    shift = pl.Series(days * 86_400_000_000, dtype=pl.Duration("us"))
    columns = [ROW_FAULTS[table]["future_timestamp"]]
    if table == "work_orders":
        columns.append("closed_at")
    for column in columns:
        frame = _set(frame, column, rows, frame[column].gather(rows) + shift)
    return frame


def invalid_enum(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """A code outside the contract's enum."""
    column = ROW_FAULTS[table]["invalid_enum"]
    choices = INVALID_ENUM_VALUES[column]
    return _set(frame, column, rows, [choices[i] for i in rng.integers(0, len(choices), len(rows))])


def bad_number(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """NaN, an infinity or a magnitude outside the contract's range."""
    column = ROW_FAULTS[table]["bad_number"]
    picks = rng.integers(0, len(BAD_NUMBERS), len(rows))
    return _set(frame, column, rows, [BAD_NUMBERS[i] for i in picks])


def pii_in_field(frame: pl.DataFrame, table: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """The customer's name typed into region (a clerk's slip in the CIS)."""
    return _set(frame, "region", rows, frame["full_name"].gather(rows))


def unparseable(frame: pl.DataFrame, column: str, rows: np.ndarray, rng) -> pl.DataFrame:
    """Render `column` as text (as the CSV writer would) and put garbage dates in `rows`."""
    fmt = DATE_FORMAT if frame.schema[column] == pl.Date else DATETIME_FORMAT
    text = frame[column].dt.strftime(fmt)
    garbage = [UNPARSEABLE_DATES[i] for i in rng.integers(0, len(UNPARSEABLE_DATES), len(rows))]
    return frame.with_columns(text.scatter(rows, garbage))


MUTATIONS = {
    "negative_kwh": negative_kwh,
    "tou_mismatch": tou_mismatch,
    "bad_date": bad_date,
    "future_timestamp": future_timestamp,
    "invalid_enum": invalid_enum,
    "bad_number": bad_number,
    "pii_in_field": pii_in_field,
}


def eligible(frame: pl.DataFrame, table: str, kind: str, has_solar: np.ndarray) -> np.ndarray:
    """Rows a mutating kind can spoil unambiguously (boolean mask)."""
    n = frame.height
    if kind == "negative_kwh":
        column = "kwh_total" if table == "bills" else "kwh"
        return ~has_solar & (frame[column] > 0).to_numpy()
    if kind == "tou_mismatch":
        return (frame["kwh_peak"].is_not_null() & (frame["kwh_total"].abs() >= 1)).to_numpy()
    if kind == "bad_date" and table == "bills":
        return (frame["period_start"] < frame["period_end"]).to_numpy()
    if kind == "bad_date" and table == "work_orders":
        return frame["closed_at"].is_not_null().to_numpy()
    if kind == "pii_in_field":
        return frame["full_name"].is_not_null().to_numpy()
    return np.ones(n, dtype=bool)
