"""Trailing-window sums of the per-customer monthly facts, one row per active customer x
as_of_month, with the account attributes in force at the month end; the customer_features view
turns them into ratios.

customer_features needs 42 trailing aggregates of the account facts (the month and the 11 before it, the last 3
months, the same 3 months a year earlier) for every customer and month. As SQL window functions
they cost about 0.1 s per aggregate per 31,000 customers: most of a 1M-customer backfill. Here
each fact becomes a dense customer x month array, and a trailing sum is a difference of
cumulative sums along the month axis.

The arithmetic is exact, as the SQL was: decimals are summed as scaled 64-bit integers and
written back as DECIMAL(18, s), counts as INTEGER (WIDE_COUNTS as BIGINT); the sum of squared
kWh, which needs more than 64 bits, is summed in three 26-bit limbs and recombined into 128
bits. A window with no value is null, as SQL's sum over only nulls is. The same input gives the
same output, bit for bit.

The smart-meter sums are int_customer_trailing_12m_meter's, with rows only where a window
holds meter reads: as 11 null columns here they cost a 1M x 36 backfill without meters about
13 s (this model rebuilt alone: 98.9 s with them, 78.5 s without).
The arithmetic is in python/trailing_windows.py, shared by both models.

Customers are processed one hash range at a time (the facts are stored in customer_hash order,
so each range reads only its own row groups); rows are streamed to dbt as Arrow batches. A
customer x month is kept when the account version in force at the month end (the first version,
for a customer first extracted later) was connected by then and not yet disconnected.
"""

import numpy as np
import pyarrow as pa
from trailing_windows import (
    MAX_BUCKETS,
    WINDOW,
    aggregate_arrays,
    check_range,
    combine_limbs,
    customers_per_bucket,
    dense,
    fetch_facts,
    grid_offsets,
    hash_range,
    key_arrays,
    memory_limited_batches,
    month_index,
    month_key,
    number_customers,
    output_months,
    squares_limbs,
    sum_fields,
    summed_windows,
    window_max,
    window_sums,
)

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
}

# Monthly facts read besides the summed ones: kWh (many windows), the maxima, and arrears.
EXTRA = {
    "billing": [("kwh", 3), ("max_demand_kw", None)],
    "payments": [("arrears_over_60d", 2)],
}


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
        ("months_since_last_bill", pa.int32()),
        ("kwh_max", kwh),
        ("kwh_winter", kwh),
        ("kwh_summer", kwh),
        ("winter_months_billed", pa.int32()),
        ("summer_months_billed", pa.int32()),
        ("net_export_months", pa.int32()),
        ("max_demand_kw", pa.float64()),
        ("kwh_last_3m", kwh),
        ("kwh_last_3m_year_ago", kwh),
        ("arrears_over_60d", pa.decimal64(18, 2)),
    ]
    for _, columns in SUMMED.values():
        fields += sum_fields(columns)
    return pa.schema(fields)


# ---------------------------------------------------------------- one bucket


def season_months(setting, default):
    """The months of a season from the model's config: "12,1,2" (the dbt var `season_months`,
    rendered by the model's yml config) or unset (`default`)."""
    if setting in (None, ""):
        return tuple(default)
    months = tuple(int(m) for m in str(setting).split(","))
    if not months or any(m < 1 or m > 12 for m in months):
        raise ValueError(f"season months must be 1..12, got {setting!r}")
    return months


def months_since_last_bill(billed, offsets):
    """(values, valid), each (output months x customers): months from the latest billed month
    up to each output month (0: billed in it), null when the 12-month window holds no bill."""
    grid_month = np.arange(billed.shape[0])[:, None]
    last = np.maximum.accumulate(np.where(billed, grid_month, -WINDOW - 1), axis=0)[offsets]
    since = offsets[:, None] - last
    return since, since < WINDOW


def window_columns(facts, shape, month_of_year, offsets, winter=(12, 1, 2), summer=(6, 7, 8)):
    """The trailing aggregates of one bucket: {name: (values, valid)}, each (output months x
    customers); `facts` are the fetched rows per source, months indexed on the grid; `winter`
    and `summer` the months of year of the two seasonal shares."""
    out = {}
    (kwh,), billed = dense(facts["billing"], ["kwh"], shape)
    billed = billed.reshape(shape)
    check_range("kwh", kwh)
    a2, ab2, b2 = squares_limbs(kwh)
    summer = billed & np.isin(month_of_year, summer)[:, None]
    winter = billed & np.isin(month_of_year, winter)[:, None]
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
                winter.astype(np.int64),
                summer.astype(np.int64),
            ]
        ),
        np.stack(
            [billed, billed, winter, summer, billed, billed, billed, billed, billed, billed, billed]
        ),
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
    # the billed months of each season in the window: the mart's season ratios divide by them,
    # so that a window of 6 months holding 2 winter months is not "winter-peaking"
    out["winter_months_billed"] = (sums[9], None)
    out["summer_months_billed"] = (sums[10], None)
    out["months_since_last_bill"] = months_since_last_bill(billed, offsets)
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
        out.update(summed_windows(facts[source], columns, shape, offsets))
    return out


def bucket_batch(schema, customers, hashes, month_keys, columns, rows, attributes):
    """One Arrow batch: the active customer x output months of the bucket. `rows` are their
    positions, ascending, in the month-major grid (month index * customers + customer index)
    that the aggregate arrays (months x customers) flatten to; `attributes` is an Arrow table
    of their attributes, in the same order."""
    arrays = key_arrays(customers, hashes, month_keys, rows)
    arrays += [attributes.column(name).combine_chunks() for name, _ in ATTRIBUTES]
    arrays += aggregate_arrays(list(schema)[3 + len(ATTRIBUTES) :], columns, rows)
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
    # the dbt var season_months (dbt_project.yml), which ml/ reads too: one home for the setting
    winter = season_months(dbt.config.get("winter_months"), (12, 1, 2))
    summer = season_months(dbt.config.get("summer_months"), (6, 7, 8))
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

    months = output_months(connection, tables["billing"], tables["meter"], min_month, max_month)
    if not months:
        return pa.RecordBatchReader.from_batches(schema, iter(()))
    (n_customers,) = connection.execute(
        f"select count(distinct customer_id) from {tables['versions']}"
    ).fetchall()[0]
    n_buckets = max(1, min(MAX_BUCKETS, -(-n_customers // bucket_customers)))
    grid_first, n_grid, offsets = grid_offsets(months)
    month_of_year = np.arange(grid_first, grid_first + n_grid) % 12 + 1
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
        lo, hi = hash_range(bucket, n_buckets)
        customers = number_customers(connection, "__trailing_customers", tables["versions"], lo, hi)
        if not len(customers["customer_id"]):
            return None
        facts = {
            source: fetch_facts(
                connection,
                tables[source],
                month_column,
                list(columns) + EXTRA.get(source, []),
                "__trailing_customers",
                lo,
                hi,
                grid_first,
                months[-1],
            )  # fmt: skip
            for source, (month_column, columns) in SUMMED.items()
        }
        n = len(customers["customer_id"])
        rows, attributes = active_rows(lo, hi, n)
        if not len(rows):
            return None
        columns = window_columns(facts, (n_grid, n), month_of_year, offsets, winter, summer)
        return bucket_batch(
            schema, customers["customer_id"], customers["customer_hash"], months, columns,
            rows, attributes,
        )  # fmt: skip

    return pa.RecordBatchReader.from_batches(
        schema,
        memory_limited_batches(connection, duckdb_memory, profile_memory, compute, n_buckets),
    )
