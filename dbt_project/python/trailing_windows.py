"""The trailing-window arithmetic of the dbt Python models int_customer_trailing_12m (the account
sums) and int_customer_trailing_12m_meter (the smart-meter sums): a monthly fact becomes a dense
customer x month array, and a trailing sum is a difference of cumulative sums along the month
axis. Exact: decimals are summed as scaled 64-bit integers; a window with no value is null, as
SQL's sum over only nulls is. Customers are processed one hash range (bucket) at a time.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numpy_models import arrow_array, pipelined

# 12-month windows: the month and the 11 before; `last_3m`: the month and the 2 before;
# `year_ago`: months 14..12 before. A grid starts YEAR_AGO_START months before the first output.
WINDOW = 12
YEAR_AGO_START = 14
# Monthly values beyond this magnitude (scaled) would not sum exactly in 64 bits over 50 months.
MAX_ABS_SCALED = 2**52
# 15,625 customers per bucket keep the NumPy arrays of two buckets (one computed while the
# other is written) under 1 GB: with 31,250 the dbt process peaked at 7.8 GB, with this 6.9 GB.
# The dbt config `bucket_customers` (var `trailing_bucket_customers`) sets another size.
BUCKET_CUSTOMERS = 15_625
MAX_BUCKETS = 64

# Sums of counts that are written as INTEGER (32 bits: DuckDB writes them 25% faster than
# BIGINT); a window whose sum does not fit fails the model (check_int32). Resolution seconds
# add up past 2**31 in a year for a busy account: BIGINT.
WIDE_COUNTS = {"resolution_seconds_12m"}


def count_type(name):
    return pa.int64() if name in WIDE_COUNTS else pa.int32()


def sum_fields(columns):
    """The Arrow fields of the 12-month sums of (column, scale or None for a count): a decimal
    sum keeps its monthly fact's scale in DECIMAL(18, s), stored in 64 bits (decimal64)."""
    return [
        (f"{column}_12m", count_type(f"{column}_12m") if scale is None else pa.decimal64(18, scale))
        for column, scale in columns
    ]


# ---------------------------------------------------------------- array arithmetic (pure numpy)


def running_sum(values, dtype):
    """Cumulative sums over the months axis (second-last), with a leading zero month. A loop of
    whole-row additions: 3x faster than np.cumsum along a middle axis."""
    shape = values.shape[:-2] + (values.shape[-2] + 1, values.shape[-1])
    out = np.zeros(shape, dtype=dtype)
    for month in range(values.shape[-2]):
        np.add(out[..., month, :], values[..., month, :], out=out[..., month + 1, :])
    return out


def window_sums(values, present, offsets, width, end_lag=0):
    """Sums over months [m - end_lag - width + 1, m - end_lag], for every month m in `offsets`,
    of integer `values` laid out (... x months x customers) and zero where not `present` (which
    may be one array for all leading rows); months before the first count as zero. Returns
    (sums, valid), valid where the window holds at least one present value; the sums have the
    values' type, which must hold the sum of all months. Months are the second-last axis, so a
    cumulative sum adds whole rows."""
    if not present.any():
        # a source without rows in the bucket (no smart meters, say): every window is empty
        shape = values.shape[:-2] + (len(offsets), values.shape[-1])
        valid = np.zeros(present.shape[:-2] + shape[-2:], dtype=bool)
        return np.zeros(shape, dtype=values.dtype), np.broadcast_to(valid, shape)
    cumulative = running_sum(values, values.dtype)
    counts = running_sum(present, np.int16)  # months present, up to 32,767
    high = np.clip(np.asarray(offsets) + 1 - end_lag, 0, None)
    low = np.clip(high - width, 0, None)
    sums = np.empty(values.shape[:-2] + (len(high), values.shape[-1]), dtype=values.dtype)
    valid = np.empty(present.shape[:-2] + (len(high), values.shape[-1]), dtype=bool)
    for i, (h, lo) in enumerate(
        zip(high, low, strict=True)
    ):  # whole-row operations, as in running_sum
        np.subtract(cumulative[..., h, :], cumulative[..., lo, :], out=sums[..., i, :])
        np.greater(counts[..., h, :], counts[..., lo, :], out=valid[..., i, :])
    return sums, np.broadcast_to(valid, sums.shape)


def window_max(values, present, offsets, width):
    """Maximum of the present values (months x customers) over the `width` months ending at each
    month in `offsets` (0 where none: the caller's validity says so)."""
    filler = np.finfo(values.dtype).min if values.dtype.kind == "f" else np.iinfo(values.dtype).min
    masked = np.where(present, values, filler)
    offsets = np.asarray(offsets)
    out = masked[offsets]
    for lag in range(1, width):
        np.maximum(out, masked[np.clip(offsets - lag, 0, None)], out=out)
    out[out == filler] = 0
    return out


def squares_limbs(values):
    """x = a * 2**26 + b (0 <= b < 2**26): x**2 = a**2 * 2**52 + 2ab * 2**26 + b**2, each part
    small enough (|x| < 2**52) to sum over 50 months in int64."""
    high = values >> 26
    low = values & (2**26 - 1)
    return high * high, 2 * high * low, low * low


