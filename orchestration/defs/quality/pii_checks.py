"""No personal data past staging: blocking `no_pii` checks on the feature mart and on the ml
tables that are published.

Grain: one check per asset; it looks at the rows the asset just built (the latest month of a
monthly table or view, all rows of the small model tables) for
- a column named like a PII column (full_name, phone, email, address), and
- text values that are PII: equal to a name, phone, email or address in raw.customers (the
  only place PII lands), or shaped like an email or a phone number.
Findings name the column and count the values; they never show a value (it would be PII).
"""

import dagster as dg
import duckdb

from orchestration.defs.ingest.landing_contract import PII_COLUMNS
from orchestration.defs.warehouse import WAREHOUSE_POOL, GridSegPaths

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE = r"^\+?[0-9]{0,3}[ .-]?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}$"

LATEST = "as_of_month = (select max(as_of_month) from {table})"
# asset -> the tables (and rows) it writes
TARGETS: dict[tuple[str, ...], list[tuple[str, str]]] = {
    ("marts", "customer_features"): [("marts.customer_features", LATEST)],
    ("ml", "customer_segments_history"): [("ml.customer_segments_history", LATEST)],
    ("ml", "segment_profiles"): [("ml.segment_profiles", LATEST)],
    ("ml", "segmentation_model"): [
        ("ml.segmentation_models", "true"),
        ("ml.value_index_weights", "true"),
    ],
}


def pii_findings(conn: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> list[str]:
    """What looks like PII in `table` (rows matching `where`): one line per finding."""
    described = conn.execute(f"describe select * from {table}").fetchall()
    findings = [
        f"{table}: column {name} is a PII column"
        for name, *_ in described
        if name.lower() in PII_COLUMNS
    ]
    text = [name for name, kind, *_ in described if str(kind).upper() == "VARCHAR"]
    if not text:
        return findings
    known = " union ".join(f"select {c} as v from raw.customers" for c in PII_COLUMNS)
    on = ", ".join(f'"{c}"' for c in text)
    rows = conn.execute(
        f"""
        with target as (
            select {on} from {table} where {where.format(table=table)}
        ),
        cells as (
            unpivot target on {on} into name column_name value v
        ),
        pii as (
            select distinct v from ({known}) where v is not null
        )
        select column_name, count(*) from cells
        where v in (select v from pii) or regexp_matches(v, ?) or regexp_matches(v, ?)
        group by column_name order by column_name
        """,
        [EMAIL, PHONE],
    ).fetchall()
    return findings + [
        f"{table}: column {column} holds {n:,} value(s) that are or look like PII"
        for column, n in rows
    ]


def build_pii_check(asset: tuple[str, ...]) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(asset)),
        name="no_pii",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description="No PII column and no PII value (names, phones, emails, addresses of "
        "raw.customers, or email/phone shapes) in the rows this asset wrote.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, gridseg: GridSegPaths
    ) -> dg.AssetCheckResult:
        with gridseg.warehouse(read_only=True) as conn:
            findings = [f for t, where in TARGETS[asset] for f in pii_findings(conn, t, where)]
        for finding in findings:
            context.log.error(f"PII found: {finding}")
        return dg.AssetCheckResult(
            passed=not findings,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "tables": ", ".join(table for table, _ in TARGETS[asset]),
                "findings": dg.MetadataValue.md("\n".join(f"- {f}" for f in findings) or "none"),
            },
        )

    return _check


pii_checks = [build_pii_check(asset) for asset in TARGETS]
