"""Checks on ingestion: every landing file was accepted (a rejected file fails, as a warning)."""


import dagster as dg

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.warehouse import GridSegPaths


def build_rejected_files_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", table]),
        name="no_rejected_files",
        description="Warns while any landing file of this table is rejected and not yet replaced.",
    )
    def _check(gridseg: GridSegPaths) -> dg.AssetCheckResult:
        with gridseg.warehouse() as conn:
            rows = conn.execute(
                "select file_name, reason from raw.ingest_files "
                "where table_name = ? and status = 'rejected' order by batch_seq",
                [table],
            ).fetchall()
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rejected_files": len(rows),
                "reasons": dg.MetadataValue.md("\n".join(f"- {r[1]}" for r in rows) or "none"),
            },
        )

    return _check


ingest_checks = [build_rejected_files_check(table) for table in LANDING_TABLES]
