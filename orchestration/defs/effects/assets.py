"""Effect monitoring, downstream of scoring: the KPIs of each segment per month, and the measured
effect of each service campaign (difference in differences against its control group)."""

import dagster as dg
import polars as pl

from ml.strategy_effects import OUTPUT_SCHEMA, load_effects_config, strategy_effects
from orchestration.defs.effects.queries import CAMPAIGN_FACTS, CAMPAIGN_MEMBERS, SEGMENT_KPIS
from orchestration.defs.partitions import month_window, monthly_partitions
from orchestration.defs.segmentation.assets import SCORES_KEY
from orchestration.defs.segmentation.warehouse_io import replace_months
from orchestration.defs.warehouse import (
    ROW_COUNT,
    WAREHOUSE_POOL,
    GridSegPaths,
    query_frame,
    row_count,
    table_exists,
)

SEGMENT_KPIS_KEY = dg.AssetKey(["ml", "segment_kpis"])
STRATEGY_EFFECTS_KEY = dg.AssetKey(["ml", "strategy_effects"])
CAMPAIGNS_KEY = dg.AssetKey(["staging", "stg_crm__campaigns"])
MONTHLY_FACTS = [
    dg.AssetKey(["intermediate", name])
    for name in (
        "int_customer_months_payments",
        "int_customer_months_work_orders",
        "int_customer_months_billing",
    )
]


@dg.asset(
    key=SEGMENT_KPIS_KEY,
    group_name="segmentation",
    deps=[SCORES_KEY, dg.AssetKey(["marts", "customer_features"])],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "One row per segment x as_of_month, plus an 'all customers' row per month: customers, "
        "on-time payment, arrears over 60 days, contacts by channel and complaints per 100 "
        "customers, median kWh, value and satisfaction (trailing 12 months, as scored)."
    ),
)
def segment_kpis(context: dg.AssetExecutionContext, gridseg: GridSegPaths) -> dg.MaterializeResult:
    min_month, max_month = month_window(context)
    with gridseg.warehouse() as conn:
        kpis = query_frame(conn, SEGMENT_KPIS, [min_month, max_month])
        months = sorted(set(kpis["as_of_month"].to_list()))
        if months:
            replace_months(conn, "segment_kpis", kpis, months)
        total = row_count(conn, "ml.segment_kpis")
    context.log.info(f"Segment KPIs of {len(months)} month(s): {kpis.height} rows")
    return dg.MaterializeResult(metadata={ROW_COUNT: total, "months": len(months)})


