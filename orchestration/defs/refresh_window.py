"""The nightly load's last step: the months its refresh must recompute (orchestration/increment.py),
recorded as the asset's metadata, where nightly_refresh_sensor reads them."""

import dagster as dg

from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths
from orchestration.increment import pending_window
from orchestration.pipeline_runs import RANGE_END, RANGE_START

REFRESH_WINDOW_KEY = dg.AssetKey(["quality", "refresh_window"])
FEATURE_INPUTS_KEY = dg.AssetKey(["quality", "feature_inputs"])


@dg.asset(
    key=REFRESH_WINDOW_KEY,
    group_name="quality",
    deps=[FEATURE_INPUTS_KEY],
    # reads the warehouse: not while another step writes it
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "The months the nightly refresh recomputes: the months whose inputs changed since their "
        "features were built and scored and the months that read them (orchestration/"
        "increment.py); the scheduled refresh runs one range, from the earliest of them to the "
        "latest month with bills."
    ),
)
def refresh_window(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    with gridseg.warehouse(read_only=True) as conn:
        pending = pending_window(conn)
    if pending is None or pending.window is None:
        context.log.info("No bills loaded yet, or nothing changed: nothing to refresh")
        return dg.MaterializeResult(metadata={"refresh_from": "", "refresh_to": ""})
    first, last = pending.window
    context.log.info(
        f"Refresh {first}..{last}; months that depend on a change: {pending.ranges}; "
        f"months with changed inputs: {pending.changed}"
    )
    return dg.MaterializeResult(
        metadata={
            "refresh_from": first,
            "refresh_to": last,
            "dependent_ranges": dg.MetadataValue.json([list(r) for r in pending.ranges]),
            "changed_months": dg.MetadataValue.json(pending.changed),
        }
    )


def refresh_request(instance: dg.DagsterInstance, run_id: str) -> dg.RunRequest | dg.SkipReason:
    """The refresh that follows load run `run_id`: over the window its refresh_window step
    recorded."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is None or materialization.asset_key != REFRESH_WINDOW_KEY:
            continue
        first = materialization.metadata["refresh_from"].value
        last = materialization.metadata["refresh_to"].value
        if not first:
            return dg.SkipReason(f"run {run_id} left nothing to refresh")
        return dg.RunRequest(
            run_key=f"refresh-{run_id}", tags={RANGE_START: first, RANGE_END: last}
        )
    return dg.SkipReason(f"run {run_id} computed no refresh window")
