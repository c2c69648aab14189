"""Payments facts, one row per customer x month: punctuality of the bills due that month, late
settlements, payment flows, and the receivables balance at month end with its arrears over 60
days.

Arrears over 60 days age the balance FIFO: what is still owed beyond the bills that fell due
this month or last month. A deployment without any payments extract (e.g. AMI-only data) gets
no rows here: its punctuality features are unknown (null), not "never paid".

The grid is every customer (with a bill or a payment) x every month that has a due bill, a
settlement or a payment; a month without activity carries the balance forward. The balance is a
running sum over all history, so every run reads all bills and payments up to `max_month` and
writes the months of its window.

As SQL this was a cross join, three joins back onto it and a window over 37 M customer-months
at 1M x 36: 140-160 s. Here DuckDB only numbers the bills and payments by customer and month
and sorts them by customer, into temporary tables (DuckDB holds them within its memory limit:
fetched into NumPy at once, 2 GB of rows took the dbt process over 8 GB at 1M). The monthly
sums, the grid, the running balance and the ageing are whole-array NumPy operations, one chunk
of customers at a time. The arithmetic is exact: money is summed as integer cents. The rows are
written in customer_hash order (customer-major), as the other monthly facts, so that
int_customer_trailing_12m's buckets read only their own row groups.
"""

import numpy as np
import pyarrow as pa
from numpy_models import arrow_array, pipelined

# Customers per chunk. Small enough that a chunk's arrays (tens of MB) reuse freed memory
# instead of fresh pages: with 125,000 customers, page faults made the arrays 2x slower.
CHUNK_CUSTOMERS = 31_250
# Cents beyond this magnitude could not be summed exactly in 64 bits.
MAX_ABS_CENTS = 2**52

# DuckDB's DECIMAL(18, 2), handed over as Arrow decimal64: its int64 cents as they are, not the
# 128-bit words of decimal128 (the model 35.7 -> 33.8 s at 1M x 36, the same rows)
MONEY = pa.decimal64(18, 2)
SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("month", pa.string()),
        ("n_bills_due", pa.int64()),
        ("n_due_on_time", pa.int64()),
        ("amount_due", MONEY),
        ("n_settled", pa.int64()),
        ("days_late_settled", pa.int64()),
        ("amount_paid", MONEY),
        ("n_payments", pa.int64()),
        ("n_bounced_payments", pa.int64()),
        ("n_cash_payments", pa.int64()),
        ("balance_end", MONEY),
        ("arrears_over_60d", MONEY),
        ("customer_hash", pa.uint64()),
    ]
)

# The months of the grid: (source, month expression, filter).
MONTHS = [
    ("settled", "due_month", "true"),
    (
        "settled",
        "strftime(paid_in_full_at, '%Y-%m')",
        "paid_in_full_at is not null and strftime(paid_in_full_at, '%Y-%m') <= $max_month",
    ),
    ("payments", "payment_month", "true"),
]

# The rows the facts are summed from, one temporary table each, in customer order (ci): per
# bill, its due month and settlement month (mi indexes; null when outside the months) with the
# values that month's facts add up; per payment, its month, amount and channel. Money is in
# cents. `$max_month` caps the settlements and payments.
ROWS = {
    "bills": (
        "settled",
        "left join __payments_months as due on due.month = s.due_month "
        "left join __payments_months as paid "
        "on paid.month = strftime(s.paid_in_full_at, '%Y-%m') and paid.month <= $max_month",
        [
            "due.mi as due_mi",
            "paid.mi as settled_mi",
            "coalesce(s.paid_in_full_at < s.due_date + interval 1 day, false) as on_time",
            "cast(coalesce(s.amount_due, 0) * 100 as bigint) as amount_due",
            "coalesce(greatest(0, date_diff('day', s.due_date, cast(s.paid_in_full_at as date))), 0)"
            " as days_late",
        ],
        "due.mi is not null or paid.mi is not null",
    ),
    "flows": (
        "payments",
        "inner join __payments_months as m on m.month = s.payment_month",
        [
            "m.mi",
            "cast(coalesce(s.amount, 0) * 100 as bigint) as amount",
            "coalesce(s.channel in ('cash', 'agent'), false) as cash",
        ],
        "true",
    ),
}


