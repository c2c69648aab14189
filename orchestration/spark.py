"""The local Spark session of GridSeg's own Python steps (scoring on Spark): in-process, on this
machine's cores, offline (bound to the loopback interface, no UI, no download).

Its engine settings (master and cores, driver memory, shuffle partitions, time zone, timestamp
type, UI) are the `spark` dbt target's server_side_parameters (dbt_project/profiles.yml, the one
home of them, with their environment variables), so dbt's Spark and this one agree. The
metastore and warehouse settings are left out: this session keeps Spark's in-memory catalog and
its own scratch folders, and never opens dbt's Derby metastore.

On a cluster the session comes from the cluster's own configuration (`spark-submit`, Databricks
Connect) instead; the steps only need a `SparkSession`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jinja2
import yaml

from orchestration.settings import DBT_PROJECT_DIR

# Not needed by a session that has no tables of its own, or dbt's alone.
DBT_ONLY = ("spark.sql.warehouse.dir", "spark.hadoop.", "spark.driver.extraJavaOptions")
LOCAL_CONFIG = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


def dbt_spark_parameters() -> dict[str, str]:
    """The `spark` target's server_side_parameters, their `env_var` read as dbt reads them."""
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    parameters = profiles["gridseg"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise KeyError(f"profiles.yml reads {name}, which is not set")
        return value

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {
        key: environment.from_string(str(value)).render(env_var=env_var)
        for key, value in parameters.items()
    }


def local_session(work_dir: Path, app_name: str = "gridseg"):
    """A local SparkSession whose warehouse and scratch space are under `work_dir`. Its Python
    workers run this interpreter (the project's virtualenv), so they import the same `ml/`."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    shared = {k: v for k, v in dbt_spark_parameters().items() if not k.startswith(DBT_ONLY)}
    builder = SparkSession.builder.appName(app_name)
    for key, value in {
        **shared,
        **LOCAL_CONFIG,
        "spark.sql.warehouse.dir": str(work_dir / "spark-warehouse"),
        "spark.local.dir": str(work_dir / "spark-tmp"),
    }.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
