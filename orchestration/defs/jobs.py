"""Jobs: the nightly load (ingest -> staging -> the refresh window), the nightly refresh of that
window (monthly features -> score -> profile -> publish) and the retrain."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions
from orchestration.pipeline_runs import LOAD_STAGES, REFRESH_STAGES, stage_selection

MODEL_KEY = dg.AssetKey(["ml", "segmentation_model"])

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
    "retrain_segmentation",
    selection=dg.AssetSelection.assets(MODEL_KEY),
    description="Retrain the segmentation model on the latest month; segment ids stay stable.",
)