# ---------------------------------------------------------------- array arithmetic (pure numpy)


def month_sums(customer, month, n_customers, n_months, values=None, where=None):
    """(customers x months) int64 array: per customer and month, the number of rows (or the sum
    of `values`), over the rows `where` holds and whose month is known (not masked)."""
    keep = ~np.ma.getmaskarray(month)
    if where is not None:
        keep &= where
    customer = np.ma.getdata(customer)
    position = customer[keep].astype(np.int64) * n_months + np.ma.getdata(month)[keep]
    size = n_customers * n_months
    if values is None:
        out = np.bincount(position, minlength=size).astype(np.int64)
    else:
        out = np.zeros(size, dtype=np.int64)
        np.add.at(out, position, np.ma.getdata(values)[keep])
    return out.reshape(n_customers, n_months)


def monthly_facts(bills, flows, n_customers, n_months):
    """{fact: (customers x months) int64 array} from the rows of a chunk of customers (`ci` from
    0), zero where a customer had no row that month."""
    shape = (n_customers, n_months)
    due, settled = bills["due_mi"], bills["settled_mi"]
    month = flows["mi"]
    amount = np.ma.getdata(flows["amount"])
    return {
        "n_bills_due": month_sums(bills["ci"], due, *shape),
        "n_due_on_time": month_sums(
            bills["ci"], due, *shape, where=np.ma.getdata(bills["on_time"])
        ),
        "amount_due": month_sums(bills["ci"], due, *shape, values=bills["amount_due"]),
        "n_settled": month_sums(bills["ci"], settled, *shape),
        "days_late_settled": month_sums(bills["ci"], settled, *shape, values=bills["days_late"]),
        "amount_paid": month_sums(flows["ci"], month, *shape, values=amount),
        "n_payments": month_sums(flows["ci"], month, *shape, where=amount > 0),
        "n_bounced_payments": month_sums(flows["ci"], month, *shape, where=amount < 0),
        "n_cash_payments": month_sums(
            flows["ci"], month, *shape, where=(amount > 0) & np.ma.getdata(flows["cash"])
        ),
    }


def balances(amount_due, amount_paid):
    """(balance_end, arrears_over_60d) in cents, (customers x months): the running sum of what was
    due less what was paid, and the part of it beyond the bills due this month or the month
    before (never below zero)."""
    for name, values in (("amount_due", amount_due), ("amount_paid", amount_paid)):
        if values.size and int(np.abs(values).max()) >= MAX_ABS_CENTS:
            raise ValueError(
                f"int_customer_months_payments: a monthly {name} is too large to sum exactly "
                "(over 2**52 cents)"
            )
    balance = np.cumsum(amount_due - amount_paid, axis=1)
    recent = amount_due.copy()
    recent[:, 1:] += amount_due[:, :-1]
    return balance, np.maximum(balance - recent, 0)


def chunk_batch(customers, hashes, month_keys, facts, balance, arrears, keep):
    """The chunk's rows, customer-major (customers in customer_hash order, then months), for the
    months `keep` (column indexes of the dense arrays)."""
    n_customers, n_months = len(customers), len(keep)
    customer_rows = np.repeat(np.arange(n_customers), n_months)
    month_rows = np.tile(np.arange(n_months), n_customers)

    every_month = n_months == balance.shape[1]

    def flat(values):
        return values.reshape(-1) if every_month else values[:, keep].reshape(-1)

    columns = {
        "customer_id": pa.array(customers, pa.string()).take(customer_rows),
        "month": pa.array([month_keys[i] for i in keep], pa.string()).take(month_rows),
        "balance_end": arrow_array(MONEY, flat(balance)),
        "arrears_over_60d": arrow_array(MONEY, flat(arrears)),
        "customer_hash": pa.array(hashes, pa.uint64()).take(customer_rows),
    }
    for name, values in facts.items():
        columns[name] = arrow_array(SCHEMA.field(name).type, flat(values))
    return pa.record_batch([columns[field.name] for field in SCHEMA], schema=SCHEMA)


# ---------------------------------------------------------------- the model


