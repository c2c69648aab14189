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
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.warehouse import GridSegPaths, quoted_identifier
from orchestration.settings import engine

# The `landing` sources of the dbt project: every landing table and the ingest log.
RAW_TABLES = (*LANDING_TABLES, "ingest_files")

# The dbt target of each engine (dbt_project/profiles.yml).
DBT_TARGETS = {"duckdb": "local", "spark": "spark"}


def dbt_target() -> str:
    """The dbt target of the engine GRIDSEG_ENGINE selects (orchestration.settings.engine)."""
    return DBT_TARGETS[engine()]


def on_spark() -> bool:
    return engine() == "spark"


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


def export_landing_for_engine(gridseg: GridSegPaths) -> None:
    """Before dbt reads the `landing` sources: on Spark, the raw tables exported for it (on
    DuckDB they are read where the ingest wrote them)."""
    if on_spark():
        with gridseg.warehouse(read_only=True) as conn:
            export_landing(conn, gridseg.paths().spark)


# DuckDB types Spark has not, and the type the dbt project gives their columns there instead
# (macros/engine.sql: type_hugeint): the mirror casts them back, exactly (integers of 38 digits).
SPARK_STAND_INS = {"HUGEINT": "DECIMAL(38,0)"}


def spark_table_dir(spark_dir: Path, schema: str, table: str) -> Path:
    """The folder of a table the `spark` dbt target built: Spark's warehouse folder (profiles.yml:
    spark.sql.warehouse.dir) holds a folder per schema, <schema>.db, and one per table in it;
    a partitioned table has a folder per partition value (<column>=<value>) below that."""
    return Path(spark_dir) / "warehouse" / f"{schema}.db" / table


def _parquet_files(folder: Path) -> list[str]:
    """The table's data files, partition folders included; Spark's side files (.crc checksums,
    _SUCCESS) are not data."""
    if not folder.is_dir():
        return []
    return sorted(
        str(path)
        for path in folder.rglob("*.parquet")
        if not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
    )


def _column_types(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    relation = conn.sql(sql, params=params or None)
    return dict(zip(relation.columns, map(str, relation.dtypes), strict=True))


def mirror_spark_tables(
    conn: duckdb.DuckDBPyConnection, spark_dir: Path, tables: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Copy the rows of tables the `spark` dbt target built into the DuckDB tables of the same
    schema.table, in one transaction; returns the rows copied per table.

    Why: on GRIDSEG_ENGINE=spark dbt builds the models on Spark, and everything after dbt (the
    row counts, the GX and PII checks, training and scoring inputs, profiles, services,
    publishing) reads the warehouse tables through DuckDB. Mirroring what Spark built keeps all
    of it one code path with the same checks, whichever engine computed the models.

    The DuckDB tables must exist, empty or not, with the columns a DuckDB build gives them:
    the caller creates them with `dbt run --target local --empty` over the same models, so their
    column order and types are DuckDB's own (Spark moves a partition column to the end). The
    Parquet's columns must have the same types (the parity test, tests/e2e/
    test_spark_parity.py, shows every model maps exactly), but for Spark's stand-ins of types it
    has not (SPARK_STAND_INS), cast back on insert; any other difference fails loudly rather
    than being cast. Partition columns are read from the folder names as text, as the month keys are.

    The mirror is for local Spark only. On a cluster the Parquet lies in object storage, which
    this DuckDB cannot read (built-in extensions only, no httpfs), and copying 10 M customers'
    tables into one file would be the bottleneck: the checks and later steps must read the
    cluster's tables instead (docs/scaling.md, "The mirror does not scale")."""
    copied = {}
    conn.begin()
    try:
        for schema, table in tables:
            name = f"{quoted_identifier(schema)}.{quoted_identifier(table)}"
            files = _parquet_files(spark_table_dir(spark_dir, schema, table))
            conn.execute(f"delete from {name}")
            copied[f"{schema}.{table}"] = 0
            if not files:  # Spark wrote no file for a table without rows
                continue
            source = "read_parquet(?, hive_partitioning = true, hive_types_autocast = false)"
            expected = {
                column: SPARK_STAND_INS.get(kind, kind)
                for column, kind in _column_types(conn, f"select * from {name} limit 0").items()
            }
            found = _column_types(conn, f"select * from {source} limit 0", [files])
            if found != expected:
                raise ValueError(
                    f"{schema}.{table}: the Spark build's columns {found} are not the DuckDB "
                    f"build's {expected}"
                )
            conn.execute(f"insert into {name} by name select * from {source}", [files])
            copied[f"{schema}.{table}"] = conn.execute(f"select count(*) from {name}").fetchall()[
                0
            ][0]
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return copied
