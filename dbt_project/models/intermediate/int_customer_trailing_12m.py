"""Trailing-window sums of the per-customer monthly facts, one row per active customer x
as_of_month, with the account attributes in force at the month end; the customer_features view
turns them into ratios.

customer_features needs 55 trailing aggregates (the month and the 11 before it, the last 3
months, the same 3 months a year earlier) for every customer and month. As SQL window functions
they cost about 0.1 s per aggregate per 31,000 customers: most of a 1M-customer backfill. Here
each fact becomes a dense customer x month array, and a trailing sum is a difference of
cumulative sums along the month axis.

The arithmetic is exact, as the SQL was: decimals are summed as scaled 64-bit integers and
written back as DECIMAL(18, s), counts as INTEGER (WIDE_COUNTS as BIGINT); the sum of squared
kWh, which needs more than 64 bits, is summed in three 26-bit limbs and recombined into 128
bits. A window with no value is null, as SQL's sum over only nulls is. The same input gives the
same output, bit for bit.

Customers are processed one hash range at a time (the facts are stored in customer_hash order,
so each range reads only its own row groups); rows are streamed to dbt as Arrow batches. A
customer x month is kept when the account version in force at the month end (the first version,
for a customer first extracted later) was connected by then and not yet disconnected.
"""

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

# The account attributes of the version in force at the month end, with their Arrow types.
ATTRIBUTES = [
    ("customer_class", pa.string()),
    ("region", pa.string()),
    ("tariff_code", pa.string()),
    ("voltage_level", pa.string()),
    ("payment_method", pa.string()),
    ("has_solar", pa.bool_()),
    ("budget_billing", pa.bool_()),
    ("paperless", pa.bool_()),
    ("contracted_capacity_kva", pa.float64()),
    ("connected_on", pa.date32()),
]

# (source, month column, [(column, scale or None for an integer/double)]) of the summed facts.
SUMMED = {
    "billing": (
        "billing_month",
        [
            ("kwh_peak", 3),
            ("kwh_offpeak", 3),
            ("kwh_tou_gross", 3),
            ("amount_billed", 2),
            ("n_bills", None),
            ("n_estimated_bills", None),
        ],
    ),
    "payments": (
        "month",
        [
            ("n_bills_due", None),
            ("n_due_on_time", None),
            ("n_settled", None),
            ("days_late_settled", None),
            ("n_payments", None),
            ("n_bounced_payments", None),
            ("n_cash_payments", None),
        ],
    ),
    "outages": (
        "month",
        [("n_interruptions", None), ("interruption_minutes", None), ("n_long_interruptions", None)],
    ),
    "work_orders": (
        "month",
        [
            ("n_contacts", None),
            ("n_contacts_call_center", None),
            ("n_contacts_ivr", None),
            ("n_contacts_digital", None),
            ("n_contacts_walk_in", None),
            ("n_complaints", None),
            ("n_billing_disputes", None),
            ("n_payment_arrangements", None),
            ("n_disconnections_nonpayment", None),
            ("n_field_orders", None),
            ("n_resolved", None),
            ("resolution_seconds", None),
            ("n_surveys", None),
            ("survey_score_sum", None),
        ],
    ),
    "meter": (
        "month",
        [
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
        ],
    ),
}

# Monthly facts read besides the summed ones: kWh (many windows), the maxima, and arrears.
EXTRA = {
    "billing": [("kwh", 3), ("max_demand_kw", None)],
    "payments": [("arrears_over_60d", 2)],
    "meter": [("ami_max_kw", 4)],
}


# Sums of counts that are written as INTEGER (32 bits: DuckDB writes them 25% faster than
# BIGINT); a window whose sum does not fit fails the model (check_int32). Resolution seconds
# add up past 2**31 in a year for a busy account: BIGINT.
WIDE_COUNTS = {"resolution_seconds_12m"}


def count_type(name):
    return pa.int64() if name in WIDE_COUNTS else pa.int32()


