"""The local Spark session of GridSeg's own Python steps (scoring on Spark): in-process, on this
machine's cores, offline (bound to the loopback interface, no UI, no download).

On a cluster the session comes from the cluster's own configuration (`spark-submit`, Databricks
Connect) instead; the steps only need a `SparkSession`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Small shuffles: the local engine has 2-8 cores, and Spark's default of 200 partitions makes
# tiny tasks whose start-up dominates.
LOCAL_CONFIG = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}


def local_session(work_dir: Path, app_name: str = "gridseg"):
    """A local SparkSession whose warehouse and scratch space are under `work_dir`. Its Python
    workers run this interpreter (the project's virtualenv), so they import the same `ml/`."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master("local[2]").appName(app_name)
    for key, value in {
        **LOCAL_CONFIG,
        "spark.sql.warehouse.dir": str(work_dir / "spark-warehouse"),
        "spark.local.dir": str(work_dir / "spark-tmp"),
    }.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
