"""Jobs: the nightly refresh (ingest -> dbt -> score -> profile -> publish) and the retrain."""

import dagster as dg

from orchestration.defs.partitions import monthly_partitions

MODEL_KEY = dg.AssetKey(["ml", "segmentation_model"])

# Everything except training: nightly runs score with the current model.
nightly_refresh_job = dg.define_asset_job(
    "nightly_refresh",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(MODEL_KEY),
    partitions_def=monthly_partitions,
    description="Load new landing files, rebuild features for the month, score, profile, publish.",
)

retrain_job = dg.define_asset_job(
    "retrain_segmentation",
    selection=dg.AssetSelection.assets(MODEL_KEY),
    description="Retrain the segmentation model on the latest month; segment ids stay stable.",
)
