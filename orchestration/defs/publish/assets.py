"""The publish asset: segment tables for BI and marketing, published as one snapshot."""

import dagster as dg

from ml.pipeline import profile_heatmap_png
from orchestration.defs.conventions import TRANSIENT_FAILURE_RETRY
from orchestration.defs.publish.writer import publish
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths, query_frame

HEATMAP = "segment_profiles_heatmap.png"


@dg.asset(
    key=["published", "segments"],
    group_name="publish",
    deps=[
        dg.AssetKey(["ml", "customer_segments_history"]),
        dg.AssetKey(["ml", "segment_profiles"]),
        dg.AssetKey(["ml", "segmentation_model"]),
    ],
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_FAILURE_RETRY,
    kinds={"duckdb", "parquet"},
    description=(
        "One snapshot under data/published/snapshots/<id>/, read through the pointer "
        "data/published/current: segments.duckdb (customer_segments, customer_segments_history, "
        "segment_profiles, segment_migrations, value_index_weights, segmentation_models), the "
        "same tables as Parquet under parquet/ (partitioned by as_of_month), the profile heat "
        "map and manifest.json."
    ),
)
def published_segments(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    paths = gridseg.paths()
    snapshot = publish(paths.warehouse, paths.published, files=_heatmap(gridseg))
    context.log.info(
        f"Published snapshot {snapshot.snapshot_id} to {snapshot.path}: {snapshot.counts}"
    )
    return dg.MaterializeResult(
        metadata={
            "snapshot": snapshot.snapshot_id,
            "path": dg.MetadataValue.path(str(snapshot.path)),
            **{f"rows_{table}": n for table, n in snapshot.counts.items()},
        }
    )


def _heatmap(gridseg: GridSegPaths) -> dict[str, bytes]:
    """The profile heat map of the latest month, as a file of the snapshot: it switches with
    the tables it pictures (none when there are no profiles)."""
    with gridseg.warehouse(read_only=True) as conn:
        profiles = query_frame(
            conn,
            "select * from ml.segment_profiles where as_of_month = "
            "(select max(as_of_month) from ml.segment_profiles) order by segment_id",
        )
    return {HEATMAP: profile_heatmap_png(profiles)} if profiles.height else {}
