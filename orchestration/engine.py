"""The engines the dbt project runs on: DuckDB (the warehouse file, the default) and Apache Spark
(dbt-spark's `spark` target, dbt_project/profiles.yml).

The ingest loads landing files into DuckDB's `raw` schema on either engine: it judges every
value and keeps the ingest log there. For Spark, `export_landing` writes each raw table as
Parquet below the Spark folder (Paths.spark / landing / <table>), and the dbt project registers
them as the `landing` sources on Spark when a run starts (macros/engine_session.sql). Parquet
keeps the types: DECIMAL, DATE, BOOLEAN, text (`_unparsed` JSON), and DuckDB's naive TIMESTAMP
as a timestamp not adjusted to UTC, which Spark reads as TIMESTAMP_NTZ: the same wall-clock
values, whatever the session's time zone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.warehouse import quoted_identifier

# The `landing` sources of the dbt project: every landing table and the ingest log.
RAW_TABLES = (*LANDING_TABLES, "ingest_files")

# The dbt target of each engine (dbt_project/profiles.yml).
DBT_TARGETS = {"duckdb": "local", "spark": "spark"}


def landing_export_dir(spark_dir: Path) -> Path:
    """Where the raw tables' Parquet lies for Spark (one folder per table)."""
    return Path(spark_dir) / "landing"


def export_landing(conn: duckdb.DuckDBPyConnection, spark_dir: Path) -> dict[str, int]:
    """Write every raw table of the warehouse as Parquet for Spark, replacing the previous
    export; returns the rows written per table. A table's folder holds one file: Spark reads
    the folder, so a stale file left beside it would be read too."""
    written = {}
    for table in RAW_TABLES:
        folder = landing_export_dir(spark_dir) / table
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        # written in the load order, so that a Spark scan meets the rows as DuckDB stores them
        order = "_batch_seq, _row_number" if table in LANDING_TABLES else "batch_seq"
        conn.execute(
            f"copy (select * from raw.{quoted_identifier(table)} order by {order}) "
            "to ? (format parquet)",
            [str(folder / "part-0.parquet")],
        )
        written[table] = conn.execute(
            f"select count(*) from raw.{quoted_identifier(table)}"
        ).fetchall()[0][0]
    return written