def output_schema():
    """The columns, in order: the keys, the attributes, the aggregates. Sums keep the scale of
    their monthly fact in DECIMAL(18, s), which holds any sum of 12 values below 2**52
    (check_range) and is stored in 64 bits (handed over as Arrow decimal64: 3-5% faster than
    decimal128 at 1M customers, model and write); the sum of squared kWh needs DECIMAL(38, 6)."""
    kwh = pa.decimal64(18, 3)
    fields = [
        ("customer_id", pa.string()),
        ("as_of_month", pa.string()),
        ("customer_hash", pa.uint64()),
        *ATTRIBUTES,
        ("kwh_12m", kwh),
        ("kwh_squares_12m", pa.decimal128(38, 6)),
        ("kwh_abs_12m", kwh),
        ("months_billed", pa.int32()),
        ("kwh_max", kwh),
        ("kwh_winter", kwh),
        ("kwh_summer", kwh),
        ("net_export_months", pa.int32()),
        ("max_demand_kw", pa.float64()),
        ("kwh_last_3m", kwh),
        ("kwh_last_3m_year_ago", kwh),
        ("arrears_over_60d", pa.decimal64(18, 2)),
    ]
    for _, columns in SUMMED.values():
        fields += [
            (
                f"{column}_12m",
                count_type(f"{column}_12m") if scale is None else pa.decimal64(18, scale),
            )
            for column, scale in columns
        ]
    fields.append(("ami_max_kw", pa.decimal64(18, 4)))
    return pa.schema(fields)


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
            f"int_customer_trailing_12m: a trailing {name} is beyond the 32-bit INTEGER it is "
            "stored as: check int_customer_months_* for that column"
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
            f"int_customer_trailing_12m: a monthly {name} value is too large to sum exactly "
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


def window_columns(facts, shape, month_of_year, offsets):
    """The trailing aggregates of one bucket: {name: (values, valid)}, each (output months x
    customers); `facts` are the fetched rows per source, months indexed on the grid."""
    out = {}
    (kwh,), billed = dense(facts["billing"], ["kwh"], shape)
    billed = billed.reshape(shape)
    check_range("kwh", kwh)
    a2, ab2, b2 = squares_limbs(kwh)
    winter = billed & np.isin(month_of_year, (12, 1, 2))[:, None]
    summer = billed & np.isin(month_of_year, (6, 7, 8))[:, None]
    sums, valid = window_sums(
        np.stack(
            [
                kwh,
                np.abs(kwh),
                np.where(winter, kwh, 0),
                np.where(summer, kwh, 0),
                a2,
                ab2,
                b2,
                (kwh < 0).astype(np.int64),
                billed.astype(np.int64),
            ]
        ),
        np.stack([billed, billed, winter, summer, billed, billed, billed, billed, billed]),
        offsets,
        WINDOW,
    )
    out["kwh_12m"] = (sums[0], valid[0])
    out["kwh_abs_12m"] = (sums[1], valid[0])
    out["kwh_winter"] = (sums[2], valid[2])
    out["kwh_summer"] = (sums[3], valid[3])
    out["kwh_squares_12m"] = (combine_limbs(sums[4], sums[5], sums[6]), valid[0])
    out["net_export_months"] = (sums[7], None)
    out["months_billed"] = (sums[8], None)
    out["kwh_max"] = (window_max(kwh, billed, offsets, WINDOW), valid[0])
    out["kwh_last_3m"] = window_sums(kwh, billed, offsets, 3)
    out["kwh_last_3m_year_ago"] = window_sums(kwh, billed, offsets, 3, end_lag=12)
    (demand,), demand_ok = dense(facts["billing"], ["max_demand_kw"], shape, np.float64)
    demand_ok = demand_ok.reshape(shape)
    out["max_demand_kw"] = (
        window_max(demand, demand_ok, offsets, WINDOW),
        window_sums(demand_ok.astype(np.int64), demand_ok, offsets, WINDOW)[1],
    )
    (arrears,), arrears_ok = dense(facts["payments"], ["arrears_over_60d"], shape)
    check_range("arrears_over_60d", arrears)
    arrears_ok = arrears_ok.reshape(shape)
    out["arrears_over_60d"] = (arrears[offsets], arrears_ok[offsets])
    for source, (_, columns) in SUMMED.items():
        rows = facts[source]
        largest = {column: check_range(column, rows[column]) for column, _ in columns}
        # columns whose sums over the whole grid fit in 32 bits are summed in 32 bits: half the
        # memory traffic, the same exact sums
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
    (ami_max,), ami_ok = dense(facts["meter"], ["ami_max_kw"], shape)
    ami_ok = ami_ok.reshape(shape)
    check_range("ami_max_kw", ami_max)
    out["ami_max_kw"] = (
        window_max(ami_max, ami_ok, offsets, WINDOW),
        window_sums(ami_ok.astype(np.int64), ami_ok, offsets, WINDOW)[1],
    )
    return out


