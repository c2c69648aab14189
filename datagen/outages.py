"""Outage events per feeder and, for ~40% of them, the list of affected customers.

Grain: one outages row per event (re-sent when its restoration time becomes known or is
corrected; newest restored_at wins) and one outage_customers row per affected customer of a
listed event. Events per feeder-month are Poisson, more in rural districts and in winter and
summer storms; durations are lognormal minutes (rural longer, some over 4 hours).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

from datagen.archetypes import draw_categorical
from datagen.calendar import DAY, HOUR, Window, random_times
from datagen.consumption import SUMMER_PEAK, WINTERNESS
from datagen.contract import OUTAGE_CAUSES, conform
from datagen.ids import format_ids
from datagen.network import OUTAGE_MEDIAN_MINUTES, OUTAGE_RATE, REGION_KIND, REGIONS
from datagen.population import Population
from datagen.streams import stream

PLANNED_SHARE = 0.10
LISTED_SHARE = 0.40  # events with an explicit affected-customer list
CORRECTED_SHARE = 0.05  # re-sent next month with a later restored_at
ONGOING_AT_END = 0.03  # events of the last month still open when the data ends
DURATION_SIGMA = 1.0
_UNPLANNED = {  # cause weights by district kind (planned_maintenance excluded)
    "urban": {
        "weather": 0.25,
        "equipment": 0.3,
        "vegetation": 0.08,
        "animal": 0.12,
        "third_party": 0.15,
        "unknown": 0.1,
    },
    "rural": {
        "weather": 0.35,
        "equipment": 0.2,
        "vegetation": 0.22,
        "animal": 0.1,
        "third_party": 0.05,
        "unknown": 0.08,
    },
}
_CAUSE_P = np.array(
    [[_UNPLANNED[k].get(c, 0.0) for c in OUTAGE_CAUSES] for k in ("urban", "rural")]
)
_PLANNED = OUTAGE_CAUSES.index("planned_maintenance")
_RAW = {
    "number": pl.Int64,
    "feeder": pl.Int64,
    "started_at": pl.Datetime("us"),
    "restored_at": pl.Datetime("us"),
    "cause": pl.Int64,
    "is_planned": pl.Boolean,
}


class OutageLog:
    """Draws each month's outage events and carries re-sends into later months."""

    def __init__(self, pop: Population, window: Window, seed: int) -> None:
        self.pop, self.window, self.seed = pop, window, seed
        self.feeder_region = pop.network.feeder_region
        self.members = np.argsort(pop.feeder, kind="stable")
        counts = np.bincount(pop.feeder, minlength=pop.network.n_feeders)
        self.first_member = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.n_members = counts
        self.next_number = 0
        self.resends: dict[int, list[pl.DataFrame]] = defaultdict(list)

    def month(self, m: int) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
        """(outages file, outage_customers file, unplanned events per feeder) for month m."""
        rng = stream(self.seed, "outages", m)
        events = self._draw(rng, m)
        k = events.height
        sent = self._first_send(rng, m, events)
        outages = pl.concat([*self.resends.pop(m, []), sent]).sort("number")
        affected = self._affected(rng, events.filter(pl.Series(rng.random(k) < LISTED_SHARE)))
        unplanned = events.filter(~pl.col("is_planned"))["feeder"].to_numpy()
        per_feeder = np.bincount(unplanned, minlength=len(self.feeder_region))
        return self._outage_frame(outages), affected, per_feeder

    def _draw(self, rng: np.random.Generator, m: int) -> pl.DataFrame:
        """This month's events in start order: feeder, start, restoration, cause, planned."""
        w = self.window
        cal = w.calendar_month(m)
        season = 1 + 0.4 * WINTERNESS[cal - 1] + 0.3 * SUMMER_PEAK[cal - 1]
        lam = OUTAGE_RATE[self.feeder_region] * season / (1 - PLANNED_SHARE)
        feeder = np.repeat(np.arange(len(lam)), rng.poisson(lam))
        k = len(feeder)
        planned = rng.random(k) < PLANNED_SHARE
        region = self.feeder_region[feeder]
        planned_start = (w.first_day(m) + rng.integers(0, w.days_in(m), k) * DAY).astype(
            "datetime64[s]"
        ) + rng.integers(8, 14, k) * HOUR  # maintenance starts on the hour, 08:00-13:00
        any_time = random_times(rng, np.full(k, w.month_start_ts(m)), np.full(k, w.month_end_ts(m)))
        started = np.where(planned, planned_start, any_time)
        unplanned_minutes = OUTAGE_MEDIAN_MINUTES[region] * np.exp(
            DURATION_SIGMA * rng.standard_normal(k)
        )
        minutes = np.where(
            planned, rng.integers(60, 361, k), np.clip(unplanned_minutes, 3, 4 * 24 * 60)
        ).astype(np.int64)
        restored = started + (minutes * 60).astype("timedelta64[s]")
        rural = np.array([kind != "urban" for kind in REGION_KIND])[region].astype(np.int64)
        cause = np.where(planned, _PLANNED, draw_categorical(rng, _CAUSE_P, rural))
        if m == w.n_months - 1 and (~planned).any():  # a few still open when the data ends
            ongoing = ~planned & (rng.random(k) < ONGOING_AT_END)
            candidates = np.flatnonzero(~planned)
            ongoing[candidates[rng.integers(len(candidates))]] = True
            late_start = w.month_end_ts(m) - rng.integers(3600, 20 * 3600, k).astype(
                "timedelta64[s]"
            )
            started = np.where(ongoing, late_start, started)
            restored = np.where(ongoing, np.datetime64("NaT"), restored)
        order = np.lexsort((feeder, started))
        number = self.next_number + np.arange(k)
        self.next_number += k
        return pl.DataFrame(
            {
                "number": number,
                "feeder": feeder[order],
                "started_at": started[order].astype("datetime64[us]"),
                "restored_at": restored[order].astype("datetime64[us]"),
                "cause": cause[order],
                "is_planned": planned[order],
            },
            schema=_RAW,
        )

    def _first_send(self, rng: np.random.Generator, m: int, events: pl.DataFrame) -> pl.DataFrame:
        """Events as first sent: unknown restoration is null and re-sent once it is known."""
        end = self.window.month_end_ts(m)
        later = events.filter(pl.col("restored_at") >= end)
        months = self.window.month_index(later["restored_at"].to_numpy())
        for target in np.unique(months[months < self.window.n_months]):
            self.resends[int(target)].append(later.filter(pl.Series(months == target)))
        closed = events.filter(pl.col("restored_at") < end)
        corrected = closed.filter(pl.Series(rng.random(closed.height) < CORRECTED_SHARE))
        if m + 1 < self.window.n_months and corrected.height:
            extra = rng.integers(10, 181, corrected.height).astype("timedelta64[m]")
            later_fix = corrected["restored_at"].to_numpy() + extra
            self.resends[m + 1].append(
                corrected.with_columns(restored_at=pl.Series(later_fix).cast(pl.Datetime("us")))
            )
        return events.with_columns(
            restored_at=pl.when(pl.col("restored_at") < end).then(pl.col("restored_at"))
        )

    def _affected(self, rng: np.random.Generator, listed: pl.DataFrame) -> pl.DataFrame:
        """A random subset (15-100%) of the connected customers on each listed event's feeder."""
        feeder = listed["feeder"].to_numpy()
        day = listed["started_at"].to_numpy().astype("datetime64[D]")
        count = self.n_members[feeder]
        event = np.repeat(np.arange(len(feeder)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        cust = self.members[self.first_member[feeder][event] + offset]
        share = rng.uniform(0.15, 1.0, len(feeder))[event]
        on_day = day[event]
        keep = (rng.random(len(cust)) < share) & (self.pop.connected_on[cust] <= on_day)
        keep &= ~(self.pop.disconnected_on[cust] < on_day)
        frame = pl.DataFrame(
            {"outage": listed["number"].to_numpy()[event][keep], "customer": cust[keep]}
        ).sort(["outage", "customer"])
        return conform(
            "outage_customers",
            frame.select(
                outage_id=pl.Series(format_ids("outage", frame["outage"].to_numpy())),
                customer_id=pl.Series(format_ids("customer", frame["customer"].to_numpy())),
            ),
        )

    def _outage_frame(self, raw: pl.DataFrame) -> pl.DataFrame:
        feeder = raw["feeder"].to_numpy()
        return conform(
            "outages",
            pl.DataFrame(
                {
                    "outage_id": format_ids("outage", raw["number"].to_numpy()),
                    "feeder_id": format_ids("feeder", feeder),
                    "region": pl.Series(REGIONS).gather(self.feeder_region[feeder]),
                    "started_at": raw["started_at"],
                    "restored_at": raw["restored_at"],
                    "cause": pl.Series(OUTAGE_CAUSES).gather(raw["cause"].to_numpy()),
                    "is_planned": raw["is_planned"],
                }
            ),
        )
