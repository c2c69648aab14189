"""Why and how customers contact the utility: per-archetype rates, case types and channels.

Grain: one table per trait, keyed by archetype. `ContactBehaviour` draws the cases a month
brings for active customers: routine contacts, outage reports driven by feeder outages,
arrears-driven payment arrangements and disconnection orders, and winter billing disputes.
"""

from __future__ import annotations

import numpy as np

from datagen import archetypes as A
from datagen.contract import WORK_ORDER_CATEGORIES as CATEGORIES
from datagen.contract import WORK_ORDER_CHANNELS as CHANNELS
from datagen.streams import stream

# Per archetype: routine cases per customer-month; outage reports per outage on the feeder;
# extra winter (Dec-Mar) billing disputes per customer-month; chance of a payment
# arrangement in a month after an unsettled bill; mean post-case survey score (1..5).
RATE, REPORTS_PER_OUTAGE, WINTER_DISPUTES, ARRANGEMENT, SATISFACTION = range(5)
CONTACT_TRAITS = {
    "industrial_hv": (0.05, 0.02, 0.0, 0.05, 4.2),
    "sme_commercial": (0.15, 0.03, 0.005, 0.1, 3.6),
    "comfortable_owners": (0.02, 0.01, 0.002, 0.1, 4.5),
    "stressed_cash_payers": (0.3, 0.02, 0.01, 0.3, 2.3),
    "solar_adopters": (0.09, 0.02, 0.003, 0.1, 4.0),
    "electric_heating": (0.1, 0.02, 0.06, 0.15, 3.4),
    "agricultural_pumping": (0.12, 0.12, 0.0, 0.12, 3.2),
}
CATEGORY_MIX = {
    "industrial_hv": {
        "voltage_quality": 0.35,
        "meter_fault": 0.15,
        "information_request": 0.15,
        "billing_dispute": 0.1,
        "outage_report": 0.15,
        "other": 0.1,
    },
    "sme_commercial": {
        "billing_dispute": 0.25,
        "information_request": 0.3,
        "meter_fault": 0.1,
        "outage_report": 0.1,
        "complaint": 0.1,
        "other": 0.15,
    },
    "comfortable_owners": {
        "information_request": 0.4,
        "outage_report": 0.2,
        "meter_fault": 0.1,
        "billing_dispute": 0.1,
        "other": 0.2,
    },
    "stressed_cash_payers": {
        "payment_arrangement": 0.25,
        "complaint": 0.2,
        "billing_dispute": 0.15,
        "information_request": 0.15,
        "reconnection": 0.1,
        "other": 0.15,
    },
    "solar_adopters": {
        "meter_fault": 0.35,
        "information_request": 0.35,
        "billing_dispute": 0.1,
        "other": 0.2,
    },
    "electric_heating": {
        "billing_dispute": 0.3,
        "information_request": 0.25,
        "outage_report": 0.1,
        "complaint": 0.1,
        "meter_fault": 0.1,
        "other": 0.15,
    },
    "agricultural_pumping": {
        "outage_report": 0.3,
        "vegetation": 0.25,
        "voltage_quality": 0.1,
        "meter_fault": 0.1,
        "information_request": 0.1,
        "other": 0.15,
    },
}
CHANNEL_MIX = {
    "industrial_hv": {"field": 0.5, "call_center": 0.3, "web": 0.2},
    "sme_commercial": {"web": 0.45, "app": 0.25, "call_center": 0.25, "ivr": 0.05},
    "comfortable_owners": {"call_center": 0.6, "ivr": 0.2, "walk_in": 0.1, "web": 0.1},
    "stressed_cash_payers": {"call_center": 0.55, "walk_in": 0.3, "ivr": 0.15},
    "solar_adopters": {"web": 0.5, "app": 0.4, "call_center": 0.1},
    "electric_heating": {"call_center": 0.6, "ivr": 0.2, "web": 0.15, "walk_in": 0.05},
    "agricultural_pumping": {"call_center": 0.5, "field": 0.25, "ivr": 0.25},
}
P_DISCONNECTION_ORDER = 0.2  # per month with two or more unsettled bills in a row
FIELD_CATEGORIES = ("vegetation", "voltage_quality")
P_FIELD = 0.6
_CAT = {c: i for i, c in enumerate(CATEGORIES)}
_CATEGORY_P = A.probability_matrix(CATEGORY_MIX, CATEGORIES)
_CHANNEL_P = A.probability_matrix(CHANNEL_MIX, CHANNELS)


class ContactBehaviour:
    """Draws a month's new cases: (customer index, category code) pairs."""

    def __init__(self, arch: np.ndarray, seed: int) -> None:
        rng = stream(seed, "contact-propensity")
        self.arch = arch
        self.multiplier = np.exp(0.5 * rng.standard_normal(len(arch)) - 0.125)

    def cases(
        self,
        rng: np.random.Generator,
        active: np.ndarray,
        calendar_month: int,
        feeder_events: np.ndarray,
        unpaid_streak: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Customers and categories of the cases opened this month by `active` customers."""
        arch = self.arch[active]
        routine = rng.poisson(A.column(CONTACT_TRAITS, RATE)[arch] * self.multiplier[active])
        cust = np.repeat(active, routine)
        parts = [(cust, A.draw_categorical(rng, _CATEGORY_P, self.arch[cust]))]
        reports = rng.poisson(A.column(CONTACT_TRAITS, REPORTS_PER_OUTAGE)[arch] * feeder_events)
        parts.append((np.repeat(active, reports), _CAT["outage_report"]))
        if calendar_month in (12, 1, 2, 3):
            disputes = rng.poisson(A.column(CONTACT_TRAITS, WINTER_DISPUTES)[arch])
            parts.append((np.repeat(active, disputes), _CAT["billing_dispute"]))
        streak = unpaid_streak[active]
        arrange = (streak >= 1) & (
            rng.random(len(active)) < A.column(CONTACT_TRAITS, ARRANGEMENT)[arch]
        )
        parts.append((active[arrange], _CAT["payment_arrangement"]))
        cut = (streak >= 2) & (rng.random(len(active)) < P_DISCONNECTION_ORDER)
        parts.append((active[cut], _CAT["disconnection_nonpayment"]))
        customers = np.concatenate([p[0] for p in parts])
        categories = np.concatenate(
            [np.broadcast_to(np.asarray(p[1], dtype=np.int16), p[0].shape) for p in parts]
        )
        return customers, categories

    def channels(self, rng: np.random.Generator, cust: np.ndarray, category: np.ndarray):
        """Channel per case: the archetype's habits; field crews for network categories."""
        channel = A.draw_categorical(rng, _CHANNEL_P, self.arch[cust])
        field = np.isin(category, [_CAT[c] for c in FIELD_CATEGORIES]) | (
            category == _CAT["disconnection_nonpayment"]
        )
        to_field = field & (rng.random(len(cust)) < P_FIELD)
        return np.where(to_field, CHANNELS.index("field"), channel)
