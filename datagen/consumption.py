"""Energy use: each customer's monthly kWh level, seasonality, growth, TOU mix and solar output.

Grain: per-customer load parameters drawn once; `expected` gives the kWh a customer uses (and
generates) in a 30.44-day slice of a calendar month, before month-to-month noise. Bills and
AMI reads both start from these numbers, so reads sum to roughly the billed kWh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen import archetypes as A
from datagen.streams import stream

AVG_MONTH_DAYS = 30.44
_M = np.arange(1, 13)
WINTERNESS = (1 + np.cos(2 * np.pi * (_M - 1) / 12)) / 2  # Jan 1.0 .. Jul 0.0
SUMMER_PEAK = np.exp(-0.5 * ((_M - 7) / 1.1) ** 2)  # irrigation / cooling bump, Jul 1.0
SOLAR_YIELD = 1 + 0.7 * np.cos(2 * np.pi * (_M - 6.5) / 12)  # mean 1, Jun-Jul 1.68, Dec 0.32

# Monthly kWh level: lognormal median, sigma, clip low, clip high.
KWH_LEVEL = {
    "industrial_hv": (250_000, 0.9, 50_000, 2_000_000),
    "sme_commercial": (5_500, 0.6, 1_500, 20_000),
    "comfortable_owners": (690, 0.15, 430, 1_000),
    "stressed_cash_payers": (360, 0.2, 220, 560),
    "solar_adopters": (620, 0.2, 380, 1_000),
    "electric_heating": (1_150, 0.16, 820, 1_650),
    "agricultural_pumping": (4_500, 0.8, 800, 40_000),
}
# Seasonality coefficients, uniform per customer: winter low, high; summer low, high.
SEASONALITY = {
    "industrial_hv": (-0.05, 0.08, 0.0, 0.06),
    "sme_commercial": (0.0, 0.15, 0.1, 0.3),
    "comfortable_owners": (0.1, 0.35, 0.0, 0.15),
    "stressed_cash_payers": (0.15, 0.45, 0.0, 0.1),
    "solar_adopters": (0.1, 0.3, 0.0, 0.15),
    "electric_heating": (1.0, 2.4, 0.0, 0.05),
    "agricultural_pumping": (0.0, 0.2, 2.6, 5.0),
}
# Sigma of month-to-month noise; load factor (mean / max demand) uniform low, high.
VARIATION = {
    "industrial_hv": (0.05, 0.45, 0.8),
    "sme_commercial": (0.08, 0.25, 0.5),
    "comfortable_owners": (0.09, 0.25, 0.35),
    "stressed_cash_payers": (0.12, 0.25, 0.35),
    "solar_adopters": (0.1, 0.25, 0.35),
    "electric_heating": (0.1, 0.3, 0.45),
    "agricultural_pumping": (0.18, 0.15, 0.4),
}
# Mean share of consumption in the peak / shoulder / off-peak TOU periods.
TOU_SHARES = {
    "industrial_hv": (0.30, 0.42, 0.28),
    "sme_commercial": (0.55, 0.33, 0.12),
    "comfortable_owners": (0.30, 0.42, 0.28),
    "stressed_cash_payers": (0.33, 0.42, 0.25),
    "solar_adopters": (0.34, 0.36, 0.30),
    "electric_heating": (0.12, 0.25, 0.63),
    "agricultural_pumping": (0.15, 0.35, 0.50),
}
SOLAR_RATIO_ADOPTER = (0.8, 1.2)  # yearly generation / consumption: net exporters in summer
SOLAR_RATIO_SMALL = (0.15, 0.35)  # small rooftop systems on other archetypes


@dataclass(frozen=True)
class LoadModel:
    """Per-customer load parameters (arrays over all customers)."""

    level: np.ndarray  # mean monthly consumption, kWh
    winter: np.ndarray
    summer: np.ndarray
    growth: np.ndarray  # yearly growth rate
    noise: np.ndarray  # sigma of month-to-month lognormal noise
    generation: np.ndarray  # mean monthly solar generation, kWh (0 without solar)
    tou: np.ndarray  # (n, 3) peak / shoulder / off-peak consumption shares
    load_factor: np.ndarray

    def expected(
        self, idx: np.ndarray, calendar_month: int, years: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(consumption, generation) kWh per 30.44 days in `calendar_month`, `years` in."""
        w, s = WINTERNESS[calendar_month - 1], SUMMER_PEAK[calendar_month - 1]
        shape = (1 + self.winter[idx] * w + self.summer[idx] * s) / (
            1 + self.winter[idx] * WINTERNESS.mean() + self.summer[idx] * SUMMER_PEAK.mean()
        )
        trend = (1 + self.growth[idx]) ** years
        consumption = self.level[idx] * shape * trend
        return consumption, self.generation[idx] * SOLAR_YIELD[calendar_month - 1]

    def peak_demand_kw(self, idx: np.ndarray) -> np.ndarray:
        """Typical maximum demand in the heaviest month (sizes the contracted capacity)."""
        heaviest = max(range(1, 13), key=lambda m: float(SUMMER_PEAK[m - 1] + WINTERNESS[m - 1]))
        consumption, _ = self.expected(idx, heaviest, 0.0)
        top = np.maximum(consumption, self.level[idx])
        return top / (AVG_MONTH_DAYS * 24 * self.load_factor[idx])


def draw_load(arch: np.ndarray, has_solar: np.ndarray, seed: int) -> LoadModel:
    """Draw load parameters for every customer from its archetype's ranges."""
    rng = stream(seed, "load")
    n = len(arch)
    median, sigma, low, high = (A.column(KWH_LEVEL, i)[arch] for i in range(4))
    level = np.clip(median * np.exp(sigma * rng.standard_normal(n)), low, high)
    alpha = np.column_stack([A.column(TOU_SHARES, i)[arch] for i in range(3)]) * 80.0
    tou = rng.gamma(alpha)
    tou /= tou.sum(axis=1, keepdims=True)
    adopter = arch == A.SOLAR
    ratio = np.where(
        adopter,
        rng.uniform(*SOLAR_RATIO_ADOPTER, n),
        rng.uniform(*SOLAR_RATIO_SMALL, n),
    )
    return LoadModel(
        level=level,
        winter=_uniform(rng, SEASONALITY, 0, arch),
        summer=_uniform(rng, SEASONALITY, 2, arch),
        growth=rng.normal(0.0, 0.03, n),
        noise=A.column(VARIATION, 0)[arch],
        generation=np.where(has_solar, level * ratio, 0.0),
        tou=tou,
        load_factor=_uniform(rng, VARIATION, 1, arch),
    )


def _uniform(rng: np.random.Generator, table: dict, low: int, arch: np.ndarray) -> np.ndarray:
    """Uniform draws between columns `low` and `low + 1` of a per-archetype table."""
    return A.uniform_between(rng, A.column(table, low), A.column(table, low + 1), arch)


def contracted_capacity(
    arch: np.ndarray, demand_metered: np.ndarray, load: LoadModel, seed: int
) -> np.ndarray:
    """Contracted kVA for demand-metered accounts and ~30% of SMEs (NaN for the rest).

    Sized at typical peak demand / 0.92 power factor with 15-60% headroom, in 25 kVA steps.
    """
    rng = stream(seed, "capacity")
    n = len(arch)
    has = demand_metered | ((arch == A.SME) & (rng.random(n) < 0.3))
    kva = load.peak_demand_kw(np.arange(n)) / 0.92 * rng.uniform(1.15, 1.6, n)
    return np.where(has, np.ceil(kva / 25.0) * 25.0, np.nan)
