"""GridSeg's Dagster definitions: the one root that `dagster dev -w workspace.yaml` loads."""

from __future__ import annotations

import os

import dagster as dg

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from orchestration.defs.dbt.assets import dbt_full_rebuild_models, dbt_monthly_models  # noqa: E402
from orchestration.defs.dbt.project import dbt_cli_resource  # noqa: E402
from orchestration.defs.ingest.assets import ingest_assets  # noqa: E402
from orchestration.defs.ingest.checks import ingest_checks  # noqa: E402
from orchestration.defs.warehouse import GridSegPaths  # noqa: E402


def build_definitions(data_dir: str = "") -> dg.Definitions:
    """All assets, checks, schedules and sensors; `data_dir` pins every location (tests)."""
    return dg.Definitions(
        assets=[*ingest_assets, dbt_full_rebuild_models, dbt_monthly_models],
        asset_checks=[*ingest_checks],
        resources={"gridseg": GridSegPaths(data_dir=data_dir), "dbt": dbt_cli_resource()},
    )


defs = build_definitions()
