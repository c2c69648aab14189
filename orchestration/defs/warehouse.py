"""The warehouse: one DuckDB file, written by one process at a time (Dagster pool `warehouse`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from orchestration.settings import Paths

# Every asset that writes the warehouse file runs in this pool; dagster.yaml limits it to 1.
WAREHOUSE_POOL = "warehouse"

# DuckDB runs offline: only built-in extensions (parquet, json, icu, core_functions); memory is
# bounded (DuckDB spills beyond it) so that a 1M-customer backfill fits a small machine.
OFFLINE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "memory_limit": os.environ.get("GRIDSEG_DUCKDB_MEMORY", "6GB"),
    "preserve_insertion_order": False,
}


def connect_duckdb(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file without ever downloading an extension."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=dict(OFFLINE_CONFIG))


_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def share_memory_limit(conn: duckdb.DuckDBPyConnection, fraction: float) -> None:
    """Lower this connection's DuckDB memory limit to `fraction` of what it is, for a step that
    holds large frames in Python itself (DuckDB would otherwise fill the rest with cached
    blocks, and the two together pass the machine's budget)."""
    value, unit = conn.execute("select current_setting('memory_limit')").fetchall()[0][0].split()
    limit = int(float(value) * _UNITS[unit] * fraction)
    conn.execute(f"set memory_limit = '{limit}B'")


class GridSegPaths(dg.ConfigurableResource):
    """Locations of the landing zone, warehouse, published outputs and model artefacts."""

    data_dir: str = ""

    def paths(self) -> Paths:
        return Paths.under(Path(self.data_dir)) if self.data_dir else Paths.from_env()

    @contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = connect_duckdb(self.paths().warehouse, read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()


def query_frame(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pl.DataFrame:
    """Run a query and fetch the whole result as a Polars frame (DuckDB 2.0 results stream)."""
    return pl.from_arrow(conn.sql(sql, params=params or None).to_arrow_table())
