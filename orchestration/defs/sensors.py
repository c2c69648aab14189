"""A sensor that starts a refresh when new files land (off by default)."""

import hashlib

import dagster as dg

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import landing_files
from orchestration.defs.jobs import nightly_refresh_job
from orchestration.defs.schedules import refresh_request
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
    job=nightly_refresh_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    """Every 5 minutes: if the landing folders changed, refresh the newest months."""
    fingerprint = landing_fingerprint(Paths.from_env())
    if fingerprint == context.cursor:
        return dg.SkipReason("no new landing files")
    context.update_cursor(fingerprint)
    return refresh_request(f"landing-{fingerprint[:16]}")
