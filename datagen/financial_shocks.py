"""Financial shocks: job loss, illness or a business downturn hitting a customer at some month.

Grain: at most one shock per customer, drawn once (stream "financial-shocks"): the window month
it starts, its cause, its intensity (0..1), 1-3 warning months and, for some, 2-6 months of
unpaid bills after them. A shock shows first in the warning months: bills paid late (by more
days), partially paid and caught up later, and non-cash payments bounced. Then either the
customer recovers (pays as before) or, more likely the harder the shock, leaves the next bills
unpaid: arrears over 60 days follow about two months later. This is the early signal the
arrears-risk model (ml/arrears_risk.py) learns; the truth is `shocks.parquet`.

The per-bill changes draw from their own stream ("payments-shock", month), so that customers
without a shock get the same draws as without this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.ids import format_ids
from datagen.payment_behaviour import PaymentPlan
from datagen.streams import stream

# Monthly hazard of a shock per archetype: 1.8-4.8% a year for households and small
# businesses, 0.6% for industrial customers.
HAZARD = {
    "industrial_hv": 0.0005,
    "sme_commercial": 0.003,
    "comfortable_owners": 0.002,
    "stressed_cash_payers": 0.004,
    "solar_adopters": 0.0015,
    "electric_heating": 0.003,
    "agricultural_pumping": 0.003,
}
CAUSES = ("job_loss", "illness", "business_downturn")
HOUSEHOLD_CAUSES = (0.65, 0.35)  # job_loss, illness; businesses: business_downturn
BUSINESSES = (A.IND, A.SME, A.AGRI)
WARNING_MONTHS = (1, 3)  # bills paid late or partly before any arrears, inclusive
ARREARS_MONTHS = (2, 6)  # consecutive bills left unpaid when the shock leads to arrears
# P(arrears) = ARREARS_BASE + ARREARS_SLOPE * intensity: about 55% on average, not all
ARREARS_BASE, ARREARS_SLOPE = 0.2, 0.7
# Warning months: the on-time chance is multiplied by (1 - ON_TIME_CUT * intensity); a bill
# not on time is paid late by (1 + DAYS_LATE_GAIN * intensity) times more days, or partly
# (PARTIAL_SHARE of them) with the rest caught up; non-cash payments bounce with
# BOUNCE_GAIN * intensity more.
ON_TIME_CUT, DAYS_LATE_GAIN, PARTIAL_SHARE, BOUNCE_GAIN = 0.85, 1.5, 0.4, 0.35
MISSED_SHARE = 0.65  # arrears months: the bill missed, else partly paid, never caught up


@dataclass(frozen=True)
class ShockState:
    """Per customer of a batch: which phase of its shock a bill of this month falls in."""

    warning: np.ndarray
    unpaid: np.ndarray
    intensity: np.ndarray


class FinancialShocks:
    """The shocks of a population and their effect on each month's payment plans."""

    def __init__(self, arch: np.ndarray, n_months: int, seed: int) -> None:
        rng = stream(seed, "financial-shocks")
        self.seed = seed
        n = len(arch)
        hazard = A.per_archetype(HAZARD)[arch]
        start = rng.geometric(hazard) - 1  # months from the window's start
        self.has_shock = start < n_months
        self.start = np.where(self.has_shock, start, -1)
        self.intensity = rng.beta(2.0, 2.0, n)
        self.warning_months = rng.integers(WARNING_MONTHS[0], WARNING_MONTHS[1] + 1, n)
        leads = rng.random(n) < ARREARS_BASE + ARREARS_SLOPE * self.intensity
        length = rng.integers(ARREARS_MONTHS[0], ARREARS_MONTHS[1] + 1, n)
        self.unpaid_months = np.where(leads & self.has_shock, length, 0)
        household = rng.random(n) < HOUSEHOLD_CAUSES[0]
        self.cause = np.where(np.isin(arch, BUSINESSES), 2, np.where(household, 0, 1))

    def state(self, cust: np.ndarray, m: int) -> ShockState:
        """The phase of window month m for customers `cust`."""
        since = m - self.start[cust]
        shocked = self.has_shock[cust] & (since >= 0)
        warning_end = self.warning_months[cust]
        return ShockState(
            warning=shocked & (since < warning_end),
            unpaid=shocked
            & (since >= warning_end)
            & (since < warning_end + self.unpaid_months[cust]),
            intensity=self.intensity[cust],
        )

    def strain(self, plan: PaymentPlan, cust: np.ndarray, m: int) -> PaymentPlan:
        """The plan of the bills of customers `cust` issued in window month m, with the shocked
        customers' bills changed; its draws come from the stream ("payments-shock", m)."""
        state = self.state(cust, m)
        rng = stream(self.seed, "payments-shock", m)
        n = len(plan.on_time)
        u_on_time, u_kind, u_days, u_fraction = (rng.random(n) for _ in range(4))
        warn, unpaid, intensity = state.warning, state.unpaid, state.intensity
        # warning months: less often on time; when not, later and more often partly paid
        stays_on_time = plan.on_time & (u_on_time < 1 - ON_TIME_CUT * intensity)
        on_time = np.where(warn, stays_on_time, plan.on_time)
        base_days = np.where(plan.days_late > 0, plan.days_late, 5 + np.floor(u_days * 20))
        strained_days = np.clip(np.round(base_days * (1 + DAYS_LATE_GAIN * intensity)), 1, 150)
        partial = warn & ~on_time & (u_kind < PARTIAL_SHARE)
        fraction = np.where(
            partial, 0.3 + 0.5 * u_fraction, np.where(warn, 1.0, plan.first_fraction)
        )
        catches_up = np.where(warn, partial, plan.catches_up)
        days_late = np.where(warn & ~on_time, strained_days, plan.days_late)
        # unpaid months: missed or partly paid, never caught up
        on_time = on_time & ~unpaid
        fraction = np.where(
            unpaid, np.where(u_kind < MISSED_SHARE, 0.0, 0.2 + 0.4 * u_fraction), fraction
        )
        days_late = np.where(unpaid, np.maximum(plan.days_late, strained_days), days_late)
        catches_up = catches_up & ~unpaid
        owes_rest = fraction < 1.0
        return replace(
            plan,
            on_time=on_time,
            days_late=np.where(on_time, 0, days_late).astype(np.int64),
            first_fraction=fraction,
            catches_up=catches_up,
            settles_never=owes_rest & ~catches_up,
        )

    def extra_bounce(self, cust: np.ndarray, m: int) -> np.ndarray:
        """Added bounce probability of payments by `cust` drawn in window month m."""
        state = self.state(cust, m)
        return np.where(state.warning | state.unpaid, BOUNCE_GAIN * state.intensity, 0.0)

    def truth(self, month_labels: list[str]) -> pl.DataFrame:
        """One row per shocked customer: customer_id, start_month, cause, intensity,
        warning_months, unpaid_months (0 = recovered without arrears)."""
        idx = np.flatnonzero(self.has_shock)
        return pl.DataFrame(
            {
                "customer_id": format_ids("customer", idx),
                "start_month": pl.Series(
                    [month_labels[s] for s in self.start[idx]], dtype=pl.String
                ),
                "cause": pl.Series(CAUSES, dtype=pl.String).gather(self.cause[idx]),
                "intensity": self.intensity[idx],
                "warning_months": self.warning_months[idx].astype(np.int64),
                "unpaid_months": self.unpaid_months[idx].astype(np.int64),
            }
        )