def model(dbt, session):
    dbt.config(
        # the run's months replaced straight in the table (macros/window_incremental.sql)
        materialized="window_incremental",
        unique_key="month",
        on_schema_change="fail",
    )
    min_month, max_month = dbt.config.get("min_month"), dbt.config.get("max_month")
    settled = f"({dbt.ref('int_bills_settled').sql_query()})"
    all_payments = f"({dbt.ref('stg_billing__payments').sql_query()})"
    payments = f"(select * from {all_payments} where payment_month <= $max_month)"
    tables = {"settled": settled, "payments": payments}
    connection = session.cursor()

    def run(sql, **params):
        # DuckDB refuses a named parameter that the statement does not use
        return connection.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})

    empty = pa.RecordBatchReader.from_batches(SCHEMA, iter(()))
    if not run(f"select exists (select 1 from {all_payments})").fetchall()[0][0]:
        return empty

    month_keys = [
        m
        for (m,) in run(
            " union ".join(
                f"select distinct {month} from {tables[source]} where {where}"
                for source, month, where in MONTHS
            )
            + " order by 1",
            max_month=max_month,
        ).fetchall()
        if m is not None
    ]
    keep = np.array([i for i, m in enumerate(month_keys) if min_month <= m <= max_month])
    if not len(keep):
        return empty
    run(
        "create or replace temp table __payments_months as "
        "select unnest($months) as month, cast(generate_subscripts($months, 1) - 1 as integer) as mi",
        months=month_keys,
    )
    # every customer with a bill or a payment, numbered in customer_hash order
    run(
        "create or replace temp table __payments_customers as "
        "select customer_id, hash(customer_id) as customer_hash, "
        "cast(row_number() over (order by hash(customer_id), customer_id) - 1 as integer) as ci "
        f"from (select customer_id from {settled} union select customer_id from {payments})",
        max_month=max_month,
    )
    n_customers = run("select count(*) from __payments_customers").fetchall()[0][0]
    n_chunks = max(1, -(-n_customers // CHUNK_CUSTOMERS))

    # The rows of each source with their customer and month indexes, kept by DuckDB in customer
    # order (within its memory limit; it spills beyond): a chunk reads only its own row groups
    # and sums them by month in NumPy. At 1M x 36, grouping them in DuckDB instead (a hash table
    # of about one group per row, then sorted) took 33 s, sorting the rows 15 s.
    for name, (source, joins, columns, where) in ROWS.items():
        run(
            f"create or replace temp table __payments_{name} as "
            f"select c.ci, {', '.join(columns)} "
            f"from {tables[source]} as s "
            f"inner join __payments_customers as c using (customer_id) {joins} "
            f"where {where} order by c.ci",
            max_month=max_month,
        )

    def compute(chunk):
        """The batch of chunk `chunk` (a range of customer_hash), None when it has no customers."""
        lo, hi = chunk * 2**64 // n_chunks, (chunk + 1) * 2**64 // n_chunks - 1
        customers = run(
            "select customer_id, customer_hash, ci from __payments_customers "
            f"where customer_hash between {lo}::ubigint and {hi}::ubigint order by ci"
        ).fetchnumpy()
        if not len(customers["ci"]):
            return None
        first, last = int(customers["ci"][0]), int(customers["ci"][-1])
        rows = {
            name: run(
                f"select * replace (ci - {first} as ci) from __payments_{name} "
                f"where ci between {first} and {last}"
            ).fetchnumpy()
            for name in ROWS
        }
        facts = monthly_facts(rows["bills"], rows["flows"], len(customers["ci"]), len(month_keys))
        balance, arrears = balances(facts["amount_due"], facts["amount_paid"])
        return chunk_batch(
            customers["customer_id"],
            customers["customer_hash"],
            month_keys,
            facts,
            balance,
            arrears,
            keep,
        )

    def cleanup():
        # The temporary tables hold about 2 GB at 1M customers: left to the end of the dbt run,
        # they took the next model (the trailing sums) over 8 GB.
        for table in ["customers", "months", *ROWS]:
            connection.execute(f"drop table if exists __payments_{table}")
        connection.close()

    return pa.RecordBatchReader.from_batches(SCHEMA, pipelined(compute, n_chunks, cleanup))
