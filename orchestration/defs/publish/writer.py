"""Publish segment tables for BI and marketing: a DuckDB file built aside and atomically
renamed into place (readers never see a half-written file), and Parquet partitioned by
as_of_month, swapped in as a whole folder. No PII: only the columns listed here leave."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from orchestration.defs.warehouse import connect_duckdb

PUBLISHED_DB = "segments.duckdb"
PARQUET_DIR = "parquet"
# BI tools embed older DuckDB releases than the pipeline's: the published file is written in a
# storage format they can open. v1.3.0 opens in DuckDB 1.3 and later (May 2025 on); a site whose
# BI driver is older sets GRIDSEG_PUBLISH_STORAGE=v1.2.0 (at 1M customers x 36 months that
# writes the history in about 11 s more: v1.2.0 lacks the newer string compression).
STORAGE_VARIABLE, DEFAULT_STORAGE_VERSION = "GRIDSEG_PUBLISH_STORAGE", "v1.3.0"
STORAGE_VERSION_FORMAT = re.compile(r"v\d+\.\d+\.\d+")

SEGMENT_COLUMNS = (
    "customer_id",
    "as_of_month",
    "segment_id",
    "segment_name",
    "value_score",
    "value_tier",
    "satisfaction_score",
    "value_satisfaction_cell",
    "credit_rating",
    "customer_class",
    "region",
    "recommended_strategy",
    "model_version",
)

# Customers of `to_month` (the first parameter) who were also scored in `from_month` (the
# second), counted per pair of segments; stayers included.
MIGRATIONS = """
    select prev.segment_id as from_segment, cur.segment_id as to_segment,
        prev.as_of_month as from_month, cur.as_of_month as to_month, count(*) as n_customers
    from wh.ml.customer_segments_history as cur
    inner join wh.ml.customer_segments_history as prev using (customer_id)
    where cur.as_of_month = ? and prev.as_of_month = ? and prev.segment_id is not null
    group by all