def bucket_batch(schema, customers, hashes, month_keys, columns, rows, attributes):
    """One Arrow batch: the active customer x output months of the bucket. `rows` are their
    positions, ascending, in the month-major grid (month index * customers + customer index)
    that the aggregate arrays (months x customers) flatten to; `attributes` is an Arrow table
    of their attributes, in the same order."""
    n_customers = len(customers)
    customer_rows = rows % n_customers
    arrays = [
        pa.array(customers, pa.string()).take(customer_rows),
        pa.array(month_keys, pa.string()).take(rows // n_customers),
        pa.array(hashes, pa.uint64()).take(customer_rows),
    ]
    arrays += [attributes.column(name).combine_chunks() for name, _ in ATTRIBUTES]
    for field in list(schema)[3 + len(ATTRIBUTES) :]:
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
    return pa.record_batch(arrays, schema=schema)


# ---------------------------------------------------------------- account versions


def versions_in_force(version_customer, version_updated, n_customers, cutoffs):
    """(cutoffs x customers) indexes of the account version in force at each cutoff: the last
    one updated before it, or the customer's first for a customer first extracted later. The
    versions are sorted by customer (0..n_customers - 1, each with one at least), then by their
    update time; times and cutoffs are comparable integers."""
    first = np.searchsorted(version_customer, np.arange(n_customers))
    in_force = np.empty((len(cutoffs), n_customers), dtype=np.int64)
    for m, cutoff in enumerate(cutoffs):
        # a customer's versions updated before the cutoff are the first ones of its run
        updated = np.bincount(version_customer[version_updated < cutoff], minlength=n_customers)
        in_force[m] = first + np.maximum(updated, 1) - 1
    return in_force


def day_numbers(dates):
    """(days since 1970-01-01, known) NumPy arrays of an Arrow date32 column."""
    known = dates.is_valid().to_numpy(zero_copy_only=False)
    days = dates.cast(pa.int32()).fill_null(0).to_numpy()
    return days, known


# ---------------------------------------------------------------- the model


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
            "int_customer_trailing_12m: dbt var trailing_bucket_customers must be a whole number"
            f" of customers, 1 or more; got {setting!r}"
        )
    return value


