"""Checks on ingestion: every landing file was accepted (a rejected file fails, as a warning).

A rejection stays open until a file of the same name loads later (the source re-sent it
corrected); quality.rejected_files applies the same rule for BI.
"""

import dagster as dg

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import unknown_landing_files
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths

OPEN_REJECTIONS = """
    select rejected.file_name, rejected.reason, rejected.rows_in_file
    from raw.ingest_files as rejected
    where rejected.table_name = ? and rejected.status = 'rejected'
        and not exists (
            select 1 from raw.ingest_files as loaded
            where loaded.table_name = rejected.table_name and loaded.file_name = rejected.file_name
                and loaded.status = 'loaded' and loaded.batch_seq > rejected.batch_seq
        )
    order by rejected.batch_seq
"""


def rejections_markdown(rows: list[tuple]) -> str:
    """A table of rejected files: name, rows in the file, reason."""
    if not rows:
        return "none"
    lines = ["| file | rows in file | reason |", "|---|---|---|"]
    for name, reason, n in rows:
        shown = reason.split(": ", 1)[-1].replace("|", "/")
        lines.append(f"| {name} | {'unknown' if n is None else f'{n:,}'} | {shown} |")
    return "\n".join(lines)


def build_rejected_files_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", table]),
        name="no_rejected_files",
        pool=WAREHOUSE_POOL,
        description="Warns while any landing file of this table is rejected and not yet replaced "
        "(a file of the same name loaded later).",
    )
    def _check(gridseg: GridSegPaths) -> dg.AssetCheckResult:
        with gridseg.warehouse(read_only=True) as conn:
            rows = conn.execute(OPEN_REJECTIONS, [table]).fetchall()
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rejected_files": len(rows),
                "rows_in_rejected_files": sum(r[2] or 0 for r in rows),
                "reasons": dg.MetadataValue.md(rejections_markdown(rows)),
            },
        )

    return _check


@dg.asset_check(
    asset=dg.AssetKey(["raw", "customers"]),
    name="no_unknown_landing_files",
    pool=WAREHOUSE_POOL,  # it reads only the landing folder; every check sits in the pool
    description="Warns while the landing zone holds files outside every table's folder (at its "
    "root, or in a folder no table is named after): they are not loaded anywhere.",
)
def no_unknown_landing_files(gridseg: GridSegPaths) -> dg.AssetCheckResult:
    stray = unknown_landing_files(gridseg.paths().landing)
    listed = "\n".join(f"- {name}" for name in stray[:50]) or "none"
    return dg.AssetCheckResult(
        passed=not stray,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"unknown_files": len(stray), "files": dg.MetadataValue.md(listed)},
    )


ingest_checks = [
    *(build_rejected_files_check(table) for table in LANDING_TABLES),
    no_unknown_landing_files,
]
