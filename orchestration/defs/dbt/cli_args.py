"""dbt CLI arguments built by small pure functions (unit-tested without dbt)."""

from __future__ import annotations

import json


def partition_vars(min_month: str, max_month: str) -> dict[str, str]:
    """The partition window handed to incremental models; months are 'YYYY-MM'."""
    for month in (min_month, max_month):
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ValueError(f"month {month!r} is not 'YYYY-MM'")
    if min_month > max_month:
        raise ValueError(f"partition window {min_month}..{max_month} is empty")
    return {"min_month": min_month, "max_month": max_month}


# The share of DuckDB's memory limit left to it while a NumPy Python model runs: the model's
# arrays and the output DuckDB buffers share the budget (dbt macro duckdb_memory_limit).
NUMPY_MODEL_MEMORY_SHARE = 0.5


def numpy_model_vars(limit_bytes: int) -> dict[str, str]:
    """The dbt var that lowers DuckDB's memory limit of `limit_bytes` while a NumPy model runs."""
    return {"numpy_model_duckdb_memory": f"{int(limit_bytes * NUMPY_MODEL_MEMORY_SHARE)}B"}


def build_args(dbt_vars: dict[str, str] | None = None) -> list[str]:
    """`dbt build` (models, then their tests) with optional vars."""
    args = ["build"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    return args
