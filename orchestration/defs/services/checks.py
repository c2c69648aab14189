"""Blocking checks of the services tables, on the months the run built (every month when the
run is not partitioned): a failure stops the publish, and the last good snapshot stays."""

import dagster as dg

from ml.services import load_services_config
from ml.services.signals import SIGNALS
from orchestration.defs.partitions import shift_month
from orchestration.defs.quality.pii_checks import run_months
from orchestration.defs.services.assets import ACTIONS_KEY, SIGNALS_KEY, SIGNALS_TABLE
from orchestration.defs.services.warehouse_io import ACTIONS_TABLE
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths

ALL_MONTHS = ("0000-01", "9999-12")


def _months(context: dg.AssetCheckExecutionContext) -> tuple[str, str]:
    return run_months(context.run.tags) or ALL_MONTHS


@dg.asset_check(
    asset=SIGNALS_KEY,
    name="one_row_per_customer_month",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="customer_signals has exactly one row per customer of customer_features and "
    "as_of_month, for the run's months.",
)
def one_row_per_customer_month(
    context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
) -> dg.AssetCheckResult:
    months = _months(context)
    with gridseg.warehouse(read_only=True) as conn:
        duplicated, missing = conn.execute(
            f"with signals as (select * from ml.{SIGNALS_TABLE} where as_of_month between ? and ?),"
            " repeated as (select customer_id, as_of_month from signals group by all"
            " having count(*) > 1)"
            " select (select count(*) from repeated),"
            " (select count(*) from marts.customer_features as f"
            "  anti join signals as s using (customer_id, as_of_month)"
            "  where f.as_of_month between ? and ?)",
            [*months, *months],
        ).fetchall()[0]
    return dg.AssetCheckResult(
        passed=duplicated == 0 and missing == 0,
        metadata={"duplicated_keys": duplicated, "customer_months_missing": missing},
    )


@dg.asset_check(
    asset=SIGNALS_KEY,
    name="reason_when_a_signal_fires",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Every signal's reason is non-null exactly when the signal fires.",
)
def reason_when_a_signal_fires(
    context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
) -> dg.AssetCheckResult:
    months = _months(context)
    counts = {}
    with gridseg.warehouse(read_only=True) as conn:
        for flag, reason in SIGNALS:  # names from ml/services/signals.py, never from input
            counts[flag] = conn.execute(
                f"select count(*) from ml.{SIGNALS_TABLE} where as_of_month between ? and ? "
                f"and ({flag} <> ({reason} is not null))",
                list(months),
            ).fetchall()[0][0]
    return dg.AssetCheckResult(
        passed=not any(counts.values()), metadata={"rows_without_or_with_stray_reason": counts}
    )


@dg.asset_check(
    asset=ACTIONS_KEY,
    name="capacity_and_contact_period",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Per month, no action holds more customers than its capacity, no customer has "
    "two actions, no customer is contacted twice within contact_period_months, and no action "
    "is offered to a customer twice within its repeat_after_months.",
)
def capacity_and_contact_period(
    context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
) -> dg.AssetCheckResult:
    config = load_services_config()["service_actions"]
    capacity = {action: int(spec["capacity"]) for action, spec in config["actions"].items()}
    period = int(config["contact_period_months"])
    repeat = {a: int(s.get("repeat_after_months", period)) for a, s in config["actions"].items()}
    first, last = _months(context)
    with gridseg.warehouse(read_only=True) as conn:
        counts = conn.execute(
            f"select as_of_month, action, count(*) from ml.{ACTIONS_TABLE} "
            "where as_of_month between ? and ? group by all order by all",
            [first, last],
        ).fetchall()
        over = [
            f"{m} {a}: {n} > {capacity.get(a, 0)}" for m, a, n in counts if n > capacity.get(a, 0)
        ]
        repeated = []
        # customers with more than one row in the window ending with the month, the latest in it
        again = (
            f"select count(*) from (select customer_id from ml.{ACTIONS_TABLE} "
            "where as_of_month between ? and ? and (? is null or action = ?) "
            "group by customer_id having count(*) > 1 and max(as_of_month) = ?)"
        )
        for month in sorted({m for m, _, _ in counts}):
            rules = [(None, period), *repeat.items()]
            for action, months in rules:
                window = [shift_month(month, 1 - months), month]
                (n,) = conn.execute(again, [*window, action, action, month]).fetchall()[0]
                if n:
                    what = f"{action} offered" if action else "contacted"
                    repeated.append(f"{month}: {n} customers {what} again within {months} months")
    return dg.AssetCheckResult(
        passed=not over and not repeated,
        metadata={
            "over_capacity": dg.MetadataValue.md("\n".join(f"- {o}" for o in over) or "none"),
            "contacted_twice": dg.MetadataValue.md("\n".join(f"- {r}" for r in repeated) or "none"),
            "months": len({m for m, _, _ in counts}),
        },
    )


services_checks = [
    one_row_per_customer_month,
    reason_when_a_signal_fires,
    capacity_and_contact_period,
]
