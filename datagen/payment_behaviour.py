"""Per-customer payment habits: punctuality, lateness, partial and missed payments, bounces.

Grain: a propensity per customer (drawn once, Beta around the archetype mean, so punctuality
varies within an archetype) and a plan per bill: on time, late by N days, partial (30-80%
first) or missed, and whether the rest is caught up later or left as arrears.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen import archetypes as A
from datagen.streams import stream

# Per archetype: mean on-time propensity; when not on time, shares of late (paid in full),
# partial and missed; median days late; chance the rest is caught up later; chance that a
# non-cash payment bounces.
ON_TIME, LATE, PARTIAL, MISSED, MEDIAN_DAYS_LATE, CATCH_UP, BOUNCE = range(7)
PAYMENT_TRAITS = {
    "industrial_hv": (0.97, 1.0, 0.0, 0.0, 4, 1.0, 0.001),
    "sme_commercial": (0.8, 0.85, 0.1, 0.05, 9, 0.85, 0.01),
    "comfortable_owners": (0.96, 0.85, 0.1, 0.05, 6, 0.95, 0.002),
    "stressed_cash_payers": (0.35, 0.5, 0.3, 0.2, 24, 0.45, 0.12),
    "solar_adopters": (0.93, 0.85, 0.1, 0.05, 6, 0.9, 0.003),
    "electric_heating": (0.85, 0.8, 0.12, 0.08, 10, 0.8, 0.01),
    "agricultural_pumping": (0.8, 0.75, 0.15, 0.1, 14, 0.75, 0.01),
}
PROPENSITY_CONCENTRATION = 25.0
WINTER_STRAIN = 0.1  # electric-heating households pay on time less often on Dec-Mar bills
_SPLIT = np.column_stack([A.column(PAYMENT_TRAITS, i) for i in (LATE, PARTIAL, MISSED)])


@dataclass(frozen=True)
class PaymentPlan:
    """How each bill of a batch gets paid."""

    on_time: np.ndarray
    days_late: np.ndarray
    first_fraction: np.ndarray  # share of the amount in the first payment (0 = missed)
    catches_up: np.ndarray  # a later payment settles the rest
    settles_never: np.ndarray  # rest left unpaid (arrears)


class PaymentBehaviour:
    """Customer payment propensities and per-bill payment plans."""

    def __init__(self, arch: np.ndarray, seed: int) -> None:
        rng = stream(seed, "payment-propensity")
        self.arch = arch
        mean = A.column(PAYMENT_TRAITS, ON_TIME)[arch]
        k = PROPENSITY_CONCENTRATION
        self.on_time_propensity = rng.beta(mean * k, (1 - mean) * k)
        self._bounce = A.column(PAYMENT_TRAITS, BOUNCE)

    def plan(self, rng: np.random.Generator, cust: np.ndarray, calendar_month: int) -> PaymentPlan:
        """Draw a plan for each bill of customers `cust` billed in `calendar_month`."""
        n = len(cust)
        arch = self.arch[cust]
        p = self.on_time_propensity[cust]
        if calendar_month in (12, 1, 2, 3):
            p = np.where(arch == A.HEATING, p - WINTER_STRAIN, p)
        on_time = rng.random(n) < p
        kind = A.draw_categorical(rng, _SPLIT, arch)  # 0 late, 1 partial, 2 missed
        late = ~on_time
        median = A.column(PAYMENT_TRAITS, MEDIAN_DAYS_LATE)[arch]
        days_late = np.clip(np.round(median * np.exp(0.6 * rng.standard_normal(n))), 1, 150)
        fraction = np.where(late & (kind == 1), rng.uniform(0.3, 0.8, n), 1.0)
        fraction = np.where(late & (kind == 2), 0.0, fraction)
        owes_rest = fraction < 1.0
        catches_up = owes_rest & (rng.random(n) < A.column(PAYMENT_TRAITS, CATCH_UP)[arch])
        return PaymentPlan(
            on_time=on_time,
            days_late=np.where(on_time, 0, days_late).astype(np.int64),
            first_fraction=fraction,
            catches_up=catches_up,
            settles_never=owes_rest & ~catches_up,
        )

    def bounce_rate(self, cust: np.ndarray) -> np.ndarray:
        """Probability that a (non-cash) payment by `cust` bounces."""
        return self._bounce[self.arch[cust]]
