"""AMI interval reads (hourly) for the first K customers, shaped by archetype.

Grain: one row per customer x hour of each connected day. Daily shapes: business hours
(SME), evening peak (households), night storage heating, night/early pumping (farms), two
shifts (industry); solar households net a midday generation dip, negative on sunny days.
Month totals follow the same expected consumption as the bills, so they roughly agree.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.calendar import DAY, HOUR, Window
from datagen.consumption import AVG_MONTH_DAYS, LoadModel
from datagen.contract import conform
from datagen.ids import format_ids
from datagen.population import Population
from datagen.streams import stream

_H = np.arange(24)
_HOUSEHOLD = np.select(
    [(_H >= 17) & (_H <= 21), (_H >= 7) & (_H <= 8), _H == 22], [2.0, 1.2, 1.2], 0.6
)
DAILY_SHAPE = {
    "industrial_hv": np.where((_H >= 6) & (_H <= 21), 1.3, 0.7),
    "sme_commercial": np.select([(_H >= 8) & (_H <= 18), (_H == 7) | (_H == 19)], [3.0, 1.5], 0.4),
    "comfortable_owners": _HOUSEHOLD,
    "stressed_cash_payers": _HOUSEHOLD,
    "solar_adopters": _HOUSEHOLD,
    "electric_heating": np.select(
        [_H <= 6, (_H >= 17) & (_H <= 21), (_H >= 7) & (_H <= 8)], [2.5, 1.5, 1.2], 0.7
    ),
    "agricultural_pumping": np.select(
        [(_H >= 22) | (_H <= 5), (_H >= 6) & (_H <= 8)], [2.0, 1.5], 0.8
    ),
}
WEEKEND_FACTOR = {
    "industrial_hv": 0.7,
    "sme_commercial": 0.35,
    "comfortable_owners": 1.15,
    "stressed_cash_payers": 1.15,
    "solar_adopters": 1.15,
    "electric_heating": 1.1,
    "agricultural_pumping": 1.0,
}
SOLAR_SHAPE = np.clip(np.sin(np.pi * (_H - 6) / 13), 0, None)
_SHAPES = np.array([DAILY_SHAPE[name] / DAILY_SHAPE[name].sum() for name in A.ARCHETYPES])
_SOLAR = SOLAR_SHAPE / SOLAR_SHAPE.sum()


class AmiFleet:
    """Smart meters of customers 0..K-1 with fixed per-customer shape quirks."""

    def __init__(self, pop: Population, load: LoadModel, window: Window, k: int, seed: int):
        self.pop, self.load, self.window, self.seed = pop, load, window, seed
        self.idx = np.arange(min(k, pop.n))
        rng = stream(seed, "ami-shape")
        quirk = np.exp(0.2 * rng.standard_normal((len(self.idx), 24)))
        shape = _SHAPES[pop.arch[self.idx]] * quirk
        self.shape = shape / shape.sum(axis=1, keepdims=True)

    def month(self, m: int) -> pl.DataFrame:
        """Hourly reads for every connected day of month m."""
        pop, w, idx = self.pop, self.window, self.idx
        rng = stream(self.seed, "meter_reads", m)
        n_days, k = w.days_in(m), len(idx)
        days = w.first_day(m) + np.arange(n_days) * DAY
        consumption, generation = self.load.expected(idx, w.calendar_month(m), m / 12)
        level = consumption / AVG_MONTH_DAYS * np.exp(0.05 * rng.standard_normal(k))
        weekend = (days.view("int64") + 3) % 7 >= 5  # 1970-01-01 was a Thursday
        day_factor = np.where(
            weekend, A.per_archetype(WEEKEND_FACTOR)[pop.arch[idx]][:, None], 1.0
        ) * np.exp(0.15 * rng.standard_normal((k, n_days)))
        day_factor *= n_days / day_factor.sum(axis=1, keepdims=True)
        daily = level[:, None] * day_factor  # (k, days)
        noise = np.exp(0.2 * rng.standard_normal((k, n_days, 24)) - 0.02)
        kwh = daily[:, :, None] * self.shape[:, None, :] * noise
        cloud = np.exp(0.35 * rng.standard_normal((k, n_days)) - 0.06)
        sun = (generation / AVG_MONTH_DAYS)[:, None] * cloud
        kwh -= sun[:, :, None] * _SOLAR[None, None, :]
        connected = (pop.connected_on[idx][:, None] <= days[None, :]) & ~(
            pop.disconnected_on[idx][:, None] < days[None, :]
        )
        cust, day = np.nonzero(connected)
        hours = np.tile(np.arange(24), len(cust))
        cust, day = np.repeat(cust, 24), np.repeat(day, 24)
        start = days[day].astype("datetime64[s]") + hours * HOUR
        return conform(
            "meter_reads",
            pl.DataFrame(
                {
                    "customer_id": format_ids("customer", idx[cust]),
                    "read_start": start.astype("datetime64[us]"),
                    "interval_minutes": np.full(len(cust), 60, dtype=np.int32),
                    "kwh": np.round(kwh[cust, day, hours], 3),
                }
            ),
        )
