"""GridSeg's Dagster definitions: the one root that `dagster dev -w workspace.yaml` loads."""

import os
import warnings

import dagster as dg

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# BackfillPolicy is "beta" in Dagster 1.13; single-run backfills are a deliberate choice here.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

from orchestration.defs.arrears_risk.assets import arrears_risk_assets, arrears_risk_checks  # noqa: E402
from orchestration.defs.conventions import with_conventions  # noqa: E402
from orchestration.defs.dbt.assets import dbt_full_rebuild_models, dbt_monthly_models  # noqa: E402
from orchestration.defs.dbt.freshness_checks import dbt_source_freshness_checks  # noqa: E402
from orchestration.defs.dbt.project import dbt_cli_resource  # noqa: E402
from orchestration.defs.effects.assets import effects_assets, effects_checks  # noqa: E402
from orchestration.defs.ingest.assets import ingest_assets, ingest_log  # noqa: E402
from orchestration.defs.ingest.checks import ingest_checks  # noqa: E402
from orchestration.defs.jobs import (  # noqa: E402
    nightly_load_job,
    nightly_refresh_job,
    retrain_job,
    stage_jobs,
)
from orchestration.defs.publish.assets import published_segments  # noqa: E402
from orchestration.defs.quality.gx_checks import gx_checks  # noqa: E402
from orchestration.defs.quality.pii_checks import pii_checks  # noqa: E402
from orchestration.defs.refresh_window import refresh_window  # noqa: E402
from orchestration.defs.schedules import monthly_retrain_schedule, nightly_refresh_schedule  # noqa: E402
from orchestration.defs.segmentation.assets import segmentation_assets  # noqa: E402
from orchestration.defs.sensors import landing_files_sensor, nightly_refresh_sensor  # noqa: E402
from orchestration.defs.services.assets import services_assets  # noqa: E402
from orchestration.defs.services.checks import services_checks  # noqa: E402
from orchestration.defs.warehouse import GridSegPaths  # noqa: E402

# Owners, layer tags and the published segments' freshness policy: orchestration/defs/conventions.py
ALL_ASSETS = dg.map_asset_specs(
    with_conventions,
    [
        ingest_log,
        *ingest_assets,
        dbt_full_rebuild_models,
        dbt_monthly_models,
        refresh_window,
        *segmentation_assets,
        *arrears_risk_assets,
        *effects_assets,
        published_segments,
        *services_assets,
    ],
)


def build_definitions(data_dir: str = "") -> dg.Definitions:
    """All assets, checks, jobs, schedules and sensors; `data_dir` pins every location (tests)."""
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=[
            *ingest_checks,
            dbt_source_freshness_checks,
            *gx_checks,
            *pii_checks,
            *arrears_risk_checks,
            *services_checks,
            *effects_checks,
        ],
        jobs=[nightly_load_job, nightly_refresh_job, retrain_job, *stage_jobs],
        schedules=[nightly_refresh_schedule, monthly_retrain_schedule],
        sensors=[landing_files_sensor, nightly_refresh_sensor],
        resources={"gridseg": GridSegPaths(data_dir=data_dir), "dbt": dbt_cli_resource()},
    )


defs = build_definitions()
