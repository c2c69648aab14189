"""The warehouse: one DuckDB file, written by one process at a time (Dagster pool `warehouse`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from orchestration.settings import Paths

# Every asset that writes the warehouse file runs in this pool; dagster.yaml limits it to 1.
WAREHOUSE_POOL = "warehouse"

# DuckDB runs offline: only built-in extensions (parquet, json, icu, core_functions).
OFFLINE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "preserve_insertion_order": False,
}

# DuckDB's memory is bounded (it spills beyond the limit) so that a 1M-customer backfill fits a
# small machine. The same variable sets the limit of dbt's connection (dbt_project/profiles.yml).
MEMORY_VARIABLE, DEFAULT_MEMORY = "GRIDSEG_DUCKDB_MEMORY", "6GB"
# The units DuckDB accepts, in lower case (a bare number is refused, as DuckDB refuses it).
_UNITS = {"b": 1, "byte": 1, "bytes": 1} | {
    unit: base**power
    for power, (letter, name) in enumerate(
        [("k", "kilo"), ("m", "mega"), ("g", "giga"), ("t", "tera")], start=1
    )
    for unit, base in [
        (letter, 1000), (f"{letter}b", 1000), (f"{name}byte", 1000), (f"{name}bytes", 1000),
        (f"{letter}ib", 1024),
    ]
}  # fmt: skip
# A step that holds large arrays in Python beside DuckDB (training, scoring) leaves
# DuckDB this share of the limit.
ARRAY_STEP_MEMORY_SHARE = 0.5


def memory_limit_bytes(setting: str | None = None) -> int:
    """The configured DuckDB memory limit in bytes: `setting`, else GRIDSEG_DUCKDB_MEMORY (as
    DuckDB reads it: GB = 10**9 bytes, GiB = 2**30)."""
    text = os.environ.get(MEMORY_VARIABLE, DEFAULT_MEMORY) if setting is None else setting
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*", text)
    if not match or match[2].lower() not in _UNITS:
        raise ValueError(
            f"{MEMORY_VARIABLE}={text!r} is not a memory size: use e.g. 6GB, 5.5GiB or 4000MB"
        )
    return int(float(match[1]) * _UNITS[match[2].lower()])


def connect_duckdb(
    path: Path | str | None, read_only: bool = False, memory_share: float = 1.0
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file (None: in memory) without ever downloading an extension. A step that
    holds large frames in Python itself takes a `memory_share` of the limit: DuckDB would
    otherwise fill the rest with cached blocks, and the two together pass the machine's budget."""
    if path is not None and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    limit = int(memory_limit_bytes() * memory_share)
    return duckdb.connect(
        ":memory:" if path is None else str(path),
        read_only=read_only,
        config={**OFFLINE_CONFIG, "memory_limit": f"{limit}B"},
    )


class GridSegPaths(dg.ConfigurableResource):
    """Locations of the landing zone, warehouse, published outputs and model artefacts."""

    data_dir: str = ""

    def paths(self) -> Paths:
        return Paths.under(Path(self.data_dir)) if self.data_dir else Paths.from_env()

    @contextmanager
    def warehouse(
        self, read_only: bool = False, memory_share: float = 1.0
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = connect_duckdb(self.paths().warehouse, read_only, memory_share)
        try:
            yield conn
        finally:
            conn.close()


def query_frame(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pl.DataFrame:
    """Run a query and fetch the whole result as a Polars frame (DuckDB 2.0 results stream)."""
    return pl.from_arrow(conn.sql(sql, params=params or None).to_arrow_table())


# Dagster's metadata key for the rows of the table an asset is (the UI's "Row count").
ROW_COUNT = "dagster/row_count"


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of `schema.table` (0 while it does not exist: a window with no months yet)."""
    schema, name = table.split(".")
    if not table_exists(conn, schema, name):
        return 0
    return conn.execute(f"select count(*) from {schema}.{name}").fetchall()[0][0]


def table_exists(
    conn: duckdb.DuckDBPyConnection, schema: str, table: str, catalog: str | None = None
) -> bool:
    """Whether `schema.table` exists (a table or a view), in the database `catalog` when given
    (e.g. an attached warehouse)."""
    return bool(
        conn.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ? and table_catalog = coalesce(?, table_catalog)",
            [schema, table, catalog],
        ).fetchall()[0][0]
    )


def quoted_identifier(name: str) -> str:
    """A name (of a column DuckDB reported, or of the code) as a quoted SQL identifier: the one
    way identifiers that are not constants enter SQL text (values go in as parameters)."""
    return '"' + name.replace('"', '""') + '"'


def billing_months(conn: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """The first and last billing month of the staged bills ((None, None) before any)."""
    first, last = conn.execute(
        "select min(billing_month), max(billing_month) from staging.stg_billing__bills"
    ).fetchall()[0]
    return first, last
