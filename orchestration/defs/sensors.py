"""Sensors: a load when new files land (off by default), and the refresh after every load."""

import hashlib

import dagster as dg

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import landing_files
from orchestration.defs.jobs import nightly_load_job, nightly_refresh_job
from orchestration.defs.refresh_window import refresh_request
from orchestration.settings import Paths


def landing_fingerprint(paths: Paths) -> str:
    """Names, sizes and modification times of every landing file: changes when a file lands."""
    digest = hashlib.sha256()
    for table in LANDING_TABLES:
        for file in landing_files(paths.landing, table):
            stat = file.path.stat()
            digest.update(f"{table}/{file.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


@dg.sensor(
    job=nightly_load_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Every 5 minutes: when the landing folders changed (a file's name, size or time), start "
        "the nightly load; the nightly refresh follows it."
    ),
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    """Every 5 minutes: if the landing folders changed, load them (the refresh follows)."""
    fingerprint = landing_fingerprint(Paths.from_env())
    if fingerprint == context.cursor:
        return dg.SkipReason("no new landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=f"landing-{fingerprint[:16]}")


# Running by default: it only follows nightly_load runs, which the schedule, the landing sensor
# (both off by default) or a user start. A load without its refresh would publish nothing new.
@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_load_job],
    request_job=nightly_refresh_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "After each successful nightly_load run: start nightly_refresh over the months its "
        "quality/refresh_window step computed, as one partition-range run."
    ),
)
def nightly_refresh_sensor(context: dg.RunStatusSensorContext):
    """After each successful nightly load: refresh the months it touched, in one run."""
    return refresh_request(context.instance, context.dagster_run.run_id)
