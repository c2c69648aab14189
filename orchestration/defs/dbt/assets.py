"""dbt assets. Incremental (monthly-partitioned) models and full-rebuild models live in
separate @dbt_assets so that each gets the right partitions and backfill policy."""

from collections.abc import Iterator

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt.cli_args import build_args, partition_vars
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.translator import GridSegDbtTranslator
from orchestration.defs.partitions import month_window, monthly_partitions, record_first_month
from orchestration.defs.warehouse import (
    ROW_COUNT,
    WAREHOUSE_POOL,
    GridSegPaths,
    billing_months,
    row_count,
)
from orchestration.engine import (
    DBT_TARGETS,
    export_landing_for_engine,
    mirror_spark_tables,
    on_spark,
)
from orchestration.increment import record_features
from orchestration.progress import progress

# The monthly models: those of the project's own window_incremental materialization, which
# replaces the months of the partition window straight in the table (a model must use it to get
# the partition window), and the views over them tagged `monthly` (customer_features).
INCREMENTAL_SELECT = "config.materialized:window_incremental tag:monthly"
BILLS_KEY = dg.AssetKey(["staging", "stg_billing__bills"])
DURATION = "Execution Duration"  # dagster-dbt's metadata on each model's output


def dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    gridseg: GridSegPaths,
    dbt_vars: dict | None = None,
) -> Iterator:
    """`dbt build` of the step's models: a progress line as each model finishes, then their
    outputs and test results, each table's output with its row count (`dagster/row_count`).

    The rows are counted here, once dbt has ended, on GridSeg's own connection. dagster-dbt's
    `fetch_row_counts()` also waits for dbt's end with DuckDB (dbt's process holds the file's
    write lock), but it counts through dbt's adapter, which keeps the file open in this process
    with dbt's settings: every later step of an in-process run (`make demo`) then fails to
    connect ("a different configuration than existing connections"). Views are not counted, as
    dagster-dbt does not count them: a count would run their query."""
    invocation = dbt.cli(build_args(dbt_vars), context=context)
    total = len(context.selected_asset_keys)
    events, failure, built = [], None, 0
    try:
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name).to_user_string()
                seconds = event.metadata.get(DURATION)
                seconds = getattr(seconds, "value", seconds)
                took = f" {seconds:.1f} s" if isinstance(seconds, int | float) else ""
                built += 1
                progress(context, f"[dbt] {built}/{total} {key}{took}")
            events.append(event)
    except Exception as error:  # the models built before the failure are still reported
        failure = error
    if on_spark():
        mirror_spark_build(context, dbt, gridseg, invocation)
    outputs = [e for e in events if isinstance(e, dg.Output)]
    counts = _row_counts(context, gridseg, invocation.manifest, outputs)
    for event in events:
        count = counts.get(event.output_name) if isinstance(event, dg.Output) else None
        yield event if count is None else event.with_metadata({**event.metadata, ROW_COUNT: count})
    if failure is not None:
        raise failure


def mirror_spark_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, gridseg: GridSegPaths, invocation
) -> None:
    """After a dbt build on Spark, the models it built, mirrored in the DuckDB warehouse
    (orchestration/engine.py: why). dbt ran in its own process, which has ended: the warehouse
    file and the Spark folder are free. The DuckDB tables are made by `dbt run --empty` on the
    DuckDB target (DuckDB's own columns and types, no rows), filled from Spark's Parquet, then
    the views are built on DuckDB from their DuckDB definitions (a view holds no rows to copy;
    `--empty` made them over empty inputs)."""
    results = invocation.get_artifact("run_results.json")["results"]
    nodes = invocation.manifest["nodes"]
    built = [
        nodes[r["unique_id"]]
        for r in results
        if r["unique_id"].startswith("model.") and r["status"] == "success"
    ]
    if not built:
        return
    local = ["--target", DBT_TARGETS["duckdb"]]
    # the selection as one value: dagster-dbt splits off the words after a `--select` value
    selection = " ".join(n["name"] for n in built)
    dbt.cli(["run", *local, "--empty", "--select", selection]).wait()
    tables = [(n["schema"], n["alias"]) for n in built if n["config"]["materialized"] != "view"]
    with gridseg.warehouse() as conn:
        copied = mirror_spark_tables(conn, gridseg.paths().spark, tables)
    views = [n["name"] for n in built if n["config"]["materialized"] == "view"]
    if views:
        dbt.cli(["run", *local, "--select", " ".join(views)]).wait()
    progress(context, f"[dbt] {len(copied)} Spark tables and {len(views)} views on DuckDB")


def _row_counts(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths, manifest: dict, outputs: list
) -> dict[str, int]:
    """Rows of the table behind each output (output name -> count); views are left out."""
    tables = {}
    for output in outputs:
        key = context.asset_key_for_output(output.output_name)
        unique_id = context.assets_def.specs_by_key[key].metadata["dagster_dbt/unique_id"]
        node = manifest["nodes"][unique_id]
        if node["config"]["materialized"] != "view":
            tables[output.output_name] = f"{node['schema']}.{node['alias']}"
    if not tables:
        return {}
    with gridseg.warehouse(read_only=True) as conn:
        return {name: row_count(conn, table) for name, table in tables.items()}


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
    what makes corrections, re-sends and late-arriving customers land without manual work.
    Then the first billing month of the staged bills is recorded, where the monthly partitions
    start from the next code load on (orchestration/defs/partitions.py)."""
    paths = gridseg.paths()
    paths.export_env()
    export_landing_for_engine(gridseg)
    yield from dbt_build(context, dbt, gridseg)
    if BILLS_KEY in context.selected_asset_keys:
        with gridseg.warehouse(read_only=True) as conn:
            first, _ = billing_months(conn)
        if first is not None and record_first_month(paths.data, first):
            context.log.info(f"The bills start at {first}: the monthly partitions start there")


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
    yield from dbt_build(context, dbt, gridseg, partition_vars(min_month, max_month))
    # dbt succeeded (a failed build raises above); this step still holds the warehouse pool, so
    # the fingerprints are those of the inputs dbt just read
    with gridseg.warehouse() as conn:
        recorded = record_features(conn, min_month, max_month)
    if not recorded:
        context.log.info(
            f"{min_month}..{max_month} stops before the latest month with bills: the next "
            "nightly refresh recomputes these months again"
        )
