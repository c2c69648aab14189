"""Schedules (off by default: a deployment switches them on in the UI or with the CLI)."""

import dagster as dg

from orchestration.defs.jobs import nightly_refresh_job, retrain_job
from orchestration.defs.partitions import monthly_partitions
from orchestration.pipeline_runs import RANGE_END, RANGE_START

# Bills are issued days after a period ends and payments arrive late: the nightly run also
# recomputes the two closed months before the current one, in the same single run.
REFRESH_MONTHS = 3


def refresh_window(current_time) -> tuple[str, str]:
    """The last REFRESH_MONTHS monthly partitions at `current_time`, oldest first."""
    keys = monthly_partitions.get_partition_keys(current_time=current_time)
    return keys[-REFRESH_MONTHS], keys[-1]


def refresh_request(run_key: str, current_time=None) -> dg.RunRequest:
    first, last = refresh_window(current_time)
    return dg.RunRequest(run_key=run_key, tags={RANGE_START: first, RANGE_END: last})


@dg.schedule(
    job=nightly_refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00 every night: refresh the current month to date and the two months before it."""
    when = context.scheduled_execution_time
    return refresh_request(f"nightly-{when:%Y-%m-%d}", when)


@dg.schedule(
    job=retrain_job,
    cron_schedule="0 1 2 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def monthly_retrain_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """01:00 on the 2nd of each month, before the nightly refresh: retrain on the closed month."""
    keys = monthly_partitions.get_partition_keys(current_time=context.scheduled_execution_time)
    closed = keys[-2]
    return dg.RunRequest(
        run_key=f"retrain-{closed}",
        run_config={"ops": {"ml__segmentation_model": {"config": {"as_of_month": closed}}}},
    )
