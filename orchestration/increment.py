"""Which months a nightly increment recomputes and republishes, so that it publishes what a
backfill publishes while touching only the months the new data changes.

A correction can land in any earlier month: a re-issued bill, a late payment, a re-sent
restoration time, a new customer version, a quarantined row healed by a late customer master
row. What changed is found by comparing fingerprints, not by listing the kinds of correction:
the dbt model `quality.feature_inputs` holds, per month and input of the monthly models, the
number of rows that can change that month's features and a hash of their values, each row
counted in its own month (a bill in its billing month, a payment in its payment month: a late
payment dated in an old month changes that month's `payments`; a bill paid late changes the
`bills_settled` of the month it was settled in). `quality.feature_inputs_used` keeps, per
stage, the fingerprints each month was last built from:

- `features`: written when the monthly dbt models have rebuilt a window that holds every month
  depending on the window's changed months (dependent_months: a window that stops earlier
  leaves those later months stale);
- `scores`: the `features` fingerprints of the months scored, copied when they are scored.

The months a change of month M reaches (REACH, the one statement of these dependencies):

- the monthly facts and trailing sums of bills (kWh, amounts billed), outages, work orders and
  smart-meter reads: M and the LOOKBACK_MONTHS months after it (the longest look back of a
  feature: kwh_last_3m_year_ago reads months 14..12 before the as_of_month);
- the bills due, settlements and payments: M and every later month (the receivables balance
  and its arrears ageing are running sums over all history);
- the customer versions, feeders and disconnections: M and every later month (the attributes
  in force at a month end, the feeder every outage month falls back to, the active customers).

An input not listed reaches every later month. The new month is a changed month like any
other (its inputs were never built). The months to recompute are the union of these reaches,
from the first month with bills to the latest: one contiguous range or several
(month_ranges). No fixed number of recent months is recomputed besides.

Scoring and profiling are per month (a month's features and the current model): they touch the
same months. The services are not: a month's action list reads the lists of the
contact-period months before it, so a changed month can change every later month's list; they
run from the earliest recomputed month to the latest (Refresh.services).

Publishing appends: every month replaced in a published `ml` table (replace_months) is marked in
`quality.unpublished_months`, in the same transaction; the publish rewrites only the marked
months of the history tables and hard-links the others from the previous snapshot, then clears
the marks it published (orchestration/defs/publish/writer.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from orchestration.defs.partitions import shift_month
from orchestration.defs.warehouse import table_exists

INPUTS_TABLE = "quality.feature_inputs"
USED_TABLE = "quality.feature_inputs_used"
FEATURES_STAGE, SCORES_STAGE = "features", "scores"
# The input whose months are the partitions: the features exist for the months with bills.
BILLS_INPUT = "bills"
# The longest look back of a feature: kwh_last_3m_year_ago sums the months 14..12 before the
# as_of_month (dbt_project/models/marts/customer_features.sql and the trailing models).
LOOKBACK_MONTHS = 14
# Input of quality.feature_inputs -> how many months after its month a change reaches (None:
# every later month). The module docstring says why.
REACH: dict[str, int | None] = {
    "bills": LOOKBACK_MONTHS,
    "bills_due": None,
    "bills_settled": None,
    "payments": None,
    "outages": LOOKBACK_MONTHS,
    "outage_customers": LOOKBACK_MONTHS,
    "work_orders_opened": LOOKBACK_MONTHS,
    "work_orders_closed": LOOKBACK_MONTHS,
    "meter_reads": LOOKBACK_MONTHS,
    "customer_versions": None,
    "customer_feeders": None,
    "customer_disconnections": None,
}
UNPUBLISHED_TABLE = "quality.unpublished_months"

# (month 'YYYY-MM', input) -> (rows, fingerprint)
Fingerprints = Mapping[tuple[str, str], tuple[int, int]]


def changed_inputs(current: Fingerprints, used: Fingerprints) -> dict[str, set[str]]:
    """Month -> the inputs whose rows differ between `current` and `used` (an input that
    appeared or vanished included)."""
    changed: dict[str, set[str]] = {}
    for key in current.keys() | used.keys():
        if current.get(key) != used.get(key):
            changed.setdefault(key[0], set()).add(key[1])
    return changed


def changed_months(current: Fingerprints, used: Fingerprints) -> set[str]:
    """The months with an input whose rows differ between `current` and `used`."""
    return set(changed_inputs(current, used))


def dependent_months(changed: Mapping[str, Iterable[str]], first: str, last: str) -> list[str]:
    """The months from `first` to `last` whose features read a changed (month, input) of
    `changed` (month -> inputs), in order: each change's month and the months REACH says."""
    months: set[str] = set()
    for month, inputs in changed.items():
        if month > last:
            continue  # waits for its month's bills: no feature reads it before
        reaches = [REACH.get(name) for name in inputs]
        end = last if None in reaches else min(last, shift_month(month, max(reaches)))
        start = max(month, first)
        while start <= end:
            months.add(start)
            start = shift_month(start, 1)
    return sorted(months)


