"""Ingest assets: one per landing table, each loading that table's new files into `raw`."""

import dagster as dg

from orchestration.defs.conventions import TRANSIENT_FAILURE_RETRY
from orchestration.defs.ingest.checks import rejections_markdown
from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import FileOutcome, ingest_table
from orchestration.defs.warehouse import ROW_COUNT, WAREHOUSE_POOL, GridSegPaths, row_count
from orchestration.progress import progress


def _summary(outcomes: list[FileOutcome]) -> dict[str, object]:
    loaded = [o for o in outcomes if o.status == "loaded"]
    rejected = [o for o in outcomes if o.status == "rejected"]
    return {
        "files_loaded": len(loaded),
        "rows_loaded": sum(o.rows for o in loaded),
        "files_skipped_already_seen": sum(o.status.startswith("already") for o in outcomes),
        "files_rejected": len(rejected),
        "files_duplicate": sum(o.status == "duplicate" for o in outcomes),
        "rows_in_rejected_files": sum(o.rows_in_file or 0 for o in rejected),
        "rejections": dg.MetadataValue.md(
            rejections_markdown([(o.file_name, o.reason, o.rows_in_file) for o in rejected])
        ),
    }


def build_ingest_asset(table: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", table],
        group_name="ingest",
        pool=WAREHOUSE_POOL,
        retry_policy=TRANSIENT_FAILURE_RETRY,
        kinds={"duckdb"},
        description=(
            f"Landing `{table}` files loaded into raw.{table}: one row per received row, text "
            "columns plus lineage. Each file loads whole or is rejected whole and recorded in "
            "raw.ingest_files; the same file content never loads twice."
        ),
    )
    def _ingest(context: dg.AssetExecutionContext, gridseg: GridSegPaths) -> dg.MaterializeResult:
        paths = gridseg.paths()
        with gridseg.warehouse() as conn:
            outcomes = ingest_table(conn, paths.landing, table)
            total = row_count(conn, f"raw.{table}")
        for o in (o for o in outcomes if o.status == "rejected"):
            held = (  # a reason whose rows cannot be counted says so itself
                "None of its rows were loaded"
                if o.rows_in_file is None
                else f"None of its {o.rows_in_file:,} row(s) were loaded"
            )
            context.log.error(
                f"Rejected landing file {o.reason}. {held}; the file stays in "
                f"{paths.landing / table} and a corrected file loads normally."
            )
        summary = _summary(outcomes)
        progress(
            context,
            f"[ingest] raw.{table}: {summary['files_loaded']} file(s), "
            f"{summary['rows_loaded']:,} row(s) loaded; {summary['files_rejected']} rejected",
        )
        return dg.MaterializeResult(metadata={**summary, ROW_COUNT: total})

    return _ingest


# The ingest log: every ingest asset appends to it, and dbt reads it as a source. No one asset
# produces it, so it is declared here, in the ingest group, as an external table (the UI shows
# it, and it is never materialised on its own).
ingest_log = dg.AssetSpec(
    key=["raw", "ingest_files"],
    group_name="ingest",
    kinds={"duckdb"},
    description=(
        "raw.ingest_files: one row per landing file and content seen, with its status (loaded, "
        "rejected, duplicate), batch, rows and the reason of a rejection. Written by every "
        "ingest asset."
    ),
)

ingest_assets = [build_ingest_asset(table) for table in LANDING_TABLES]
