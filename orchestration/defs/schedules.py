"""Schedules (off by default: a deployment switches them on in the UI or with the CLI)."""

import dagster as dg

from orchestration.defs.jobs import nightly_refresh_job, retrain_job
from orchestration.defs.partitions import monthly_partitions


@dg.schedule(
    job=nightly_refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00 every night: refresh the newest month (month to date)."""
    month = monthly_partitions.get_last_partition_key(current_time=context.scheduled_execution_time)
    return dg.RunRequest(
        run_key=f"nightly-{context.scheduled_execution_time:%Y-%m-%d}", partition_key=month
    )


monthly_retrain_schedule = dg.ScheduleDefinition(
    name="monthly_retrain_schedule",
    job=retrain_job,
    cron_schedule="0 1 2 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="01:00 on the 2nd of each month, before the nightly refresh: retrain on the closed month.",
)
