"""Jobs: the nightly load (ingest -> staging -> the refresh window), the nightly refresh of that
window (monthly features -> score -> profile -> publish), the retrain, and one job per stage of
the command-line runs (`make demo`, `make backfill`, `make nightly`, `make rebuild`)."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions
from orchestration.pipeline_runs import (
    LOAD_STAGES,
    REFRESH_STAGES,
    STAGE_JOBS,
    STAGES,
    stage_selection,
)

# Two runs, because a run's partition range is fixed when it starts, and the months a nightly
# increment touches are known only once its files are loaded and staged: the load computes
# them (quality/refresh_window), and nightly_refresh_sensor starts the refresh over them.
nightly_load_job = dg.define_asset_job(
    "nightly_load",
    selection=stage_selection(LOAD_STAGES),
    description=(
        "Load new landing files, rebuild staging and the quality tables, and compute the months "
        "the refresh must recompute; the nightly refresh follows."
    ),
)

# Everything after the load except training: nightly runs score with the current model.
nightly_refresh_job = dg.define_asset_job(
    "nightly_refresh",
    selection=stage_selection(REFRESH_STAGES),
    partitions_def=monthly_partitions,
    description=(
        "Rebuild the features of a range of months (the refresh window of the nightly load), "
        "score, profile, publish."
    ),
)

retrain_job = dg.define_asset_job(
    STAGE_JOBS["train"],
    selection=stage_selection(("train",)),
    description=(
        "Retrain the segmentation model on the latest month (segment ids stay stable) and the "
        "arrears-risk model on the months with complete labels."
    ),
)

# The stages of the command-line runs, each a job of its own: their runs are listed under these
# names (tagged gridseg/command with the command), and a stage can be rerun from the UI.
STAGE_DESCRIPTIONS = {
    "ingest": "Load new landing files into raw (a stage of the command-line runs).",
    "dbt staging + quality": (
        "Rebuild staging, the quality tables and the refresh window from all raw rows (a stage "
        "of the command-line runs)."
    ),
    "dbt monthly features": (
        "Rebuild the monthly facts, trailing sums and customer_features of a range of months (a "
        "stage of the command-line runs)."
    ),
    "score + profile": (
        "Score and profile a range of months with the current model (a stage of the "
        "command-line runs)."
    ),
    "services": (
        "Build the customer signals and service action lists of a range of months (a stage of "
        "the command-line runs)."
    ),
    "publish": "Publish the segments as a new snapshot (a stage of the command-line runs).",
}
stage_jobs = [
    dg.define_asset_job(
        STAGE_JOBS[name],
        selection=selection,
        partitions_def=monthly_partitions if partitioned else None,
        description=STAGE_DESCRIPTIONS[name],
    )
    for name, selection, partitioned in STAGES
    if name != "train"  # the retrain job
]