def model(dbt, session):
    dbt.config(
        # the run's months replaced straight in the table (macros/window_incremental.sql)
        materialized="window_incremental",
        unique_key="as_of_month",
        on_schema_change="fail",
    )
    min_month, max_month = dbt.config.get("min_month"), dbt.config.get("max_month")
    bucket_customers = customers_per_bucket(dbt.config.get("bucket_customers"))
    # DuckDB's memory limit while the arrays are held, and the profile's limit after
    profile_memory = dbt.config.get("profile_duckdb_memory")
    duckdb_memory = dbt.config.get("duckdb_memory") or profile_memory
    relations = {
        "versions": dbt.ref("stg_cis__customer_versions"),
        "billing": dbt.ref("int_customer_months_billing"),
        "payments": dbt.ref("int_customer_months_payments"),
        "outages": dbt.ref("int_customer_months_outages"),
        "work_orders": dbt.ref("int_customer_months_work_orders"),
        "meter": dbt.ref("int_customer_months_meter"),
    }
    tables = {name: f"({rel.sql_query()})" for name, rel in relations.items()}
    schema = output_schema()
    connection = session.cursor()

    def fetch(sql, params=()):
        return connection.execute(sql, params).fetchall()

    months = [
        m
        for (m,) in fetch(
            f"select distinct billing_month from {tables['billing']} where billing_month between ? and ?"
            f" union select distinct month from {tables['meter']} where month between ? and ? order by 1",
            (min_month, max_month, min_month, max_month),
        )
    ]
    (n_customers,) = fetch(f"select count(distinct customer_id) from {tables['versions']}")[0]
    n_buckets = max(1, min(MAX_BUCKETS, -(-n_customers // bucket_customers)))

    if not months:
        return pa.RecordBatchReader.from_batches(schema, iter(()))
    first, last = month_index(months[0]), month_index(months[-1])
    grid_first = first - YEAR_AGO_START
    n_grid = last - grid_first + 1
    month_of_year = np.arange(grid_first, last + 1) % 12 + 1
    offsets = np.array([month_index(m) - grid_first for m in months])
    low, high = month_key(grid_first), months[-1]
    # a version is in force at a month end when updated before the next month's first instant
    month_firsts = [np.datetime64(month_key(month_index(m) + 1), "D") for m in months]
    cutoffs = np.array(month_firsts, dtype="datetime64[us]").astype(np.int64)
    month_ends = (np.array(month_firsts, dtype="datetime64[D]").astype(np.int64) - 1)[:, None]
    attribute_names = [name for name, _ in ATTRIBUTES]
    attribute_schema = pa.schema(ATTRIBUTES)

    def active_rows(lo, hi, n):
        """The bucket's active customer x months, as their flat grid position `row` (ascending),
        and the attributes of the version in force at each month end (versions_in_force)."""
        versions = connection.sql(
            f"select c.ci, epoch_us(v.updated_at) as updated_us, v.disconnected_on,"
            f" {', '.join(f'v.{c}' for c in attribute_names)} from {tables['versions']} as v"
            " inner join __trailing_customers as c on c.customer_id = v.customer_id"
            f" where hash(v.customer_id) between {lo}::ubigint and {hi}::ubigint"
            " order by c.ci, v.updated_at"
        ).to_arrow_table()
        in_force = versions_in_force(
            versions.column("ci").to_numpy(), versions.column("updated_us").to_numpy(), n, cutoffs
        )
        connected, connected_known = day_numbers(versions.column("connected_on"))
        disconnected, disconnected_known = day_numbers(versions.column("disconnected_on"))
        active = (
            connected_known[in_force]
            & (connected[in_force] <= month_ends)
            & (~disconnected_known[in_force] | (disconnected[in_force] > month_ends))
        )
        rows = np.flatnonzero(active)
        attributes = versions.select(attribute_names).cast(attribute_schema)
        return rows, attributes.take(in_force.reshape(-1)[rows])

    def compute(bucket):
        """The batch of bucket `bucket` (None when it has no active customer)."""
        lo, hi = bucket * 2**64 // n_buckets, (bucket + 1) * 2**64 // n_buckets - 1
        connection.execute(
            "create or replace temp table __trailing_customers as "
            "select customer_id, hash(customer_id) as customer_hash, "
            "cast(row_number() over (order by customer_id) - 1 as integer) as ci "
            f"from (select distinct customer_id from {tables['versions']} "
            f"where hash(customer_id) between {lo}::ubigint and {hi}::ubigint)"
        )
        customers = connection.execute(
            "select customer_id, customer_hash from __trailing_customers order by ci"
        ).fetchnumpy()
        if not len(customers["customer_id"]):
            return None
        facts = {}
        for source, (month_column, columns) in SUMMED.items():
            wanted = list(columns) + EXTRA.get(source, [])
            select = ", ".join(f"{scaled(c, s)} as {c}" for c, s in wanted)
            facts[source] = connection.execute(
                f"select c.ci, cast(cast(substr(f.{month_column}, 1, 4) as integer) * 12"
                f" + cast(substr(f.{month_column}, 6, 2) as integer) - 1 - {grid_first} as integer)"
                f" as mi, {select} from {tables[source]} as f"
                " inner join __trailing_customers as c using (customer_id)"
                f" where f.customer_hash between {lo}::ubigint and {hi}::ubigint"
                f" and f.{month_column} between '{low}' and '{high}'"
            ).fetchnumpy()
        n = len(customers["customer_id"])
        rows, attributes = active_rows(lo, hi, n)
        if not len(rows):
            return None
        columns = window_columns(facts, (n_grid, n), month_of_year, offsets)
        return bucket_batch(
            schema, customers["customer_id"], customers["customer_hash"], months, columns,
            rows, attributes,
        )  # fmt: skip

    def batches():
        # DuckDB's buffers and the arrays share the budget. With the profile's whole limit, the
        # output DuckDB buffers took the dbt process past 8 GB at 1M customers. dbt-duckdb sets
        # the profile's settings again on the cursor that writes the rows: so the lower limit is
        # set here, when that cursor asks for the first batch.
        connection.execute(f"set memory_limit = '{duckdb_memory}'")
        try:
            # the next bucket is computed while DuckDB writes this one
            yield from pipelined(compute, n_buckets)
        finally:
            connection.execute(f"set memory_limit = '{profile_memory}'")

    return pa.RecordBatchReader.from_batches(schema, batches())
