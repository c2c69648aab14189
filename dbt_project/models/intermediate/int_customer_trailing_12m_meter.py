"""Trailing-window sums of the smart-meter monthly facts (int_customer_months_meter): one row per
customer x as_of_month whose 12-month window holds meter reads. customer_features joins them to
the account sums of int_customer_trailing_12m.

They live apart because most customers have no smart-meter reads (every customer of a utility
without them): as 11 null columns of int_customer_trailing_12m they cost a 1M x 36 backfill
about 13 s to write (98.9 s against 78.5 s for that model rebuilt alone); here a run without meter reads writes nothing.

The as_of_months are int_customer_trailing_12m's (the months of the window with billing or meter
facts); the arithmetic is its own (python/trailing_windows.py): exact sums of scaled integers,
null for a window without a value, one hash range of customers at a time, rows stored in
customer_hash order. The same input gives the same output, bit for bit.
"""

import numpy as np
import pyarrow as pa
from trailing_windows import (
    MAX_BUCKETS,
    WINDOW,
    aggregate_arrays,
    customers_per_bucket,
    fetch_facts,
    grid_offsets,
    hash_range,
    key_arrays,
    maximum_window,
    memory_limited_batches,
    month_index,
    month_key,
    number_customers,
    output_months,
    sum_fields,
    summed_windows,
)

# (column, scale or None for a count) of the summed monthly meter facts
SUMMED = [
    ("ami_kwh", 4),
    ("n_reads", None),
    ("ami_kw_sum", 4),
    ("ami_peak_kwh", 4),
    ("ami_night_kwh", 4),
    ("ami_offpeak_kwh", 4),
    ("ami_weekday_kwh", 4),
    ("ami_weekdays", None),
    ("ami_weekend_kwh", 4),
    ("ami_weekend_days", None),
]
# the monthly peak demand, whose 12-month maximum is kept
MAXIMUM = ("ami_max_kw", 4)


def output_schema():
    """The keys, then the 12-month sums (DECIMAL(18, s) of the monthly fact's scale, counts as
    INTEGER), then the 12-month maximum of the monthly peak demand."""
    fields = [
        ("customer_id", pa.string()),
        ("as_of_month", pa.string()),
        ("customer_hash", pa.uint64()),
        *sum_fields(SUMMED),
        (MAXIMUM[0], pa.decimal64(18, MAXIMUM[1])),
    ]
    return pa.schema(fields)


def window_columns(facts, shape, offsets):
    """{name: (values, valid)} of one bucket's meter aggregates, each (output months x customers),
    and where any of them is valid."""
    out = summed_windows(facts, SUMMED, shape, offsets)
    out[MAXIMUM[0]] = maximum_window(facts, MAXIMUM[0], shape, offsets)
    any_valid = np.zeros((len(offsets), shape[1]), dtype=bool)
    for _, valid in out.values():
        any_valid |= valid
    return out, any_valid


def model(dbt, session):
    dbt.config(
        # the run's months replaced straight in the table (macros/window_incremental.sql)
        materialized="window_incremental",
        unique_key="as_of_month",
        on_schema_change="fail",
    )
    # dbt hands a Python model only the config keys its own code reads with dbt.config.get
    min_month, max_month = dbt.config.get("min_month"), dbt.config.get("max_month")
    bucket_customers = customers_per_bucket(dbt.config.get("bucket_customers"))
    # DuckDB's memory limit while the arrays are held, and the profile's limit after
    profile_memory = dbt.config.get("profile_duckdb_memory")
    duckdb_memory = dbt.config.get("duckdb_memory") or profile_memory
    billing = f"({dbt.ref('int_customer_months_billing').sql_query()})"
    meter = f"({dbt.ref('int_customer_months_meter').sql_query()})"
    schema = output_schema()
    nothing = pa.RecordBatchReader.from_batches(schema, iter(()))
    connection = session.cursor()

    # no meter reads in reach of the run's windows (the usual case): nothing to read or write
    earliest = month_key(month_index(min_month) - (WINDOW - 1))
    (in_reach,) = connection.execute(
        f"select count(*) from {meter} where month between ? and ?", (earliest, max_month)
    ).fetchall()[0]
    if not in_reach:
        return nothing
    months = output_months(connection, billing, meter, min_month, max_month)
    if not months:
        return nothing
    grid_first, n_grid, offsets = grid_offsets(months)
    customers_sql = (
        f"(select customer_id from {meter} where month between "
        f"'{month_key(grid_first)}' and '{months[-1]}')"
    )
    (n_customers,) = connection.execute(
        f"select count(distinct customer_id) from {customers_sql}"
    ).fetchall()[0]
    n_buckets = max(1, min(MAX_BUCKETS, -(-n_customers // bucket_customers)))

    def compute(bucket):
        """The batch of bucket `bucket` (None when none of its windows holds a meter read)."""
        lo, hi = hash_range(bucket, n_buckets)
        customers = number_customers(connection, "__meter_customers", customers_sql, lo, hi)
        if not len(customers["customer_id"]):
            return None
        facts = fetch_facts(
            connection, meter, "month", [*SUMMED, MAXIMUM], "__meter_customers", lo, hi,
            grid_first, months[-1],
        )  # fmt: skip
        n = len(customers["customer_id"])
        columns, any_valid = window_columns(facts, (n_grid, n), offsets)
        rows = np.flatnonzero(any_valid)
        if not len(rows):
            return None
        arrays = key_arrays(customers["customer_id"], customers["customer_hash"], months, rows)
        arrays += aggregate_arrays(list(schema)[3:], columns, rows)
        return pa.record_batch(arrays, schema=schema)

    return pa.RecordBatchReader.from_batches(
        schema,
        memory_limited_batches(connection, duckdb_memory, profile_memory, compute, n_buckets),
    )
