"""The publish asset: segment tables for BI and marketing, published as one snapshot."""

import base64
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.conventions import TRANSIENT_FAILURE_RETRY
from orchestration.defs.publish.report import HEATMAP_FILE, REPORT_FILE, report_files
from orchestration.defs.publish.writer import publish
from orchestration.defs.quality.report import QualityFigures, quality_figures
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths
from orchestration.increment import clear_unpublished, unpublished_months


@dg.asset(
    key=["published", "segments"],
    group_name="publish",
    deps=[
        dg.AssetKey(["ml", "customer_segments_history"]),
        dg.AssetKey(["ml", "segment_profiles"]),
        dg.AssetKey(["ml", "segmentation_model"]),
        dg.AssetKey(["ml", "arrears_risk_model"]),
        dg.AssetKey(["ml", "customer_signals"]),
        dg.AssetKey(["ml", "service_actions_history"]),
        dg.AssetKey(["ml", "segment_kpis"]),
        dg.AssetKey(["ml", "strategy_effects"]),
    ],
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_FAILURE_RETRY,
    kinds={"duckdb", "parquet", "html"},
    description=(
        "One snapshot under data/published/snapshots/<id>/, read through the pointer "
        "data/published/current: segments.duckdb (customer_segments, customer_segments_history, "
        "segment_profiles, segment_migrations, value_index_weights, segmentation_models, "
        "arrears_risk_models, arrears_risk_calibration), the "
        "same tables as Parquet under parquet/ (partitioned by as_of_month; the months not "
        "replaced since the previous snapshot are hard links to its files), the segment report "
        "segment_report.html, the profile heat map and manifest.json."
    ),
)
def published_segments(
    context: dg.AssetExecutionContext, gridseg: GridSegPaths
) -> dg.MaterializeResult:
    paths = gridseg.paths()
    quality = _quality(gridseg)
    # the months replaced since the last publish: only they are written anew
    # (orchestration/increment.py); this step holds the warehouse pool until they are cleared
    with gridseg.warehouse(read_only=True) as conn:
        replaced = unpublished_months(conn)
    snapshot = publish(
        paths.warehouse,
        paths.published,
        render=lambda published_db: report_files(published_db, quality),
        replaced=replaced,
    )
    if replaced:
        with gridseg.warehouse() as conn:
            clear_unpublished(conn, replaced)
    context.log.info(
        f"Published snapshot {snapshot.snapshot_id} to {snapshot.path}: {snapshot.counts}"
    )
    return dg.MaterializeResult(
        metadata={
            "snapshot": snapshot.snapshot_id,
            "path": dg.MetadataValue.path(str(snapshot.path)),
            **_report_metadata(snapshot.path),
            **{f"rows_{table}": n for table, n in snapshot.counts.items()},
        }
    )


def _quality(gridseg: GridSegPaths) -> QualityFigures | None:
    """The warehouse's quality counts for the report; None before the quality models exist."""
    with gridseg.warehouse(read_only=True) as conn:
        try:
            return quality_figures(conn)
        except duckdb.CatalogException:
            return None


def _report_metadata(snapshot: Path) -> dict[str, dg.MetadataValue]:
    """The report as a link the UI opens, and the heat map as an image. Dagster 1.13 has no
    image metadata type: Markdown with the PNG as a data URI is what the UI shows as a
    picture (about 100 kB in the event log per publish)."""
    report, heatmap = snapshot / REPORT_FILE, snapshot / HEATMAP_FILE
    metadata: dict[str, dg.MetadataValue] = {
        "report": dg.MetadataValue.url(report.as_uri()),
        "report_path": dg.MetadataValue.path(str(report)),
    }
    if heatmap.exists():
        png = base64.b64encode(heatmap.read_bytes()).decode("ascii")
        metadata["heatmap"] = dg.MetadataValue.md(
            f"![Segment profiles heat map](data:image/png;base64,{png})"
        )
        metadata["heatmap_path"] = dg.MetadataValue.path(str(heatmap))
    return metadata
