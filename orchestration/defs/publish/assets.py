"""The publish asset: segment tables for BI and marketing, replaced atomically."""

import os

import dagster as dg

from ml.pipeline import profile_heatmap_png
from orchestration.defs.publish.writer import PUBLISHED_DB, publish
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
    kinds={"duckdb", "parquet"},
    description=(
        "data/published/segments.duckdb (customer_segments, customer_segments_history, "
        "segment_profiles, segment_migrations, value_index_weights, segmentation_models) and the "
        "same tables as Parquet under data/published/parquet/, partitioned by as_of_month."
    ),
)
def published_segments(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    paths = gridseg.paths()
    counts = publish(paths.warehouse, paths.published)
    _publish_heatmap(gridseg)
    context.log.info(f"Published to {paths.published / PUBLISHED_DB}: {counts}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(paths.published / PUBLISHED_DB)),
            **{f"rows_{table}": n for table, n in counts.items()},
        }
    )


def _publish_heatmap(gridseg: GridSegPaths) -> None:
    """The profile heat map of the latest month, written aside and renamed into place."""
    with gridseg.warehouse(read_only=True) as conn:
        profiles = query_frame(
            conn,
            "select * from ml.segment_profiles where as_of_month = "
            "(select max(as_of_month) from ml.segment_profiles) order by segment_id",
        )
    if profiles.height == 0:
        return
    target = gridseg.paths().published / HEATMAP
    building = target.with_name(f".{HEATMAP}.building")
    building.write_bytes(profile_heatmap_png(profiles))
    os.replace(building, target)
