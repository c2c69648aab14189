"""The data window: a run of calendar months, and month arithmetic on numpy datetime64 arrays.

Grain: one `Window` per run; month `i` is the i-th calendar month of the window (0-based).
Dates are `datetime64[D]`, timestamps `datetime64[s]`, all naive utility-local time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = np.timedelta64(1, "D")
HOUR = np.timedelta64(3600, "s")
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Window:
    """`n_months` calendar months starting at `start` ('YYYY-MM')."""

    start: str
    n_months: int

    def __post_init__(self) -> None:
        np.datetime64(self.start, "M")  # raises on a malformed 'YYYY-MM'
        if self.n_months < 1:
            raise ValueError("n_months must be >= 1")

    @property
    def first_month(self) -> np.datetime64:
        return np.datetime64(self.start, "M")

    def month(self, i: int) -> np.datetime64:
        return self.first_month + np.timedelta64(i, "M")

    def label(self, i: int) -> str:
        return str(self.month(i))

    def first_day(self, i: int) -> np.datetime64:
        return self.month(i).astype("datetime64[D]")

    def last_day(self, i: int) -> np.datetime64:
        return self.first_day(i + 1) - DAY

    def days_in(self, i: int) -> int:
        return int((self.first_day(i + 1) - self.first_day(i)) / DAY)

    def month_start_ts(self, i: int) -> np.datetime64:
        return self.first_day(i).astype("datetime64[s]")

    def month_end_ts(self, i: int) -> np.datetime64:
        """First second after month i: timestamps t belong to month i iff start <= t < end."""
        return self.first_day(i + 1).astype("datetime64[s]")

    @property
    def start_day(self) -> np.datetime64:
        return self.first_day(0)

    @property
    def end_ts(self) -> np.datetime64:
        return self.month_end_ts(self.n_months - 1)

    def calendar_month(self, i: int) -> int:
        """Month of year, 1..12."""
        return int(self.month(i).astype(int) % 12) + 1

    def month_index(self, values: np.ndarray) -> np.ndarray:
        """Window month index of each date/timestamp (negative before, >= n_months after)."""
        months = values.astype("datetime64[M]")
        return (months - self.first_month).astype(np.int64)


def random_times(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Uniform timestamps (whole seconds) in [start, end) for datetime64[s] bounds."""
    span = (end - start).astype(np.int64)
    offset = (rng.random(span.shape) * np.maximum(span, 1)).astype(np.int64)
    return start + offset.astype("timedelta64[s]")
