"""dbt assets. Incremental (monthly-partitioned) models and full-rebuild models live in
separate @dbt_assets so that each gets the right partitions and backfill policy."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.cli_args import build_args, numpy_model_vars, partition_vars
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.translator import GridSegDbtTranslator
from orchestration.defs.partitions import month_window, monthly_partitions
from orchestration.defs.warehouse import (
    ARRAY_STEP_MEMORY_SHARE,
    WAREHOUSE_POOL,
    GridSegPaths,
    memory_limit_bytes,
)
from orchestration.increment import record_features

# The monthly models: those of the project's own window_incremental materialization, which
# replaces the months of the partition window straight in the table (a model must use it to get
# the partition window), and the views over them tagged `monthly` (customer_features).
INCREMENTAL_SELECT = "config.materialized:window_incremental tag:monthly"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=INCREMENTAL_SELECT,
    dagster_dbt_translator=GridSegDbtTranslator(),
    pool=WAREHOUSE_POOL,
    name="dbt_full_rebuild_models",
)
def dbt_full_rebuild_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, gridseg: GridSegPaths
):
    """Staging, quality and bill-level models: rebuilt from all raw rows on every run, which is
    what makes corrections, re-sends and late-arriving customers land without manual work."""
    gridseg.paths().export_env()
    yield from dbt.cli(build_args(), context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=INCREMENTAL_SELECT,
    dagster_dbt_translator=GridSegDbtTranslator(),
    partitions_def=monthly_partitions,
    # A backfill of years is one dbt invocation over the whole window, not one per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="dbt_monthly_models",
)
def dbt_monthly_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, gridseg: GridSegPaths
):
    """Per-customer monthly facts and their trailing sums, whose months of the partition window
    are replaced in one transaction (window_incremental: delete, then insert), and the
    customer_features view over them. Then the window's input fingerprints are recorded as
    those its features were built from (orchestration/increment.py), if it runs to the latest
    month with bills."""
    gridseg.paths().export_env()
    min_month, max_month = month_window(context)
    dbt_vars = {
        **partition_vars(min_month, max_month),
        **numpy_model_vars(memory_limit_bytes(), ARRAY_STEP_MEMORY_SHARE),
    }
    yield from dbt.cli(build_args(dbt_vars), context=context).stream()
    # dbt succeeded (a failed build raises above); this step still holds the warehouse pool, so
    # the fingerprints are those of the inputs dbt just read
    with gridseg.warehouse() as conn:
        recorded = record_features(conn, min_month, max_month)
    if not recorded:
        context.log.info(
            f"{min_month}..{max_month} stops before the latest month with bills: the next "
            "nightly refresh recomputes these months again"
        )
