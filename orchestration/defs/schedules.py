"""Schedules (off by default: a deployment switches them on in the UI or with the CLI)."""

import dagster as dg

from orchestration.defs.jobs import nightly_load_job, retrain_job
from orchestration.defs.partitions import monthly_partitions


@dg.schedule(
    job=nightly_load_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "02:00 UTC every night: the nightly load (new landing files, staging, the refresh "
        "window); nightly_refresh_sensor then refreshes the months it touched and publishes."
    ),
)
def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00 every night: load new landing files; nightly_refresh_sensor then refreshes the
    months they touched and the months that read them (orchestration/increment.py)."""
    return dg.RunRequest(run_key=f"nightly-{context.scheduled_execution_time:%Y-%m-%d}")


@dg.schedule(
    job=retrain_job,
    cron_schedule="0 1 2 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "01:00 UTC on the 2nd of each month: retrain the segmentation model on the month just "
        "closed (segment ids stay stable); the nightly refresh scores with it."
    ),
)
def monthly_retrain_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """01:00 on the 2nd of each month, before the nightly refresh: retrain on the closed month."""
    keys = monthly_partitions.get_partition_keys(current_time=context.scheduled_execution_time)
    closed = keys[-2]
    return dg.RunRequest(
        run_key=f"retrain-{closed}",
        run_config={"ops": {"ml__segmentation_model": {"config": {"as_of_month": closed}}}},
    )