@dg.asset(
    key=STRATEGY_EFFECTS_KEY,
    group_name="segmentation",
    deps=[SCORES_KEY, CAMPAIGNS_KEY, *MONTHLY_FACTS],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "One row per campaign x KPI x segment (at the start) x month after the start, plus the "
        "whole post period and all segments: the difference in differences of the KPI between "
        "the treatment and control groups, its 95% interval and n. Empty without campaigns."
    ),
)
def strategy_effects_table(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    config = load_effects_config()
    with gridseg.warehouse() as conn:
        if table_exists(conn, "staging", "stg_crm__campaigns"):
            members = query_frame(conn, CAMPAIGN_MEMBERS)
            facts = query_frame(
                conn, CAMPAIGN_FACTS, [int(config["pre_months"]), int(config["post_months"])]
            )
        else:  # a warehouse staged before contract v2
            members, facts = pl.DataFrame(), pl.DataFrame()
        # no campaigns (a contract v1 landing zone): the table, empty
        effects = (
            strategy_effects(members, facts, config)
            if members.height
            else pl.DataFrame(schema=OUTPUT_SCHEMA)
        )
        conn.execute("create schema if not exists ml")
        conn.register("effects_frame", effects)
        try:
            conn.execute("create or replace table ml.strategy_effects as from effects_frame")
        finally:
            conn.unregister("effects_frame")
    campaigns = members["campaign_id"].n_unique() if members.height else 0
    context.log.info(f"Effects of {campaigns} campaign(s): {effects.height} rows")
    return dg.MaterializeResult(metadata={ROW_COUNT: effects.height, "campaigns": campaigns})


@dg.asset_check(asset=STRATEGY_EFFECTS_KEY, blocking=True, pool=WAREHOUSE_POOL)
def strategy_effects_are_consistent(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    """Every interval holds its estimate; every row counts customers; the effect on a ratio
    (a change of at most 1 either way in each group) lies within -2..2."""
    with gridseg.warehouse(read_only=True) as conn:
        bad = conn.execute(
            """
            select
                count(*) filter (where not (ci_low <= effect and effect <= ci_high)),
                count(*) filter (where n_treated + n_control = 0 or n_treated < 0 or n_control < 0),
                count(*) filter (where kpi = 'on_time_payment_ratio' and abs(effect) > 2),
                count(*)
            from ml.strategy_effects
            """
        ).fetchall()[0]
    names = ("interval_without_its_estimate", "rows_without_customers", "ratio_out_of_range")
    failures = dict(zip(names, bad[:3], strict=True))
    return dg.AssetCheckResult(
        passed=not any(failures.values()), metadata={**failures, "rows": bad[3]}
    )


@dg.asset_check(asset=STRATEGY_EFFECTS_KEY, pool=WAREHOUSE_POOL)
def every_campaign_is_measured(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    """A warning for each staged campaign without an estimate over its whole post period: it
    started in the latest month, or one of its groups has no customer with a baseline and a
    value after the start (e.g. a control group that was never loaded)."""
    with gridseg.warehouse(read_only=True) as conn:
        if not table_exists(conn, "staging", "stg_crm__campaigns"):
            return dg.AssetCheckResult(passed=True, metadata={"campaigns": 0})
        rows = conn.execute(
            """
            select c.campaign_id, count(e.effect) as n_estimates
            from (select distinct campaign_id from staging.stg_crm__campaigns) as c
            left join ml.strategy_effects as e
                on e.campaign_id = c.campaign_id
                and e.segment_id is null and e.relative_month is null
            group by all
            order by all
            """
        ).fetchall()
    unmeasured = [campaign for campaign, n in rows if n == 0]
    return dg.AssetCheckResult(
        passed=not unmeasured,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"campaigns": len(rows), "unmeasured": ", ".join(unmeasured) or "none"},
    )


@dg.asset_check(asset=SEGMENT_KPIS_KEY, blocking=True, pool=WAREHOUSE_POOL)
def segment_kpis_add_up(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    """Each month's all-customers row counts every scored customer; ratios and shares are in
    0..1; counts and rates are not negative."""
    with gridseg.warehouse(read_only=True) as conn:
        bad = conn.execute(
            """
            with scored as (
                select as_of_month, count(*) as n from ml.customer_segments_history group by all
            )
            select
                count(*) filter (
                    where k.segment_id is null and k.n_customers <> coalesce(s.n, -1)
                ),
                count(*) filter (
                    where k.on_time_payment_ratio not between 0 and 1
                    or k.share_in_arrears_over_60d not between 0 and 1
                ),
                count(*) filter (
                    where least(k.call_center_contacts_per_100, k.digital_contacts_per_100,
                        k.complaints_per_100, k.arrears_over_60d_total) < 0
                )
            from ml.segment_kpis as k
            left join scored as s using (as_of_month)
            """
        ).fetchall()[0]
    names = ("months_not_adding_up", "ratio_out_of_range", "negative_counts")
    failures = dict(zip(names, bad, strict=True))
    return dg.AssetCheckResult(passed=not any(failures.values()), metadata=failures)


effects_assets = [segment_kpis, strategy_effects_table]
effects_checks = [strategy_effects_are_consistent, every_campaign_is_measured, segment_kpis_add_up]
