"""The customer population: one account per customer with its archetype and master attributes.

Grain: one element per customer in every array (index i is customer `C{i+1:07d}`). Mutable
fields (payment method, budget billing, paperless, contact details, updated_at) are changed
month by month by `customer_extracts`; everything else is fixed for the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datagen import archetypes as A
from datagen.account_profiles import (
    ACCOUNT_TRAITS,
    BUDGET,
    DISCONNECT,
    NEW,
    PAPERLESS,
    PAYMENT_METHOD,
    SOLAR,
    SUPPLY,
    TENURE_HIGH,
    TENURE_LOW,
)
from datagen.calendar import DAY, Window
from datagen.contract import CUSTOMER_CLASSES, PAYMENT_METHODS, VOLTAGE_LEVELS
from datagen.network import REGION_WEIGHTS, Network, assign_feeders
from datagen.pii import ContactDetails, draw_contact_details
from datagen.streams import stream
from datagen.tariffs import TARIFFS

_OPTIONS = list(dict.fromkeys(opt[:3] for name in A.ARCHETYPES for opt in SUPPLY[name]))
_OPTION_P = A.probability_matrix(
    {name: {opt[:3]: opt[3] for opt in SUPPLY[name]} for name in A.ARCHETYPES}, _OPTIONS
)


@dataclass
class Population:
    """Per-customer arrays; codes index the enums in `contract` / `tariffs` / `network`."""

    arch: np.ndarray
    customer_class: np.ndarray
    tariff: np.ndarray
    voltage: np.ndarray
    region: np.ndarray
    feeder: np.ndarray
    network: Network
    connected_on: np.ndarray  # datetime64[D]
    disconnected_on: np.ndarray  # datetime64[D], NaT when never disconnected in the window
    cycle_day: np.ndarray  # billing cycle day 1..28
    has_solar: np.ndarray
    payment_method: np.ndarray
    budget_billing: np.ndarray
    paperless: np.ndarray
    contracted_capacity_kva: np.ndarray
    updated_at: np.ndarray  # datetime64[s], last change sent in an extract
    contact: ContactDetails

    @property
    def n(self) -> int:
        return len(self.arch)

    def active_in(self, window: Window, m: int) -> np.ndarray:
        """Connected at some point during month m."""
        return (self.connected_on <= window.last_day(m)) & ~(
            self.disconnected_on < window.first_day(m)
        )


def draw_population(
    n: int, window: Window, seed: int, shares: tuple[float, ...] = A.SHARES
) -> Population:
    """Draw n customers with exact archetype shares (`shares` in ARCHETYPES order), in random
    id order."""
    rng = stream(seed, "population")
    counts = A.archetype_counts(n, shares)
    arch = rng.permutation(np.repeat(np.arange(len(A.ARCHETYPES)), counts))
    option = A.draw_categorical(rng, _OPTION_P, arch)
    region = A.draw_categorical(rng, REGION_WEIGHTS, arch)
    network, feeder = assign_feeders(rng, region)
    connected_on, disconnected_on, cycle_day = _draw_lifecycle(rng, arch, window)
    return Population(
        arch=arch.astype(np.int8),
        customer_class=np.array([CUSTOMER_CLASSES.index(o[0]) for o in _OPTIONS])[option],
        tariff=np.array([TARIFFS.index(o[1]) for o in _OPTIONS])[option],
        voltage=np.array([VOLTAGE_LEVELS.index(o[2]) for o in _OPTIONS])[option],
        region=region,
        feeder=feeder,
        network=network,
        connected_on=connected_on,
        disconnected_on=disconnected_on,
        cycle_day=cycle_day,
        has_solar=rng.random(n) < A.column(ACCOUNT_TRAITS, SOLAR)[arch],
        payment_method=A.draw_categorical(
            rng, A.probability_matrix(PAYMENT_METHOD, PAYMENT_METHODS), arch
        ),
        budget_billing=rng.random(n) < A.column(ACCOUNT_TRAITS, BUDGET)[arch],
        paperless=rng.random(n) < A.column(ACCOUNT_TRAITS, PAPERLESS)[arch],
        contracted_capacity_kva=np.full(n, np.nan),
        updated_at=np.full(n, np.datetime64("NaT"), dtype="datetime64[s]"),
        contact=draw_contact_details(rng, arch),
    )


def _draw_lifecycle(
    rng: np.random.Generator, arch: np.ndarray, window: Window
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connection dates (tenure before the window, or inside it), disconnections, cycle days."""
    n = len(arch)
    tenure_days = (
        A.uniform_between(
            rng, A.column(ACCOUNT_TRAITS, TENURE_LOW), A.column(ACCOUNT_TRAITS, TENURE_HIGH), arch
        )
        * 365.25
    ).astype(np.int64)
    connected_on = window.start_day - tenure_days * DAY
    cycle_day = rng.integers(1, 29, n).astype(np.int8)
    disconnected_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if window.n_months < 2:
        return connected_on, disconnected_on, cycle_day
    # New connections: months 1.. so that they first appear in a later customers file.
    is_new = rng.random(n) < A.column(ACCOUNT_TRAITS, NEW)[arch]
    new_month = rng.integers(1, window.n_months, n)
    month_days = np.array([window.first_day(i) for i in range(window.n_months + 1)])
    span = (month_days[new_month + 1] - month_days[new_month]) / DAY
    new_day = month_days[new_month] + (rng.random(n) * span).astype(np.int64) * DAY
    connected_on = np.where(is_new, new_day, connected_on)
    # Disconnections: a month after connection, on a day <= the cycle day (final bill then).
    earliest = np.where(is_new, new_month + 1, 1)
    leaves = (rng.random(n) < A.column(ACCOUNT_TRAITS, DISCONNECT)[arch]) & (
        earliest < window.n_months
    )
    gap = window.n_months - earliest
    leave_month = earliest + (rng.random(n) * np.maximum(gap, 1)).astype(np.int64)
    leave_month = np.minimum(leave_month, window.n_months - 1)
    leave_day = (rng.random(n) * cycle_day).astype(np.int64)
    disconnected_on = np.where(leaves, month_days[leave_month] + leave_day * DAY, disconnected_on)
    return connected_on, disconnected_on, cycle_day
