"""Reading features from and writing segmentation results to the warehouse (schema `ml`)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from orchestration.defs.warehouse import query_frame, quoted_identifier
from orchestration.increment import mark_unpublished

FEATURES_TABLE = "marts.customer_features"


def read_features(
    conn: duckdb.DuckDBPyConnection, month: str, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """customer_features rows of one month (all columns, or `columns`: names from code, never
    from input), by customer_id (one row per customer, so the order is total and the frame the
    same on every read)."""
    selected = ", ".join(columns) if columns else "*"
    frame = query_frame(
        conn, f"select {selected} from {FEATURES_TABLE} where as_of_month = ?", [month]
    )
    # Sorted here, not by DuckDB: at 1M customers, ORDER BY moved all 51 columns through the sort
    # (2.4-3.0 s a month); reading unsorted and gathering by the sorted key takes 1.3-1.5 s.
    return frame[frame["customer_id"].arg_sort()]


def feature_months(conn: duckdb.DuckDBPyConnection, min_month: str, max_month: str) -> list[str]:
    rows = conn.execute(
        f"select distinct as_of_month from {FEATURES_TABLE} "
        "where as_of_month between ? and ? order by 1",
        [min_month, max_month],
    ).fetchall()
    return [r[0] for r in rows]


def month_coverage(conn: duckdb.DuckDBPyConnection, eligibility: dict) -> list[tuple[str, float]]:
    """(as_of_month, share of its customers with enough recent data to be clustered) per month
    of the mart, oldest first (the rule of ml/eligibility.py, counted in DuckDB)."""
    rows = conn.execute(
        f"select as_of_month, avg(case when months_since_last_bill < ? and months_billed >= ?"
        f" then 1.0 else 0.0 end) from {FEATURES_TABLE} group by 1 order by 1",
        [int(eligibility["recent_bill_months"]), int(eligibility["min_billed_months"])],
    ).fetchall()
    return [(month, float(share)) for month, share in rows]


def replace_months(
    conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, months: list[str]
) -> None:
    """Delete+insert the given months of `ml.<table>` (created from the frame's schema), marked
    as not yet published (orchestration/increment.py: the publish rewrites only those)."""
    replace_rows(conn, table, frame, "as_of_month", months, mark_months=True)


def upsert_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: str) -> None:
    """Replace the rows of `ml.<table>` whose `key` values appear in the frame."""
    replace_rows(conn, table, frame, key, frame[key].unique().to_list())


def _add_new_columns(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Columns a newer release writes (segment_reason, training_month, ...) are added to a table
    an older release created, null in its old rows: a warehouse upgrades in place instead of
    stopping the run on an insert."""
    existing = {row[0] for row in conn.execute(f"describe ml.{table}").fetchall()}
    for name, kind, *_ in conn.execute("describe incoming_frame").fetchall():
        if name not in existing:
            conn.execute(f"alter table ml.{table} add column {quoted_identifier(name)} {kind}")


def replace_rows(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    key: str,
    values: list,
    mark_months: bool = False,
) -> None:
    """In one transaction, delete the rows of `ml.<table>` whose `key` is in `values` and insert
    the frame (the table is created from the frame's schema the first time); with
    `mark_months`, the values are months, marked unpublished in the same transaction."""
    conn.execute("create schema if not exists ml")
    conn.register("incoming_frame", frame)
    try:
        conn.execute(
            f"create table if not exists ml.{table} as select * from incoming_frame limit 0"
        )
        _add_new_columns(conn, table)
        conn.begin()
        try:
            conn.execute(f"delete from ml.{table} where {key} in (select unnest(?))", [values])
            conn.execute(f"insert into ml.{table} by name select * from incoming_frame")
            if mark_months:
                mark_unpublished(conn, table, values)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    finally:
        conn.unregister("incoming_frame")
