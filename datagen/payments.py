"""Payments: how each customer settles each bill (on time, late, partial, missed, bounced).

Grain: one row per payment event (a bounced payment adds a negative reversal row with its own
payment_id). Events are drawn when a bill is issued and held until the month they are dated
in; events dated after the window never appear (still unpaid at the data's end = arrears).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from datagen.bills import BillBatch
from datagen.calendar import DAY, HOUR, Window
from datagen.campaigns import CampaignPlan
from datagen.contract import PAYMENT_CHANNELS, PAYMENT_METHODS, conform
from datagen.financial_shocks import FinancialShocks
from datagen.ids import format_ids
from datagen.payment_behaviour import PaymentBehaviour
from datagen.population import Population
from datagen.streams import stream

P_UNAPPLIED = 0.01
P_REPAY_AFTER_BOUNCE = 0.6
P_OTHER_CHANNEL = 0.08
AGENT_SHARE_OF_CASH = 0.4
_CHANNEL_OF_METHOD = np.array([PAYMENT_CHANNELS.index(m) for m in PAYMENT_METHODS])
_CASH, _AGENT, _DD = (PAYMENT_CHANNELS.index(c) for c in ("cash", "agent", "direct_debit"))
_AD_HOC = np.array([i for i, c in enumerate(PAYMENT_CHANNELS) if c != "direct_debit"])
_PENDING_SCHEMA = {
    "number": pl.Int64,
    "customer": pl.Int64,
    "bill": pl.Int64,
    "paid_at": pl.Datetime("us"),
    "amount": pl.Float64,
    "channel": pl.Int8,
}


class PaymentBook:
    """Draws payment events per bill batch and releases them month by month."""

    def __init__(self, pop: Population, window: Window, seed: int) -> None:
        self.pop, self.window, self.seed = pop, window, seed
        self.behaviour = PaymentBehaviour(pop.arch, seed)
        self.shocks = FinancialShocks(pop.arch, window.n_months, seed)
        self.pending = pl.DataFrame(schema=_PENDING_SCHEMA)
        self.next_number = 0
        self.unpaid_streak = np.zeros(pop.n, dtype=np.int16)  # consecutive unsettled bills
        self.campaigns: CampaignPlan | None = (
            None  # planted campaign effects (datagen/campaigns.py)
        )

    def add_bills(self, batch: BillBatch, m: int) -> None:
        """Draw every payment event for the payable bills of window month m."""
        rng = stream(self.seed, "payments", m)
        b = np.flatnonzero(batch.payable)
        cust, amount, due = batch.customer[b], batch.amount[b], batch.due_date[b]
        plan = self.behaviour.plan(rng, cust, self.window.calendar_month(m))
        plan = self.shocks.strain(plan, cust, m)
        if self.campaigns is not None:
            plan = self.campaigns.adjust_payments(plan, cust, m)
        direct_debit = self.pop.payment_method[cust] == PAYMENT_METHODS.index("direct_debit")
        due_ts = due.astype("datetime64[s]")
        on_time_at = np.where(
            direct_debit,
            due_ts + 5 * HOUR + rng.integers(0, 7200, len(b)).astype("timedelta64[s]"),
            due_ts - rng.integers(0, 11, len(b)) * DAY + _daytime(rng, len(b)),
        )
        first_at = np.where(
            plan.on_time, on_time_at, due_ts + plan.days_late * DAY + _daytime(rng, len(b))
        )
        first_amount = np.round(amount * plan.first_fraction, 2)
        pays = plan.first_fraction > 0
        catch_at = np.where(pays, first_at, due_ts) + rng.integers(20, 101, len(b)) * DAY
        events = [
            (cust[pays], batch.number[b][pays], first_at[pays], first_amount[pays]),
            (
                cust[plan.catches_up],
                batch.number[b][plan.catches_up],
                catch_at[plan.catches_up],
                (amount - first_amount)[plan.catches_up],
            ),
        ]
        c, bill, at, amt = (np.concatenate(x) for x in zip(*events, strict=True))
        channel = self._channels(rng, c)
        bill = np.where(rng.random(len(c)) < P_UNAPPLIED, -1, bill)  # unapplied payments
        c, bill, at, amt, channel = self._bounces(rng, m, c, bill, at, amt, channel)
        order = np.lexsort((bill, at))
        n = len(order)
        new = pl.DataFrame(
            {
                "number": self.next_number + np.arange(n),
                "customer": c[order],
                "bill": bill[order],
                "paid_at": at[order].astype("datetime64[us]"),
                "amount": amt[order],
                "channel": channel[order].astype(np.int8),
            },
            schema=_PENDING_SCHEMA,
        )
        self.next_number += n
        self.pending = pl.concat([self.pending, new])
        settled = ~plan.settles_never
        self.unpaid_streak[cust] = np.where(settled, 0, self.unpaid_streak[cust] + 1)

    def month(self, m: int) -> pl.DataFrame:
        """Payments dated in window month m, in paid_at order."""
        end = self.window.month_end_ts(m)
        due_now = self.pending.filter(pl.col("paid_at") < end).sort(["paid_at", "number"])
        self.pending = self.pending.filter(pl.col("paid_at") >= end)
        bill = due_now["bill"].to_numpy()
        frame = pl.DataFrame(
            {
                "payment_id": format_ids("payment", due_now["number"].to_numpy()),
                "customer_id": format_ids("customer", due_now["customer"].to_numpy()),
                "bill_id": format_ids("bill", bill).scatter(np.flatnonzero(bill < 0), None),
                "paid_at": due_now["paid_at"],
                "amount": due_now["amount"],
                "channel": pl.Series(PAYMENT_CHANNELS).gather(due_now["channel"].to_numpy()),
            }
        )
        return conform("payments", frame)

    def _channels(self, rng: np.random.Generator, cust: np.ndarray) -> np.ndarray:
        """Channel follows the payment method, cash partly via agents; 8% of non-debit payments
        use another (never a direct debit, which needs a mandate)."""
        channel = _CHANNEL_OF_METHOD[self.pop.payment_method[cust]]
        n = len(cust)
        channel = np.where(
            (channel == _CASH) & (rng.random(n) < AGENT_SHARE_OF_CASH), _AGENT, channel
        )
        other = (rng.random(n) < P_OTHER_CHANNEL) & (channel != _DD)
        return np.where(other, _AD_HOC[rng.integers(0, len(_AD_HOC), n)], channel)

    def _bounces(self, rng, m, c, bill, at, amt, channel):
        """Reversal rows (negative, 2-6 days later) and, often, a re-payment after them; a
        financial shock makes bounces likelier."""
        can = (channel != _CASH) & (channel != _AGENT)
        rate = self.behaviour.bounce_rate(c) + self.shocks.extra_bounce(c, m)
        bounced = can & (rng.random(len(c)) < rate)
        k = int(bounced.sum())
        rev_at = at[bounced] + rng.integers(2, 7, k) * DAY
        repay = rng.random(k) < P_REPAY_AFTER_BOUNCE
        re_at = rev_at[repay] + rng.integers(5, 26, int(repay.sum())) * DAY
        return (
            np.concatenate([c, c[bounced], c[bounced][repay]]),
            np.concatenate([bill, bill[bounced], bill[bounced][repay]]),
            np.concatenate([at, rev_at, re_at]),
            np.concatenate([amt, -amt[bounced], amt[bounced][repay]]),
            np.concatenate([channel, channel[bounced], channel[bounced][repay]]),
        )


def _daytime(rng: np.random.Generator, n: int) -> np.ndarray:
    """A time of day between 07:00 and 22:00."""
    return rng.integers(7 * 3600, 22 * 3600, n).astype("timedelta64[s]")