def combine_limbs(a2, ab2, b2):
    """(high int64, low uint64) words of the 128-bit integer a2 * 2**52 + ab2 * 2**26 + b2."""
    low_a = a2.astype(np.uint64) << np.uint64(52)
    low_b = ab2.astype(np.uint64) << np.uint64(26)
    low = low_a + low_b
    carry = (low < low_a).astype(np.int64)
    low2 = low + b2.astype(np.uint64)
    carry += (low2 < low).astype(np.int64)
    return (a2 >> 12) + (ab2 >> 38) + carry, low2


def check_int32(name, values):
    if (
        values.dtype.itemsize > 4
        and values.size
        and (values.max() > np.iinfo(np.int32).max or values.min() < np.iinfo(np.int32).min)
    ):
        raise ValueError(
            f"trailing sums: a trailing {name} is beyond the 32-bit INTEGER it is stored as: "
            "check int_customer_months_* for that column"
        )


def max_abs(values):
    """The largest magnitude among fetched values (masked ones ignored), 0 when there is none."""
    if np.ma.isMaskedArray(values):
        values = values.compressed()
    return int(np.abs(values).max()) if values.size else 0


def check_range(name, values):
    """The largest magnitude of a monthly fact's values (max_abs), which must stay below
    MAX_ABS_SCALED to be summed exactly."""
    largest = max_abs(values)
    if largest >= MAX_ABS_SCALED:
        raise ValueError(
            f"trailing sums: a monthly {name} value is too large to sum exactly "
            f"(|value * 10**scale| >= 2**52): check int_customer_months_* for that column"
        )
    return largest


# ---------------------------------------------------------------- one bucket


def dense(rows, columns, shape, dtype=np.int64):
    """(values, present) arrays (columns x months x customers) from fetched sparse rows (mi, ci);
    values are zero where not present. When no column has a null, `present` is the one
    (months x customers) array of the rows that exist."""
    values = np.zeros((len(columns),) + shape, dtype=dtype)
    masks = [
        np.ma.getmaskarray(rows[column]) if np.ma.isMaskedArray(rows[column]) else None
        for column in columns
    ]
    # positions in the flattened (months x customers) grid: one index, put column by column
    flat = np.ma.getdata(rows["mi"]).astype(np.int64) * shape[1] + np.ma.getdata(rows["ci"])
    rows_present = np.zeros(shape, dtype=bool)
    rows_present.reshape(-1)[flat] = True
    shared = all(mask is None or not mask.any() for mask in masks)
    present = rows_present if shared else np.zeros((len(columns),) + shape, dtype=bool)
    for j, (column, mask) in enumerate(zip(columns, masks, strict=True)):
        data = np.ma.getdata(rows[column])
        target = values[j].reshape(-1)
        if mask is not None and mask.any():
            ok = ~mask
            target[flat[ok]] = data[ok]
            present[j].reshape(-1)[flat[ok]] = True
        else:
            target[flat] = data
            if not shared:
                present[j] = rows_present
    return values, present


def summed_windows(rows, columns, shape, offsets):
    """{column_12m: (sums, valid)} of the 12-month sums of fetched monthly facts `rows`, each
    (output months x customers). Columns whose sums over the whole grid fit in 32 bits are
    summed in 32 bits: half the memory traffic, the same exact sums."""
    out = {}
    largest = {column: check_range(column, rows[column]) for column, _ in columns}
    narrow = [c for c, _ in columns if largest[c] * shape[0] < 2**31]
    for names, dtype in (
        (narrow, np.int32),
        ([c for c, _ in columns if c not in narrow], np.int64),
    ):
        if not names:
            continue
        values, present = dense(rows, names, shape, dtype)
        sums, valid = window_sums(values, present, offsets, WINDOW)
        for j, name in enumerate(names):
            out[f"{name}_12m"] = (sums[j], valid[j])
    return out


def maximum_window(rows, column, shape, offsets):
    """(maxima, valid) of a monthly fact's 12-month maximum, each (output months x customers)."""
    (values,), present = dense(rows, [column], shape)
    present = present.reshape(shape)
    check_range(column, values)
    return (
        window_max(values, present, offsets, WINDOW),
        window_sums(present.astype(np.int64), present, offsets, WINDOW)[1],
    )


def aggregate_arrays(fields, columns, rows):
    """The Arrow arrays of `fields` (the aggregates {name: (values, valid)} of `columns`, each
    months x customers, valid None for never null) at the flat grid positions `rows`."""
    arrays = []
    for field in fields:
        values, valid = columns[field.name]
        if pa.types.is_int32(field.type):
            check_int32(field.name, values)
        flat = (
            tuple(part.reshape(-1)[rows] for part in values)
            if isinstance(values, tuple)
            else values.reshape(-1)[rows]
        )
        arrays.append(
            arrow_array(field.type, flat, None if valid is None else valid.reshape(-1)[rows])
        )
    return arrays