"""

# Published table -> SQL over the warehouse (attached as `wh`).
PUBLISHED_TABLES: dict[str, str] = {
    "customer_segments_history": (
        f"select {', '.join(SEGMENT_COLUMNS)} from wh.ml.customer_segments_history"
    ),
    # The current segmentation: every customer active in the latest month, once.
    "customer_segments": (
        f"select {', '.join(SEGMENT_COLUMNS)} from wh.ml.customer_segments_history "
        "where as_of_month = (select max(as_of_month) from wh.ml.customer_segments_history)"
    ),
    "segment_profiles": "select * from wh.ml.segment_profiles",
    "segment_migrations": MIGRATIONS,
    "value_index_weights": "select * from wh.ml.value_index_weights",
    "segmentation_models": "select * from wh.ml.segmentation_models",
}

# Sort orders make the published files the same for the same input.
ORDER_BY = {
    "customer_segments_history": "as_of_month, customer_id",
    "customer_segments": "customer_id",
    "segment_profiles": "as_of_month, segment_id",
    "segment_migrations": "to_month, from_segment, to_segment",
    "value_index_weights": "model_version, level, criterion, method",
    "segmentation_models": "model_version",
}
PARQUET_OPTIONS = "format parquet, compression zstd"
MONTH_KEY = re.compile(r"\d{4}-\d{2}")
PARTITIONED = ("customer_segments_history", "segment_profiles", "customer_segments")
# Built one as_of_month at a time, each month sorted on its own: at 1M customers x 36 months,
# one ORDER BY over the whole history took 98 s of a 124 s publish; month by month, 42 s.
BY_MONTH = ("customer_segments_history",)
# Built one pair of calendar-consecutive months at a time (the query takes both as parameters).
BY_MONTH_PAIR = ("segment_migrations",)


def storage_version(setting: str | None = None) -> str:
    """The DuckDB storage version of the published file: `setting`, else GRIDSEG_PUBLISH_STORAGE,
    else v1.3.0. ValueError for a value that is not vMAJOR.MINOR.PATCH."""
    version = (
        os.environ.get(STORAGE_VARIABLE, DEFAULT_STORAGE_VERSION) if setting is None else setting
    )
    if not STORAGE_VERSION_FORMAT.fullmatch(version.strip()):
        raise ValueError(
            f"{STORAGE_VARIABLE}={version!r} is not a DuckDB storage version: use e.g. v1.3.0"
        )
    return version.strip()


def publish(warehouse: Path, published_dir: Path, storage: str | None = None) -> dict[str, int]:
    """Build every published table from the warehouse, in DuckDB storage version `storage`
    (default: storage_version()); returns row counts per table."""
    storage = storage_version(storage)
    published_dir = Path(published_dir)
    published_dir.mkdir(parents=True, exist_ok=True)
    target = published_dir / PUBLISHED_DB
    building = published_dir / f".{PUBLISHED_DB}.building"
    parquet_building = published_dir / f".{PARQUET_DIR}.building"
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(parquet_building, ignore_errors=True)
    counts: dict[str, int] = {}
    # offline and memory-bounded like every warehouse connection (unbounded, publishing a
    # 1M x 36 history peaked at 13 GB)
    # insertion order kept: the tables are written sorted and copied to Parquet in that order,
    # so the same input gives the same files
    conn = connect_duckdb(None)
    conn.execute("set preserve_insertion_order = true")
    try:
        conn.execute(f"attach '{warehouse}' as wh (read_only)")
        try:
            conn.execute(f"attach '{building}' as pub (storage_version '{storage}')")
        except duckdb.InvalidInputException as error:
            raise ValueError(
                f"{STORAGE_VARIABLE}={storage!r}: DuckDB cannot write that storage version "
                f"({str(error).splitlines()[0][:200]})"
            ) from error
        for table, query in PUBLISHED_TABLES.items():
            if table in BY_MONTH:
                _create_by_month(conn, table, query)
            elif table in BY_MONTH_PAIR:
                _create_by_month_pair(conn, table, query)
            else:
                conn.execute(
                    f"create table pub.{table} as select * from ({query}) order by {ORDER_BY[table]}"
                )
            counts[table] = conn.execute(f"select count(*) from pub.{table}").fetchall()[0][0]
            folder = parquet_building / table
            folder.mkdir(parents=True, exist_ok=True)
            if table in PARTITIONED:
                _copy_by_month(conn, table, folder)
            else:
                conn.execute(
                    f"copy (select * from pub.{table} order by {ORDER_BY[table]}) "
                    f"to '{folder / 'data.parquet'}' ({PARQUET_OPTIONS})"
                )
        conn.execute("detach pub")
        conn.execute("detach wh")
    finally:
        conn.close()
    os.replace(building, target)
    _swap_folder(parquet_building, published_dir / PARQUET_DIR)
    return counts


def _months(conn: duckdb.DuckDBPyConnection, relation: str, table: str) -> list[str]:
    """The as_of_month values of `relation`, in order; ValueError for a null or a value that is
    not YYYY-MM (it would name a Parquet folder)."""
    months = [
        m
        for (m,) in conn.execute(
            f"select distinct as_of_month from {relation} order by 1"
        ).fetchall()
    ]
    for month in months:
        if month is None:
            raise ValueError(f"published table {table}: rows without an as_of_month")
        if not MONTH_KEY.fullmatch(str(month)):
            raise ValueError(f"published table {table}: as_of_month {month!r} is not YYYY-MM")
    return months


def _create_by_month(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """pub.<table> from `query`, one as_of_month after another, each month in ORDER_BY order:
    the same rows in the same order as one ORDER BY over the whole table."""
    conn.execute(f"create table pub.{table} as select * from ({query}) limit 0")
    for month in _months(conn, f"({query})", table):
        conn.execute(
            f"insert into pub.{table} select * from ({query}) where as_of_month = ? order by {ORDER_BY[table]}",
            [month],
        )


def _create_by_month_pair(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """pub.<table> from `query` (parameters: a month and the month before it), for every pair of
    calendar-consecutive months of the scoring history (a gap month yields no pair), in
    ORDER_BY order. For the migrations, one join of two months per pair took 2.5 s at 1M x 36;
    one window over the whole history (lag by customer), 7-9 s."""
    conn.execute(f"create table pub.{table} as select * from ({query}) limit 0", [None, None])
    months = _months(conn, "wh.ml.customer_segments_history", table)
    for previous, month in zip(months, months[1:], strict=False):
        if _month_number(month) - _month_number(previous) == 1:
            conn.execute(
                f"insert into pub.{table} select * from ({query}) order by {ORDER_BY[table]}",
                [month, previous],
            )


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7])


def _copy_by_month(conn: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    """pub.<table> as Parquet, one file per as_of_month in Hive layout
    (`as_of_month=YYYY-MM/part_0.parquet`, the month in the folder name, not in the file), each
    in ORDER_BY order, the order pub.<table> was written in. COPY ... PARTITION_BY interleaved
    its writers' chunks: the rows of a file, hence its bytes, changed from run to run."""
    for month in _months(conn, f"pub.{table}", table):
        target = folder / f"as_of_month={month}" / "part_0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        # no ORDER BY: pub.<table> was written in ORDER_BY order and insertion order is kept
        # (preserve_insertion_order), so the scan returns the month's rows in that order
        # (sorting again took 6 s of the publish at 1M x 36)
        conn.execute(
            f"copy (select * exclude (as_of_month) from pub.{table} where as_of_month = '{month}') "
            f"to '{target}' ({PARQUET_OPTIONS})"
        )


def _swap_folder(new: Path, live: Path) -> None:
    """Replace a folder by another: rename the old one away, rename the new one in, delete the old."""
    old = live.with_name(f".{live.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if live.exists():
        os.replace(live, old)
    os.replace(new, live)
    shutil.rmtree(old, ignore_errors=True)
