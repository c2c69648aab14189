"""CRM cases and field work orders, sent when opened and re-sent when closed in a later month.

Grain: one row per work order per send. A case still open at the end of its opening month is
sent as open (closed_at null) and re-sent in the month it closes with its final status. Also
opens new_connection cases for new accounts and closure cases for disconnected ones.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

from datagen import archetypes as A
from datagen.calendar import DAY, HOUR, Window
from datagen.campaigns import CampaignPlan
from datagen.contact_behaviour import CONTACT_TRAITS, SATISFACTION, ContactBehaviour
from datagen.contract import WORK_ORDER_CATEGORIES as CATEGORIES
from datagen.contract import WORK_ORDER_CHANNELS as CHANNELS
from datagen.contract import WORK_ORDER_STATUSES as STATUSES
from datagen.contract import conform
from datagen.ids import format_ids
from datagen.population import Population
from datagen.streams import stream

RESOLUTION_MEDIAN_HOURS = {
    "complaint": 72,
    "billing_dispute": 96,
    "meter_fault": 72,
    "outage_report": 3,
    "new_connection": 48,
    "reconnection": 24,
    "disconnection_nonpayment": 48,
    "payment_arrangement": 6,
    "vegetation": 240,
    "voltage_quality": 120,
    "information_request": 1,
    "other": 24,
}
RESOLUTION_SIGMA = 1.0
P_CANCELLED = 0.03
P_SURVEY = 0.3  # closed cases with a post-case survey score
UNHAPPY = ("complaint", "billing_dispute", "disconnection_nonpayment")
_MEDIAN = np.array([RESOLUTION_MEDIAN_HOURS[c] for c in CATEGORIES], dtype=np.float64)
_OPEN, _CLOSED, _CANCELLED = (STATUSES.index(s) for s in ("open", "closed", "cancelled"))
_RAW = {
    "number": pl.Int64,
    "customer": pl.Int64,
    "opened_at": pl.Datetime("us"),
    "closed_at": pl.Datetime("us"),
    "category": pl.Int16,
    "channel": pl.Int16,
    "status": pl.Int16,
    "score": pl.Int32,
}


class WorkOrderDesk:
    """Opens each month's cases and carries their closing re-sends."""

    def __init__(self, pop: Population, window: Window, seed: int) -> None:
        self.pop, self.window, self.seed = pop, window, seed
        self.behaviour = ContactBehaviour(pop.arch, seed)
        self.next_number = 0
        self.resends: dict[int, list[pl.DataFrame]] = defaultdict(list)
        self.campaigns: CampaignPlan | None = (
            None  # planted campaign effects (datagen/campaigns.py)
        )

    def month(self, m: int, feeder_events: np.ndarray, unpaid_streak: np.ndarray) -> pl.DataFrame:
        """Work orders file of month m: cases opened in m and cases closed in m."""
        pop, w = self.pop, self.window
        rng = stream(self.seed, "work_orders", m)
        first = w.first_day(m)
        settled = np.flatnonzero((pop.connected_on < first) & ~(pop.disconnected_on < first))
        cust, cat = self.behaviour.cases(
            rng, settled, w.calendar_month(m), feeder_events[pop.feeder[settled]], unpaid_streak
        )
        n = len(cust)
        opened = (first + rng.integers(0, w.days_in(m), n) * DAY).astype("datetime64[s]") + (
            rng.integers(7 * 3600, 21 * 3600, n).astype("timedelta64[s]")
        )
        hours = _MEDIAN[cat] * np.exp(RESOLUTION_SIGMA * rng.standard_normal(n))
        closed = opened + np.maximum(hours * 3600, 300).astype("timedelta64[s]")
        channel = self.behaviour.channels(rng, cust, cat)
        life = self._lifecycle_cases(rng, m)
        cust, cat, channel, opened, closed = (
            np.concatenate([a, b])
            for a, b in zip((cust, cat, channel, opened, closed), life, strict=True)
        )
        if self.campaigns is not None:
            channel = self.campaigns.move_contacts(cust, channel, m)
        n = len(cust)
        status = np.where(rng.random(n) < P_CANCELLED, _CANCELLED, _CLOSED)
        score = self._scores(rng, cust, cat, status)
        order = np.lexsort((cust, opened))
        raw = pl.DataFrame(
            {
                "number": self.next_number + np.arange(n),
                "customer": cust[order],
                "opened_at": opened[order].astype("datetime64[us]"),
                "closed_at": closed[order].astype("datetime64[us]"),
                "category": cat[order],
                "channel": channel[order],
                "status": status[order],
                "score": score[order],
            },
            schema=_RAW,
        )
        self.next_number += n
        return self._frame(self._send(m, raw))

    def _send(self, m: int, raw: pl.DataFrame) -> pl.DataFrame:
        """Rows of month m's file: cases still open at month end go as open and are queued
        for re-sending in the month they close; earlier cases closing in m join them."""
        w = self.window
        end = w.month_end_ts(m)
        later = raw.filter(pl.col("closed_at") >= end)
        months = w.month_index(later["closed_at"].to_numpy())
        for target in np.unique(months[months < w.n_months]):
            self.resends[int(target)].append(later.filter(pl.Series(months == target)))
        still_open = pl.col("closed_at") >= end
        sent = raw.with_columns(
            closed_at=pl.when(still_open).then(None).otherwise(pl.col("closed_at")),
            status=pl.when(still_open).then(pl.lit(_OPEN, pl.Int16)).otherwise(pl.col("status")),
            score=pl.when(still_open).then(None).otherwise(pl.col("score")),
        )
        return pl.concat([*self.resends.pop(m, []), sent])

    def _lifecycle_cases(self, rng: np.random.Generator, m: int):
        """new_connection cases for accounts connecting in m, closure cases for leavers."""
        pop, w = self.pop, self.window
        joins = np.flatnonzero(w.month_index(pop.connected_on) == m)
        leaves = np.flatnonzero(w.month_index(pop.disconnected_on) == m)
        cust = np.concatenate([joins, leaves])
        day = np.concatenate([pop.connected_on[joins], pop.disconnected_on[leaves]])
        stressed = pop.arch[leaves] == A.STRESSED
        cat = np.concatenate(
            [
                np.full(len(joins), CATEGORIES.index("new_connection")),
                np.where(
                    stressed,
                    CATEGORIES.index("disconnection_nonpayment"),
                    CATEGORIES.index("other"),
                ),
            ]
        ).astype(np.int16)
        n = len(cust)
        lead = (rng.random(n) * ((day - w.first_day(m)) / DAY + 1)).astype(np.int64)
        opened = (day - lead * DAY).astype("datetime64[s]") + rng.integers(8, 12, n) * HOUR
        closed = day.astype("datetime64[s]") + rng.integers(13, 18, n) * HOUR
        channel = self.behaviour.channels(rng, cust, cat)
        return cust, cat, channel, opened, closed

    def _scores(self, rng, cust, cat, status) -> np.ndarray:
        """1..5 survey score on ~30% of closed cases (0 = no survey, becomes null)."""
        mean = A.column(CONTACT_TRAITS, SATISFACTION)[self.pop.arch[cust]]
        mean = mean - 0.6 * np.isin(cat, [CATEGORIES.index(c) for c in UNHAPPY])
        score = np.clip(np.round(mean + 0.8 * rng.standard_normal(len(cust))), 1, 5)
        surveyed = (status == _CLOSED) & (rng.random(len(cust)) < P_SURVEY)
        return np.where(surveyed, score, 0).astype(np.int32)

    def _frame(self, raw: pl.DataFrame) -> pl.DataFrame:
        score = raw["score"]
        return conform(
            "work_orders",
            pl.DataFrame(
                {
                    "work_order_id": format_ids("work_order", raw["number"].to_numpy()),
                    "customer_id": format_ids("customer", raw["customer"].to_numpy()),
                    "opened_at": raw["opened_at"],
                    "closed_at": raw["closed_at"],
                    "category": pl.Series(CATEGORIES).gather(raw["category"].to_numpy()),
                    "channel": pl.Series(CHANNELS).gather(raw["channel"].to_numpy()),
                    "status": pl.Series(STATUSES).gather(raw["status"].to_numpy()),
                    "satisfaction_score": score.scatter(
                        np.flatnonzero(score.fill_null(0) == 0), None
                    ),
                }
            ),
        )