def month_ranges(months: list[str]) -> list[tuple[str, str]]:
    """Sorted months as ranges of consecutive months (first, last)."""
    ranges: list[tuple[str, str]] = []
    for month in months:
        if ranges and shift_month(ranges[-1][1], 1) == month:
            ranges[-1] = (ranges[-1][0], month)
        else:
            ranges.append((month, month))
    return ranges


@dataclass(frozen=True)
class Refresh:
    """What the next refresh recomputes: the monthly features, scores and profiles of `ranges`,
    the services of `services` (from the earliest of them to the latest month with bills), and
    the changed months up to the latest month with bills."""

    ranges: list[tuple[str, str]]
    services: tuple[str, str] | None
    changed: list[str]

    @property
    def months(self) -> list[str]:
        """Every month of `ranges`, in order."""
        months = []
        for first, last in self.ranges:
            while first <= last:
                months.append(first)
                first = shift_month(first, 1)
        return months

    @property
    def window(self) -> tuple[str, str] | None:
        """One range holding every recomputed month (the scheduled refresh runs one partition
        range): from the earliest to the latest; None when nothing is pending."""
        return self.services


def read_fingerprints(
    conn: duckdb.DuckDBPyConnection, stage: str | None = None
) -> dict[tuple[str, str], tuple[int, int]]:
    """The current fingerprints (`stage` None), or those a stage last used; empty when the
    table does not exist yet."""
    table = INPUTS_TABLE if stage is None else USED_TABLE
    if not table_exists(conn, *table.split(".")):
        return {}
    sql = f"select month, input, n_rows, fingerprint from {table}"
    rows = (
        conn.execute(sql).fetchall()
        if stage is None
        else conn.execute(sql + " where stage = ?", [stage]).fetchall()
    )
    return {(month, name): (n_rows, fingerprint) for month, name, n_rows, fingerprint in rows}


def bill_months(current: Fingerprints) -> tuple[str, str] | None:
    """The first and last month with bills, None when there is none."""
    months = sorted(month for month, name in current if name == BILLS_INPUT)
    return (months[0], months[-1]) if months else None


def pending_window(conn: duckdb.DuckDBPyConnection) -> Refresh | None:
    """The months the next refresh must recompute (None when no bills were loaded yet). Inputs
    dated after the latest month with bills (payments of a month whose bills have not come)
    wait for its bills: no feature reads them before."""
    current = read_fingerprints(conn)
    months = bill_months(current)
    if months is None:
        return None
    changed = changed_inputs(current, read_fingerprints(conn, SCORES_STAGE))
    ranges = month_ranges(dependent_months(changed, *months))
    services = (ranges[0][0], months[1]) if ranges else None
    return Refresh(ranges, services, sorted(m for m in changed if m <= months[1]))


def _ensure_used_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists quality")
    conn.execute(
        f"create table if not exists {USED_TABLE} (stage varchar, month varchar, "
        "input varchar, n_rows bigint, fingerprint hugeint)"
    )


