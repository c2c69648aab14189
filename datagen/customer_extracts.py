"""Monthly CIS account-master extracts: the full master first, then new and changed accounts.

Grain: one row per customer per extract in which the account appears. Month 0 holds every
account connected by its end; later months hold accounts connected that month, accounts
disconnected that month (disconnected_on set) and ~0.3% changed accounts (contact details,
paperless, budget billing or payment method), each with a later updated_at.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.account_profiles import PAYMENT_METHOD
from datagen.calendar import HOUR, Window, random_times
from datagen.contract import CUSTOMER_CLASSES, PAYMENT_METHODS, VOLTAGE_LEVELS, conform
from datagen.ids import format_ids
from datagen.network import REGIONS
from datagen.pii import pii_columns, redraw_contact
from datagen.population import Population
from datagen.streams import stream
from datagen.tariffs import TARIFFS

UPDATE_RATE = 0.003  # share of established accounts changed per month
UPDATE_KINDS = ("contact", "paperless", "budget_billing", "payment_method")
UPDATE_P = np.array([0.45, 0.2, 0.15, 0.2])
MASTER_HISTORY_DAYS = 3 * 365  # initial updated_at falls in the 3 years before the window


class CustomerExtracts:
    """Produces the customers file of each month and keeps the master's mutable state."""

    def __init__(self, pop: Population, window: Window, seed: int) -> None:
        self.pop, self.window, self.seed = pop, window, seed
        rng = stream(seed, "customers", -1)
        start = window.month_start_ts(0)
        connected = pop.connected_on.astype("datetime64[s]")
        earliest = np.maximum(connected, start - np.timedelta64(MASTER_HISTORY_DAYS, "D"))
        pop.updated_at[:] = np.where(
            connected < start,
            random_times(rng, earliest, np.full(pop.n, start)),
            connected + (8 + rng.integers(0, 10, pop.n)) * HOUR,
        )
        self._connect_month = window.month_index(pop.connected_on)
        self._leave_month = np.where(
            np.isnat(pop.disconnected_on),
            window.n_months,
            window.month_index(pop.disconnected_on),
        )

    def month(self, m: int) -> pl.DataFrame:
        """The customers extract of window month m."""
        if m == 0:
            return self._frame(np.flatnonzero(self._connect_month <= 0), m)
        rng = stream(self.seed, "customers", m)
        pop = self.pop
        new = np.flatnonzero(self._connect_month == m)
        leaving = np.flatnonzero(self._leave_month == m)
        pop.updated_at[leaving] = (
            pop.disconnected_on[leaving].astype("datetime64[s]")
            + (9 + rng.integers(0, 9, len(leaving))) * HOUR
        )
        established = np.flatnonzero((self._connect_month < m) & (self._leave_month > m))
        changed = np.sort(
            rng.choice(established, rng.binomial(len(established), UPDATE_RATE), replace=False)
        )
        self._apply_changes(rng, changed)
        pop.updated_at[changed] = random_times(
            rng,
            np.full(len(changed), self.window.month_start_ts(m)),
            np.full(len(changed), self.window.month_end_ts(m)),
        )
        return self._frame(np.sort(np.concatenate([new, leaving, changed])), m)

    def _apply_changes(self, rng: np.random.Generator, idx: np.ndarray) -> None:
        pop = self.pop
        kind = rng.choice(len(UPDATE_KINDS), len(idx), p=UPDATE_P)
        contact = idx[kind == 0]
        redraw_contact(rng, pop.contact, contact)
        pop.paperless[idx[kind == 1]] = ~pop.paperless[idx[kind == 1]]
        pop.budget_billing[idx[kind == 2]] = ~pop.budget_billing[idx[kind == 2]]
        movers = idx[kind == 3]
        methods = A.probability_matrix(PAYMENT_METHOD, PAYMENT_METHODS)
        pop.payment_method[movers] = A.draw_categorical(rng, methods, pop.arch[movers])

    def _frame(self, idx: np.ndarray, m: int) -> pl.DataFrame:
        pop = self.pop
        disconnected = pop.disconnected_on[idx]
        known = disconnected <= self.window.last_day(m)
        frame = pl.DataFrame(
            {
                "customer_id": format_ids("customer", idx),
                "customer_class": pl.Series(CUSTOMER_CLASSES).gather(pop.customer_class[idx]),
                "tariff_code": pl.Series(TARIFFS).gather(pop.tariff[idx]),
                "region": pl.Series(REGIONS).gather(pop.region[idx]),
                "feeder_id": format_ids("feeder", pop.feeder[idx]),
                "voltage_level": pl.Series(VOLTAGE_LEVELS).gather(pop.voltage[idx]),
                "contracted_capacity_kva": pl.Series(
                    pop.contracted_capacity_kva[idx], nan_to_null=True
                ),
                "connected_on": pop.connected_on[idx],
                "disconnected_on": np.where(known, disconnected, np.datetime64("NaT")),
                "has_solar": pop.has_solar[idx],
                "payment_method": pl.Series(PAYMENT_METHODS).gather(pop.payment_method[idx]),
                "budget_billing": pop.budget_billing[idx],
                "paperless": pop.paperless[idx],
                "updated_at": pop.updated_at[idx].astype("datetime64[us]"),
            }
        )
        pii = pii_columns(pop.contact, idx, pop.customer_class, pop.region)
        return conform("customers", pl.concat([frame, pii], how="horizontal"))
