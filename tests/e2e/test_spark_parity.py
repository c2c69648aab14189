"""The same dbt project on DuckDB and on Spark: every row and column of the compared models equal.

One small landing zone (500 customers x 15 months, with faults: quarantined rows, rejected files,
re-issued bills) is generated and ingested once into DuckDB, exported as Parquet for Spark, and
built by one dbt invocation per engine: DuckDB's in a subprocess, Spark's in this process
(dbtRunner), so that its Spark session, still open afterwards, reads the tables back without a
second JVM. Both sides are compared in DuckDB over Arrow as multisets of rows (EXCEPT ALL both
ways, so neither row order nor duplicates can hide a difference): decimals exactly, timestamps to
the microsecond.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from datagen import generate
from orchestration.defs.ingest.landing_contract import LANDING_TABLES
from orchestration.defs.ingest.loader import ingest_table
from orchestration.defs.warehouse import connect_duckdb, quoted_identifier
from orchestration.engine import DBT_TARGETS, export_landing
from orchestration.settings import DBT_PROJECT_DIR, Paths

pytestmark = [pytest.mark.e2e, pytest.mark.spark]

# Every model of these layers is built and compared, customer_features included.
LAYERS = ("staging", "quality", "intermediate", "marts")

# Columns that legitimately differ by engine: the fingerprints of quality.feature_inputs, sums
# of row hashes (DuckDB's hash(), Spark's xxhash64: the macro hash_of). Their row counts
# (n_rows) are compared, as is every other column.
ENGINE_HASHES = {"fingerprint"}


def run_dbt_duckdb(paths: Paths, target_path: Path) -> None:
    """`dbt run` on DuckDB, in a subprocess (dbt-duckdb and dbt-spark each in their process)."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "GRIDSEG_WAREHOUSE": str(paths.warehouse)}
    subprocess.run(
        [str(dbt), "run", "--profiles-dir", ".", "--target", DBT_TARGETS["duckdb"],
         "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR, env=env, check=True, capture_output=True,
    )  # fmt: skip


def run_dbt_spark(paths: Paths, target_path: Path):
    """`dbt run` on Spark in this process; returns dbt's result (its manifest lists the models)."""
    from dbt.cli.main import dbtRunner

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRIDSEG_SPARK", str(paths.spark))
        patch.chdir(DBT_PROJECT_DIR)
        result = dbtRunner().invoke(
            ["run", "--profiles-dir", ".", "--target", DBT_TARGETS["spark"],
             "--target-path", str(target_path)]
        )  # fmt: skip
    assert result.success, result.exception or [
        (r.node.name, r.message) for r in result.result if r.status != "success"
    ]
    return result


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory, java):
    root = tmp_path_factory.mktemp("spark_parity")
    generate(
        root / "generated", root / "truth", n_customers=500, n_months=15, seed=11,
        ami_customers=10, fault_rate=0.02, campaigns=True,
    )  # fmt: skip
    paths = Paths.under(root / "data")
    conn = connect_duckdb(paths.warehouse)
    try:
        for table in LANDING_TABLES:
            ingest_table(conn, root / "generated", table)
        export_landing(conn, paths.spark)
    finally:
        conn.close()

    run_dbt_duckdb(paths, root / "target_duckdb")
    result = run_dbt_spark(paths, root / "target_spark")
    models = sorted(
        (run.node.schema, run.node.name)
        for run in result.result.results
        if run.node.resource_type == "model" and run.node.schema in LAYERS
    )
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    yield {"paths": paths, "models": models, "spark": spark}
    spark.stop()


def test_every_model_is_built_and_compared(both_engines):
    """The comparison covers every SQL model of the compared layers, not a chosen few."""
    names = {name for _, name in both_engines["models"]}
    assert len(names) >= 31
    assert {
        "stg_cis__customers_checked",
        "int_customer_months_payments",
        "int_customer_trailing_12m",
        "feature_inputs",
        "customer_features",
    } <= names


def arrow_type(data_type: pa.DataType) -> str:
    """The column's type as both engines must agree on it: Arrow's, but text is text (DuckDB
    hands VARCHAR to Arrow as string, Spark as large_string)."""
    if pa.types.is_large_string(data_type):
        return str(pa.string())
    return str(data_type)


def test_spark_builds_the_same_rows_as_duckdb(both_engines):
    spark, paths = both_engines["spark"], both_engines["paths"]
    compare = duckdb.connect(config={"autoinstall_known_extensions": False})
    warehouse = duckdb.connect(str(paths.warehouse), read_only=True)
    differences = {}
    try:
        for schema, name in both_engines["models"]:
            table = f"{quoted_identifier(schema)}.{quoted_identifier(name)}"
            on_duckdb = warehouse.sql(f"select * from {table}").to_arrow_table()
            on_spark = spark.table(f"`{schema}`.`{name}`").toArrow()
            columns = sorted(set(on_duckdb.column_names) - ENGINE_HASHES)
            assert set(on_spark.column_names) - ENGINE_HASHES == set(columns), name
            types = {
                column: (
                    arrow_type(on_duckdb.schema.field(column).type),
                    arrow_type(on_spark.schema.field(column).type),
                )
                for column in columns
            }
            mismatched = {c: t for c, t in types.items() if t[0] != t[1]}
            compare.register("on_duckdb", on_duckdb.select(columns))
            compare.register("on_spark", on_spark.select(columns))
            only = [
                compare.execute(
                    f"select count(*) from (select * from {a} except all select * from {b})"
                ).fetchall()[0][0]
                for a, b in [("on_duckdb", "on_spark"), ("on_spark", "on_duckdb")]
            ]
            if mismatched or any(only) or on_duckdb.num_rows != on_spark.num_rows:
                differences[name] = {
                    "rows": (on_duckdb.num_rows, on_spark.num_rows),
                    "only_on_duckdb": only[0],
                    "only_on_spark": only[1],
                    "types": mismatched,
                }
    finally:
        warehouse.close()
        compare.close()
    assert not differences, differences
