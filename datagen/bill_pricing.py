"""Turns a bill's consumption and solar generation into billed kWh, TOU split, demand, amount.

Grain: one priced bill per element. The TOU split is null unless the tariff is time-of-use;
peak and off-peak are consumption shares, the shoulder takes the rest of the net total (so a
net exporter's shoulder, the midday slot, goes negative) and the parts sum to kwh_total.
Budget-billing accounts pay a fixed instalment instead of the metered amount.
"""

from __future__ import annotations

import numpy as np

from datagen.consumption import LoadModel
from datagen.population import Population
from datagen.tariffs import (
    ESCALATION_PER_YEAR,
    FIXED_CHARGE,
    IS_DEMAND_METERED,
    IS_TOU,
    amount_due,
    average_price,
)

MIN_NET_KWH = 1.0  # near-zero net totals are billed as 1 kWh, keeping the TOU check meaningful
DEMAND_SIGMA = 0.05


class BillPricer:
    """Prices bills for one population; budget instalments are fixed per customer."""

    def __init__(self, pop: Population, load: LoadModel) -> None:
        self.pop, self.load = pop, load
        expected_net = load.level - load.generation
        price = average_price(pop.tariff, load.tou)
        self.instalment = np.maximum(
            10.0, np.round(expected_net * price + FIXED_CHARGE[pop.tariff])
        )

    def price(
        self,
        rng: np.random.Generator,
        idx: np.ndarray,
        consumption: np.ndarray,
        generation: np.ndarray,
        days: np.ndarray,
        m: int,
    ) -> dict[str, np.ndarray]:
        """Billed columns for customers `idx` in window month m."""
        pop, n = self.pop, len(idx)
        tariff = pop.tariff[idx]
        total = np.round(consumption - generation, 1)
        total = np.where(np.abs(total) < MIN_NET_KWH, MIN_NET_KWH, total)
        shares = self.load.tou[idx]
        peak = np.round(consumption * shares[:, 0] * rng.uniform(0.95, 1.05, n), 1)
        offpeak = np.round(consumption * shares[:, 2] * rng.uniform(0.95, 1.05, n), 1)
        shoulder = np.round(total - peak - offpeak, 1)
        parts = np.column_stack([peak, shoulder, offpeak])
        metered = IS_DEMAND_METERED[tariff]
        hours = days * 24.0
        demand = np.where(
            metered,
            np.round(
                consumption
                / (hours * self.load.load_factor[idx])
                * np.exp(DEMAND_SIGMA * rng.standard_normal(n)),
                1,
            ),
            np.nan,
        )
        year = m // 12
        amount = amount_due(tariff, np.full(n, year), total, parts, demand)
        budget = self.instalment[idx] * (1 + ESCALATION_PER_YEAR) ** year
        amount = np.where(pop.budget_billing[idx], np.round(budget, 2), amount)
        tou = IS_TOU[tariff]
        return {
            "kwh_total": total,
            "kwh_peak": np.where(tou, peak, np.nan),
            "kwh_shoulder": np.where(tou, shoulder, np.nan),
            "kwh_offpeak": np.where(tou, offpeak, np.nan),
            "max_demand_kw": demand,
            "amount": amount,
        }


def days_in_period(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Inclusive length of billing periods in days."""
    return ((end - start) / np.timedelta64(1, "D") + 1).astype(np.float64)
