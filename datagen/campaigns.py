"""Planted service campaigns (landing contract v2, table `campaigns`) and their known effects.

Grain: one row per customer x campaign in the landing table; one entry per campaign in
`truth/campaign_effects.json`. Three campaigns start in the middle window month S, each with a
randomised treatment and control group (half and half) drawn among its eligible customers:

- `payment_arrangement` (stressed payers, on-time propensity below STRESSED_PROPENSITY): from S
  on, SHARE_LATE_TO_ON_TIME of a treated customer's bills that would have been paid late (in
  full) are paid on time instead. KPI: the on-time payment ratio.
- `digital_channel_push` (frequent contacts, not in the two payment campaigns): from S on,
  SHARE_CALLS_TO_WEB of a treated customer's call-centre contacts come through the web instead.
  KPI: call-centre contacts per customer-month.
- `bill_reminder_placebo` (stressed payers too): assigned like the others, no effect at all.

Randomness comes from streams of their own ("campaigns", "campaign-payments",
"campaign-contacts"): with campaigns off every other table is byte-identical. With them on,
only the treated customers' payments and contacts change (and, since payment ids are numbered
in payment-time order, the ids of the payments of months from S on).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.calendar import Window
from datagen.contact_behaviour import CONTACT_TRAITS, RATE
from datagen.contract import WORK_ORDER_CHANNELS, conform
from datagen.ids import format_ids
from datagen.payment_behaviour import PaymentPlan
from datagen.population import Population
from datagen.streams import stream

SHARE_LATE_TO_ON_TIME = 0.6
SHARE_CALLS_TO_WEB = 0.6
STRESSED_PROPENSITY = 0.75
FREQUENT_CONTACT_RATE = 0.09  # routine contacts per month of the archetype
DIGITAL_SHARE = 0.6  # of the eligible frequent contacts, the share enrolled
MIN_MONTHS_AROUND_START = 2  # months before and after the start a campaign needs

PAYMENT, DIGITAL, PLACEBO = range(3)
CAMPAIGNS = (
    ("CMP-PAY-01", "payment_arrangement", "on_time_payment_ratio"),
    ("CMP-DIG-01", "digital_channel_push", "call_center_contacts"),
    ("CMP-PLA-01", "bill_reminder_placebo", "on_time_payment_ratio"),
)
_CALL, _WEB = (WORK_ORDER_CHANNELS.index(c) for c in ("call_center", "web"))


def campaign_start(window: Window) -> int | None:
    """The window month campaigns start in (the middle one); None when the window is too short
    for a pre- and a post-period."""
    start = window.n_months // 2
    if start < MIN_MONTHS_AROUND_START or window.n_months - start <= MIN_MONTHS_AROUND_START:
        return None
    return start


class CampaignPlan:
    """Who is in which campaign and group, and the effects applied to the treated."""

    def __init__(
        self, pop: Population, window: Window, start: int, on_time_propensity: np.ndarray, seed: int
    ) -> None:
        self.pop, self.window, self.start, self.seed = pop, window, start, seed
        rng = stream(seed, "campaigns")
        active = pop.active_in(window, start) & (pop.connected_on < window.first_day(start))
        active &= ~(pop.disconnected_on <= window.last_day(start))
        stressed = active & (on_time_propensity < STRESSED_PROPENSITY)
        frequent = (
            active & ~stressed & (A.column(CONTACT_TRAITS, RATE)[pop.arch] >= FREQUENT_CONTACT_RATE)
        )
        u = rng.random(pop.n)
        self.campaign = np.full(pop.n, -1, dtype=np.int8)
        self.campaign[stressed] = np.where(u[stressed] < 0.5, PAYMENT, PLACEBO)
        self.campaign[frequent & (u < DIGITAL_SHARE)] = DIGITAL
        self.treated = (self.campaign >= 0) & (rng.random(pop.n) < 0.5)
        self.flipped = np.zeros(pop.n, dtype=np.int64)  # late bills paid on time instead
        self.post_bills = np.zeros(pop.n, dtype=np.int64)  # payable bills from the start on
        self.moved = np.zeros(pop.n, dtype=np.int64)  # call-centre contacts moved to the web
        self.post_months = np.zeros(pop.n, dtype=np.int64)  # active months after the start

    def _in(self, campaign: int, cust: np.ndarray) -> np.ndarray:
        return (self.campaign[cust] == campaign) & self.treated[cust]

    def adjust_payments(self, plan: PaymentPlan, cust: np.ndarray, m: int) -> PaymentPlan:
        """The payment-arrangement effect on the plans of the bills of window month m: a
        treated customer's late bill (paid in full) is paid on time with probability
        SHARE_LATE_TO_ON_TIME. The payment events keep their number (only their dates move)."""
        if m < self.start:
            return plan
        rng = stream(self.seed, "campaign-payments", m)
        draw = rng.random(len(cust))
        treated = self._in(PAYMENT, cust)
        late_in_full = ~plan.on_time & (plan.first_fraction == 1.0)
        flip = treated & late_in_full & (draw < SHARE_LATE_TO_ON_TIME)
        np.add.at(self.flipped, cust[flip], 1)
        np.add.at(self.post_bills, cust[treated], 1)
        return PaymentPlan(
            on_time=plan.on_time | flip,
            days_late=np.where(flip, 0, plan.days_late),
            first_fraction=plan.first_fraction,
            catches_up=plan.catches_up,
            settles_never=plan.settles_never,
        )

    def move_contacts(self, cust: np.ndarray, channel: np.ndarray, m: int) -> np.ndarray:
        """The digital-push effect on the cases opened in window month m: a treated customer's
        call-centre contact comes through the web with probability SHARE_CALLS_TO_WEB."""
        if m < self.start:
            return channel
        rng = stream(self.seed, "campaign-contacts", m)
        draw = rng.random(len(cust))
        move = self._in(DIGITAL, cust) & (channel == _CALL) & (draw < SHARE_CALLS_TO_WEB)
        if m > self.start:  # the effect measured: months 1..N after the start
            np.add.at(self.moved, cust[move], 1)
            self.post_months += self.pop.active_in(self.window, m) & self._in(
                DIGITAL, np.arange(self.pop.n)
            )
        return np.where(move, _WEB, channel).astype(channel.dtype)

    def frame(self) -> pl.DataFrame:
        """The landing table: every enrolled customer, assigned on the first day of the start."""
        members = np.flatnonzero(self.campaign >= 0)
        kind = self.campaign[members]
        return conform(
            "campaigns",
            pl.DataFrame(
                {
                    "campaign_id": pl.Series([c[0] for c in CAMPAIGNS]).gather(kind),
                    "customer_id": format_ids("customer", members),
                    "strategy": pl.Series([c[1] for c in CAMPAIGNS]).gather(kind),
                    "assigned_on": np.full(len(members), self.window.first_day(self.start)),
                    "group": np.where(self.treated[members], "treatment", "control"),
                }
            ),
        )

    def truth(self) -> list[dict]:
        """Per campaign: its KPI and the effect planted on it, as realised on the treated (the
        mean over treated customers of their own change). Written after the last month."""
        effects = {
            PAYMENT: _mean_ratio(
                self.flipped, self.post_bills, self._in(PAYMENT, np.arange(self.pop.n))
            ),
            DIGITAL: -_mean_ratio(
                self.moved, self.post_months, self._in(DIGITAL, np.arange(self.pop.n))
            ),
            PLACEBO: 0.0,
        }
        design = {
            PAYMENT: f"{SHARE_LATE_TO_ON_TIME:g} of treated late (paid in full) bills paid on time",
            DIGITAL: f"{SHARE_CALLS_TO_WEB:g} of treated call-centre contacts moved to the web",
            PLACEBO: "no effect",
        }
        return [
            {
                "campaign_id": campaign_id,
                "strategy": strategy,
                "kpi": kpi,
                "start_month": self.window.label(self.start),
                "planted_effect": round(float(effects[i]), 6),
                "design": design[i],
                "n_treatment": int(((self.campaign == i) & self.treated).sum()),
                "n_control": int(((self.campaign == i) & ~self.treated).sum()),
            }
            for i, (campaign_id, strategy, kpi) in enumerate(CAMPAIGNS)
        ]


def _mean_ratio(numerator: np.ndarray, denominator: np.ndarray, members: np.ndarray) -> float:
    """Mean over `members` with a denominator of numerator / denominator (0 without members)."""
    keep = members & (denominator > 0)
    return float(np.mean(numerator[keep] / denominator[keep])) if keep.any() else 0.0


def write_truth(truth_dir: Path, plan: CampaignPlan | None) -> None:
    """`campaign_effects.json`: the planted campaigns; none (a stale file removed) when off."""
    path = Path(truth_dir) / "campaign_effects.json"
    path.unlink(missing_ok=True)
    if plan is not None:
        path.write_text(json.dumps({"campaigns": plan.truth()}, indent=2, sort_keys=True))
