"""dbt CLI arguments built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

import json

from orchestration.defs.partitions import check_month
from orchestration.engine import dbt_target, on_spark


def partition_vars(min_month: str, max_month: str) -> dict[str, str]:
    """The partition window handed to incremental models; months are 'YYYY-MM'."""
    check_month(min_month)
    check_month(max_month)
    if min_month > max_month:
        raise ValueError(f"partition window {min_month}..{max_month} is empty")
    return {"min_month": min_month, "max_month": max_month}


def target_args() -> list[str]:
    """The dbt target of the engine GRIDSEG_ENGINE selects, read when dbt is invoked."""
    return ["--target", dbt_target()]


def build_args(dbt_vars: dict[str, str] | None = None) -> list[str]:
    """`dbt build` (models, then their tests) on the selected engine, with optional vars.
    dbt's unit tests (fixed inputs, expected rows: the models' logic) run on DuckDB only:
    tests/e2e/test_spark_parity.py shows the models build the same rows on Spark, and each unit
    test would cost Spark seconds of its own. The data tests run on either engine."""
    args = ["build", *target_args()]
    if on_spark():
        args += ["--exclude-resource-type", "unit_test"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    return args