def recorded_months(first: str, last: str, first_billed: str) -> tuple[str, str]:
    """The months whose fingerprints a build of `first`..`last` accounts for: the window's,
    and when it starts at the first month with bills (`first_billed`), the months before it
    too, from the smallest key ('' sorts first): a customer connected years earlier has inputs
    there that only the features from the first month with bills on read."""
    return ("" if first <= first_billed else first), last


def _replace_used(
    conn: duckdb.DuckDBPyConnection, stage: str, months: tuple[str, str], select: str, params: list
) -> None:
    """In one transaction, replace the `stage` rows of the months with those of `select`."""
    _ensure_used_table(conn)
    conn.begin()
    try:
        conn.execute(
            f"delete from {USED_TABLE} where stage = ? and month between ? and ?",
            [stage, *months],
        )
        conn.execute(f"insert into {USED_TABLE} {select}", [stage, *params, *months])
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def record_features(conn: duckdb.DuckDBPyConnection, first: str, last: str) -> bool:
    """After the monthly models rebuilt `first`..`last`: their inputs become those the features
    of these months were built from (True), if no month after `last` depends on a change in the
    window (dependent_months). Otherwise nothing is recorded: those later months were not
    recomputed, and the window stays pending."""
    current = read_fingerprints(conn)
    months = bill_months(current)
    if months is None:
        return False
    low, high = recorded_months(first, last, months[0])
    changed = changed_inputs(current, read_fingerprints(conn, FEATURES_STAGE))
    in_window = {m: inputs for m, inputs in changed.items() if low <= m <= high}
    if any(m > last for m in dependent_months(in_window, months[0], months[1])):
        return False
    _replace_used(
        conn,
        FEATURES_STAGE,
        recorded_months(first, last, months[0]),
        f"select ?, month, input, n_rows, fingerprint from {INPUTS_TABLE} "
        "where month between ? and ?",
        [],
    )
    return True


def record_scores(conn: duckdb.DuckDBPyConnection, first: str, last: str) -> None:
    """After the months `first`..`last` were scored: their scores come from the features built
    from the `features` fingerprints of these months (none recorded: the month stays pending)."""
    months = bill_months(read_fingerprints(conn))
    if months is None:
        return
    _replace_used(
        conn,
        SCORES_STAGE,
        recorded_months(first, last, months[0]),
        f"select ?, month, input, n_rows, fingerprint from {USED_TABLE} "
        "where stage = ? and month between ? and ?",
        [FEATURES_STAGE],
    )


def mark_unpublished(conn: duckdb.DuckDBPyConnection, table: str, months: Iterable[str]) -> None:
    """Mark the months of `ml.<table>` as replaced since the last publish; the caller's
    transaction makes it atomic with the replacement."""
    conn.execute("create schema if not exists quality")
    conn.execute(
        f"create table if not exists {UNPUBLISHED_TABLE} (table_name varchar, month varchar)"
    )
    conn.execute(
        f"insert into {UNPUBLISHED_TABLE} select ?, unnest(?)", [table, sorted(set(months))]
    )


def unpublished_months(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]] | None:
    """`ml` table -> its months replaced since the last publish; None when the warehouse keeps
    no marks yet (everything is published again)."""
    if not table_exists(conn, *UNPUBLISHED_TABLE.split(".")):
        return None
    marks: dict[str, set[str]] = {}
    for table, month in conn.execute(
        f"select distinct table_name, month from {UNPUBLISHED_TABLE}"
    ).fetchall():
        marks.setdefault(table, set()).add(month)
    return marks


def clear_unpublished(conn: duckdb.DuckDBPyConnection, marks: Mapping[str, Iterable[str]]) -> None:
    """After a publish of `marks`: they are published (marks added since stay)."""
    pairs = [(table, month) for table, months in marks.items() for month in months]
    if not pairs or not table_exists(conn, *UNPUBLISHED_TABLE.split(".")):
        return
    conn.execute(
        f"delete from {UNPUBLISHED_TABLE} using "
        "(select unnest(?) as table_name, unnest(?) as month) as published "
        f"where {UNPUBLISHED_TABLE}.table_name = published.table_name "
        f"and {UNPUBLISHED_TABLE}.month = published.month",
        [[t for t, _ in pairs], [m for _, m in pairs]],
    )
