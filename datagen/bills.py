"""Billing: one bill per active customer per billing cycle, plus next-month revisions.

Grain: one row per bill_id x revision. A customer's period ends on its cycle day (or on its
disconnection day for the final bill); the billing month is the month of period_end and the
bill goes into that month's file. ~2% of bills are re-issued as revision 1 in the next month's
file (estimated reads more often), ~0.3% are cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.bill_pricing import BillPricer, days_in_period
from datagen.calendar import DAY, Window
from datagen.consumption import AVG_MONTH_DAYS, LoadModel
from datagen.contract import conform, empty_frame
from datagen.ids import format_ids
from datagen.population import Population
from datagen.streams import stream

P_ESTIMATED = {
    "industrial_hv": 0.01,
    "sme_commercial": 0.03,
    "comfortable_owners": 0.03,
    "stressed_cash_payers": 0.12,
    "solar_adopters": 0.02,
    "electric_heating": 0.04,
    "agricultural_pumping": 0.09,
}
P_REVISE_ESTIMATED = 0.25
P_REVISE_ACTUAL = 0.012
P_CANCELLED = 0.003
ESTIMATE_SIGMA = 0.15  # an estimated read misses the true consumption by ~15%
GENERATION_SIGMA = 0.12


@dataclass(frozen=True)
class BillBatch:
    """A month's bills file plus, per original bill, what payment behaviour needs."""

    frame: pl.DataFrame
    customer: np.ndarray
    number: np.ndarray
    due_date: np.ndarray  # datetime64[D]
    amount: np.ndarray  # final amount after any revision
    payable: np.ndarray  # issued (not cancelled) and amount > 0


@dataclass(frozen=True)
class _Reads:
    """Energy of one batch of billing periods: true and billed (estimated reads differ)."""

    actual_c: np.ndarray
    actual_g: np.ndarray
    billed_c: np.ndarray
    billed_g: np.ndarray
    estimated: np.ndarray


class Billing:
    """Issues each month's bills and carries revisions into the next month."""

    def __init__(self, pop: Population, load: LoadModel, window: Window, seed: int) -> None:
        self.pop, self.load, self.window, self.seed = pop, load, window, seed
        self.pricer = BillPricer(pop, load)
        self.next_number = 0
        self.pending = empty_frame("bills")

    def month(self, m: int) -> BillBatch:
        """Bills whose period ends in window month m, after last month's revisions."""
        rng = stream(self.seed, "bills", m)
        idx, start, end = self._periods(m)
        n, days = len(idx), days_in_period(start, end)
        reads = self._reads(rng, idx, days, m)
        priced = self.pricer.price(rng, idx, reads.billed_c, reads.billed_g, days, m)
        cancelled = rng.random(n) < P_CANCELLED
        p_revise = np.where(reads.estimated, P_REVISE_ESTIMATED, P_REVISE_ACTUAL)
        revised = np.flatnonzero(~cancelled & (rng.random(n) < p_revise))
        if m + 1 >= self.window.n_months:  # such revisions would come after the data ends
            revised = revised[:0]
        number = self.next_number + np.arange(n)
        self.next_number += n
        issued_at = (end + rng.integers(1, 4, n) * DAY).astype("datetime64[s]") + _seconds(
            rng, 2 * 3600, 6 * 3600, n
        )
        due_date = end + rng.integers(14, 22, n) * DAY
        original = _bill_rows(
            number, 0, idx, start, end, reads.estimated, cancelled, issued_at, due_date, priced
        )
        frame = pl.concat([self.pending, original])
        self.pending = self._revisions(rng, m, revised, number, idx, start, end, days, reads)
        amount = priced["amount"].copy()
        amount[revised] = self.pending["amount_due"].to_numpy()
        return BillBatch(
            frame=frame,
            customer=idx,
            number=number,
            due_date=due_date,
            amount=amount,
            payable=~cancelled & (amount > 0),
        )

    def _periods(self, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customers billed in month m with their period start and end dates."""
        pop, w = self.pop, self.window
        cycle = (pop.cycle_day.astype(np.int64) - 1) * DAY
        nominal_end = w.first_day(m) + cycle
        start = np.maximum(w.first_day(m - 1) + cycle + DAY, pop.connected_on)
        disc = pop.disconnected_on
        end = np.where(disc <= nominal_end, disc, nominal_end)  # final bill on disconnection
        idx = np.flatnonzero((start <= end) & ~(disc < start))
        return idx, start[idx], end[idx]

    def _reads(self, rng, idx: np.ndarray, days: np.ndarray, m: int) -> _Reads:
        """True consumption/generation of each period, and what the bill shows."""
        n = len(idx)
        consumption, generation = self.load.expected(idx, self.window.calendar_month(m), m / 12)
        consumption = consumption * days / AVG_MONTH_DAYS
        generation = generation * days / AVG_MONTH_DAYS
        sigma = self.load.noise[idx]
        actual_c = consumption * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
        actual_g = generation * np.exp(GENERATION_SIGMA * rng.standard_normal(n))
        estimated = rng.random(n) < A.per_archetype(P_ESTIMATED)[self.pop.arch[idx]]
        estimate = consumption * np.exp(ESTIMATE_SIGMA * rng.standard_normal(n))
        return _Reads(
            actual_c=actual_c,
            actual_g=actual_g,
            billed_c=np.where(estimated, estimate, actual_c),
            billed_g=np.where(estimated, generation, actual_g),
            estimated=estimated,
        )

    def _revisions(self, rng, m, revised, number, idx, start, end, days, reads) -> pl.DataFrame:
        """Revision-1 rows for next month's file: the true read (corrected), re-priced."""
        k = len(revised)
        corrected = reads.actual_c[revised] * np.exp(0.08 * rng.standard_normal(k))
        fixed = self.pricer.price(
            rng, idx[revised], corrected, reads.actual_g[revised], days[revised], m
        )
        re_issued = (self.window.first_day(m + 1) + rng.integers(0, 21, k) * DAY).astype(
            "datetime64[s]"
        ) + _seconds(rng, 8 * 3600, 18 * 3600, k)
        no = np.zeros(k, dtype=bool)
        due = re_issued.astype("datetime64[D]") + rng.integers(14, 22, k) * DAY
        return _bill_rows(
            number[revised], 1, idx[revised], start[revised], end[revised], no, no, re_issued,
            due, fixed,
        )  # fmt: skip


def _seconds(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """Random times of day as timedelta64[s] between `low` and `high` seconds."""
    return rng.integers(low, high, n).astype("timedelta64[s]")


def _bill_rows(
    number, revision, customer, start, end, estimated, cancelled, issued_at, due_date, priced
) -> pl.DataFrame:
    """Bill rows in contract form."""
    frame = pl.DataFrame(
        {
            "bill_id": format_ids("bill", number),
            "revision": np.full(len(number), revision, dtype=np.int32),
            "customer_id": format_ids("customer", customer),
            "period_start": start,
            "period_end": end,
            "kwh_total": priced["kwh_total"],
            "kwh_peak": priced["kwh_peak"],
            "kwh_shoulder": priced["kwh_shoulder"],
            "kwh_offpeak": priced["kwh_offpeak"],
            "max_demand_kw": priced["max_demand_kw"],
            "amount_due": priced["amount"],
            "due_date": due_date,
            "is_estimated": estimated,
            "status": np.where(cancelled, "cancelled", "issued"),
            "issued_at": issued_at.astype("datetime64[us]"),
        },
        nan_to_null=True,
    )
    return conform("bills", frame)
