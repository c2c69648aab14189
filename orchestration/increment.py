"""Which months a nightly increment touches, so that it publishes what a backfill publishes.

A correction can land in any earlier month: a re-issued bill, a late payment, a re-sent
restoration time, a new customer version, a quarantined row healed by a late customer master
row. A backfill restates that month and, through the trailing 12-month sums, every later month.
So does the nightly refresh: it starts at the earliest month whose inputs changed since its
features and scores were built, or at its usual start (the latest month with bills and the two
before it, where bills and payments still land), whichever is earlier, and runs to the latest
month with bills.

What changed is found by comparing fingerprints, not by listing the kinds of correction: the
dbt model `quality.feature_inputs` holds, per month and input of the monthly models, the number
of rows that can change that month's features and a hash of their values. Every correction,
including those nobody listed, changes some month's fingerprint. `quality.feature_inputs_used`
keeps, per stage, the fingerprints each month was last built from:

- `features`: written when the monthly dbt models have rebuilt a window that runs to the latest
  month with bills (a window that stops earlier leaves the trailing sums after it stale);
- `scores`: the `features` fingerprints of the months scored, copied when they are scored.

The refresh compares the current fingerprints with `scores`: a run that built the features but
failed before scoring is redone in full by the next one.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from orchestration.defs.partitions import shift_month
from orchestration.defs.warehouse import table_exists

INPUTS_TABLE = "quality.feature_inputs"
USED_TABLE = "quality.feature_inputs_used"
FEATURES_STAGE, SCORES_STAGE = "features", "scores"
# The input whose months are the partitions: the features exist for the months with bills.
BILLS_INPUT = "bills"
# The nightly refresh recomputes at least the latest month with bills and the two before it:
# bills are issued days after a period ends and payments arrive late.
REFRESH_MONTHS = 3

# (month 'YYYY-MM', input) -> (rows, fingerprint)
Fingerprints = Mapping[tuple[str, str], tuple[int, int]]


def changed_months(current: Fingerprints, used: Fingerprints) -> set[str]:
    """The months with an input whose rows differ between `current` and `used` (an input that
    appeared or vanished included)."""
    return {key[0] for key in current.keys() | used.keys() if current.get(key) != used.get(key)}


def months_to_refresh(
    changed: set[str], first: str, last: str, refresh_months: int = REFRESH_MONTHS
) -> tuple[str, str]:
    """The months to recompute when the months with bills run from `first` to `last`: from the
    earliest `changed` month, or from `refresh_months` before the end if that is earlier, to
    `last`; never before `first` (a backfill starts there too)."""
    usual_start = shift_month(last, 1 - refresh_months)
    start = min([usual_start, *(month for month in changed if month <= last)])
    return max(start, first), last


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


def pending_window(conn: duckdb.DuckDBPyConnection) -> tuple[tuple[str, str], list[str]] | None:
    """The months the next refresh must recompute and the changed months up to the latest
    month with bills (None when no bills were loaded yet). Inputs dated after it (payments of a
    month whose bills have not come) wait for its bills: no feature reads them before."""
    current = read_fingerprints(conn)
    months = bill_months(current)
    if months is None:
        return None
    changed = changed_months(current, read_fingerprints(conn, SCORES_STAGE))
    return months_to_refresh(changed, *months), sorted(m for m in changed if m <= months[1])


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
    of these months were built from, if the window runs to the latest month with bills (True).
    A shorter window records nothing: the trailing sums after it were not recomputed."""
    months = bill_months(read_fingerprints(conn))
    if months is None or last < months[1]:
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
