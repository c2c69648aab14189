"""Services assets: the month's customer signals and its service action list.

One step writes both, one as_of_month after another and oldest first, because a month's
action list needs the lists of the months before it (each customer contacted at most once per
contact_period_months): a backfill computes them in order, a nightly refresh reads the stored
lists of the months before its window. The arrears-risk scores are read when the risk model
has written them (ml.arrears_risk_scores); without them the arrears columns are null.
"""

import dagster as dg
import polars as pl

from ml.services import customer_signals, load_services_config, service_actions
from ml.services.actions import lookback_months
from ml.services.signals import FEATURE_COLUMNS
from orchestration.defs.partitions import month_window, monthly_partitions
from orchestration.defs.segmentation.warehouse_io import (
    feature_months,
    read_features,
    replace_months,
)
from orchestration.defs.services.warehouse_io import (
    ACTIONS_TABLE,
    read_billing,
    read_outages,
    read_risk,
    read_segment_ids,
    recent_actions,
)
from orchestration.defs.warehouse import ROW_COUNT, WAREHOUSE_POOL, GridSegPaths, row_count
from orchestration.progress import progress

FEATURES_KEY = dg.AssetKey(["marts", "customer_features"])
SIGNALS_KEY = dg.AssetKey(["ml", "customer_signals"])
ACTIONS_KEY = dg.AssetKey(["ml", ACTIONS_TABLE])
SIGNALS_TABLE = "customer_signals"
UPSTREAM = [
    FEATURES_KEY,
    dg.AssetKey(["intermediate", "int_customer_months_billing"]),
    dg.AssetKey(["intermediate", "int_customer_months_outages"]),
    dg.AssetKey(["ml", "arrears_risk_scores"]),
]


def month_signals_and_actions(conn, month: str, config: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The signals and the action list of one as_of_month, from what the warehouse holds."""
    features = read_features(conn, month, FEATURE_COLUMNS)
    signals = customer_signals(
        features,
        read_billing(conn, month, config["high_bill"]["level_months"]),
        read_outages(conn, month, config["reliability"]["window_months"]),
        read_risk(conn, month),
        config,
    )
    ranked = signals.join(
        features.select("customer_id", "revenue_avg_month", "revenue_12m"), on="customer_id"
    ).join(read_segment_ids(conn, month), on="customer_id", how="left")
    recent = recent_actions(conn, month, lookback_months(config))
    actions = service_actions(ranked, recent, config)
    return signals, actions


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SIGNALS_KEY,
            group_name="services",
            deps=UPSTREAM,
            kinds={"duckdb", "polars"},
            description=(
                "One row per customer x as_of_month: high-bill alert, tariff advice, solar and "
                "storage candidates, reliability warning and arrears risk, each with a reason "
                "an agent can read aloud (ml/config/services.yaml)."
            ),
        ),
        dg.AssetSpec(
            ACTIONS_KEY,
            group_name="services",
            deps=[SIGNALS_KEY, dg.AssetKey(["ml", "customer_segments_history"])],
            kinds={"duckdb", "polars"},
            description=(
                "One row per contacted customer x as_of_month: the action, its rank and "
                "priority score and the reason; capped per action, each customer once per "
                "contact period."
            ),
        ),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def services(context: dg.AssetExecutionContext, gridseg: GridSegPaths):
    config = load_services_config()
    min_month, max_month = month_window(context)
    fired: dict[str, int] = {}
    with gridseg.warehouse() as conn:
        months = feature_months(conn, min_month, max_month)
        for done, month in enumerate(months, start=1):
            signals, actions = month_signals_and_actions(conn, month, config)
            replace_months(conn, SIGNALS_TABLE, signals, [month])
            replace_months(conn, ACTIONS_TABLE, actions, [month])
            fired = {
                name: int(signals[name].sum())
                for name in signals.columns
                if signals[name].dtype == pl.Boolean and name != "bill_is_estimated"
            }
            progress(
                context,
                f"[services] {done}/{len(months)} {month}: {signals.height:,} customers, "
                f"{actions.height:,} actions",
            )
        signal_rows = row_count(conn, f"ml.{SIGNALS_TABLE}")
        action_rows = row_count(conn, f"ml.{ACTIONS_TABLE}")
    yield dg.MaterializeResult(
        asset_key=SIGNALS_KEY,
        metadata={
            ROW_COUNT: signal_rows,
            "months": len(months),
            "latest_month_signals": dg.MetadataValue.json(fired),
        },
    )
    yield dg.MaterializeResult(asset_key=ACTIONS_KEY, metadata={ROW_COUNT: action_rows})


services_assets = [services]