def key_arrays(customers, hashes, month_keys, rows):
    """The customer_id, as_of_month and customer_hash Arrow arrays at the flat grid positions
    `rows` (month index * customers + customer index) of a bucket's customers."""
    n_customers = len(customers)
    customer_rows = rows % n_customers
    return [
        pa.array(customers, pa.string()).take(customer_rows),
        pa.array(month_keys, pa.string()).take(rows // n_customers),
        pa.array(hashes, pa.uint64()).take(customer_rows),
    ]


# ---------------------------------------------------------------- buckets in DuckDB


def hash_range(bucket, n_buckets):
    """The customer_hash range (inclusive) of bucket `bucket` out of `n_buckets`."""
    return bucket * 2**64 // n_buckets, (bucket + 1) * 2**64 // n_buckets - 1


def number_customers(connection, table, customers_sql, lo, hi):
    """Temp table `table` (customer_id, customer_hash, ci) of the distinct customer_id of
    `customers_sql` whose hash is in [lo, hi], numbered 0.. in customer_id order; returns their
    customer_id and customer_hash NumPy arrays in that order."""
    connection.execute(
        f"create or replace temp table {table} as "
        "select customer_id, hash(customer_id) as customer_hash, "
        "cast(row_number() over (order by customer_id) - 1 as integer) as ci "
        f"from (select distinct customer_id from {customers_sql} "
        f"where hash(customer_id) between {lo}::ubigint and {hi}::ubigint)"
    )
    return connection.execute(
        f"select customer_id, customer_hash from {table} order by ci"
    ).fetchnumpy()


def fetch_facts(connection, facts_sql, month_column, wanted, customers, lo, hi, grid_first, high):
    """The monthly facts of the bucket's customers (temp table `customers`, number_customers) in
    the grid's months up to `high`: NumPy columns ci, mi (the month's grid index) and `wanted`
    [(column, scale)] as scaled 64-bit integers (see scaled)."""
    select = ", ".join(f"{scaled(c, s)} as {c}" for c, s in wanted)
    return connection.execute(
        f"select c.ci, cast(cast(substr(f.{month_column}, 1, 4) as integer) * 12"
        f" + cast(substr(f.{month_column}, 6, 2) as integer) - 1 - {grid_first} as integer)"
        f" as mi, {select} from {facts_sql} as f"
        f" inner join {customers} as c using (customer_id)"
        f" where f.customer_hash between {lo}::ubigint and {hi}::ubigint"
        f" and f.{month_column} between '{month_key(grid_first)}' and '{high}'"
    ).fetchnumpy()


def memory_limited_batches(connection, duckdb_memory, profile_memory, compute, n_buckets):
    """The batches of compute(0..n_buckets - 1), the next bucket computed while DuckDB writes
    the last one (numpy_models.pipelined), with DuckDB held to `duckdb_memory` meanwhile.

    DuckDB's buffers and the arrays share the budget. With the profile's whole limit, the output
    DuckDB buffers took the dbt process past 8 GB at 1M customers. dbt-duckdb sets the profile's
    settings again on the cursor that writes the rows: so the lower limit is set here, when that
    cursor asks for the first batch, and the profile's limit is restored after."""
    connection.execute(f"set memory_limit = '{duckdb_memory}'")
    try:
        yield from pipelined(compute, n_buckets)
    finally:
        connection.execute(f"set memory_limit = '{profile_memory}'")


# ---------------------------------------------------------------- months and settings


def output_months(connection, billing_sql, meter_sql, min_month, max_month):
    """The as_of_months of a run, in order: the months in [min_month, max_month] with billing or
    meter facts."""
    return [
        m
        for (m,) in connection.execute(
            f"select distinct billing_month from {billing_sql} where billing_month between ? and ?"
            f" union select distinct month from {meter_sql} where month between ? and ? order by 1",
            (min_month, max_month, min_month, max_month),
        ).fetchall()
    ]


def grid_offsets(months):
    """(grid_first, n_grid, offsets): the month index the grid starts at (YEAR_AGO_START months
    before the first output month), its number of months, and each output month's grid index."""
    grid_first = month_index(months[0]) - YEAR_AGO_START
    n_grid = month_index(months[-1]) - grid_first + 1
    return grid_first, n_grid, np.array([month_index(m) - grid_first for m in months])


def month_index(key):
    return int(key[:4]) * 12 + int(key[5:7]) - 1


def month_key(index):
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def scaled(column, scale):
    if column == "max_demand_kw":
        return column
    if scale is None:
        return f"cast({column} as bigint)"
    return f"cast({column} * {10**scale} as bigint)"


def customers_per_bucket(setting):
    """The bucket size the dbt var `trailing_bucket_customers` sets (unset: BUCKET_CUSTOMERS)."""
    if setting in (None, ""):
        return BUCKET_CUSTOMERS
    try:
        value = int(setting)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(value) != str(setting).strip():
        raise ValueError(
            "trailing sums: dbt var trailing_bucket_customers must be a whole number of"
            f" customers, 1 or more; got {setting!r}"
        )
    return value
