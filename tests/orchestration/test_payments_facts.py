"""int_customer_months_payments (a dbt Python model): the FIFO ageing example that was its dbt
unit test, and the whole model against the SQL it replaced (cross join, joins and windows) on
generated bills and payments with gaps, bounces, early payments and unpaid bills."""

import importlib.util
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest

MODEL = (
    Path(__file__).parents[2] / "dbt_project/models/intermediate/int_customer_months_payments.py"
)
spec = importlib.util.spec_from_file_location("int_customer_months_payments", MODEL)
payments_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(payments_model)

SETTLED = (
    "bill_id varchar, customer_id varchar, amount_due decimal(18, 2), due_date date, "
    "due_month varchar, paid_in_full_at timestamp"
)
PAYMENTS = (
    "payment_id varchar, customer_id varchar, bill_id varchar, paid_at timestamp, "
    "payment_month varchar, amount decimal(18, 2), is_reversal boolean, channel varchar, "
    "_batch_id varchar"
)

# The model's former SQL, as it was in dbt (refs and vars in place).
REFERENCE_SQL = """
with settled as (select * from settled_input),
payments as (select * from payments_input where payment_month <= $max_month),
due as (
    select customer_id, due_month as month, count(*) as n_bills_due,
        count(*) filter (where paid_in_full_at < due_date + interval 1 day) as n_due_on_time,
        sum(amount_due) as amount_due
    from settled group by all
),
settlements as (
    select customer_id, strftime(paid_in_full_at, '%Y-%m') as month, count(*) as n_settled,
        sum(greatest(0, date_diff('day', due_date, cast(paid_in_full_at as date)))) as days_late_settled
    from settled
    where paid_in_full_at is not null and strftime(paid_in_full_at, '%Y-%m') <= $max_month
    group by all
),
flows as (
    select customer_id, payment_month as month, sum(amount) as amount_paid,
        count(*) filter (where amount > 0) as n_payments,
        count(*) filter (where amount < 0) as n_bounced_payments,
        count(*) filter (where amount > 0 and channel in ('cash', 'agent')) as n_cash_payments
    from payments group by all
),
months as (select month from due union select month from settlements union select month from flows),
customers as (select customer_id from due union select customer_id from flows),
grid as (select customers.customer_id, months.month from customers cross join months),
combined as (
    select grid.customer_id, grid.month,
        coalesce(due.n_bills_due, 0) as n_bills_due,
        coalesce(due.n_due_on_time, 0) as n_due_on_time,
        coalesce(due.amount_due, 0) as amount_due,
        coalesce(settlements.n_settled, 0) as n_settled,
        coalesce(settlements.days_late_settled, 0) as days_late_settled,
        coalesce(flows.amount_paid, 0) as amount_paid,
        coalesce(flows.n_payments, 0) as n_payments,
        coalesce(flows.n_bounced_payments, 0) as n_bounced_payments,
        coalesce(flows.n_cash_payments, 0) as n_cash_payments
    from grid
    left join due using (customer_id, month)
    left join settlements using (customer_id, month)
    left join flows using (customer_id, month)
),
balances as (
    select *,
        sum(amount_due - amount_paid) over (
            partition by customer_id order by month rows unbounded preceding) as balance_end,
        amount_due + coalesce(lag(amount_due) over (partition by customer_id order by month), 0)
            as amount_due_last_2_months
    from combined
)
select * exclude (amount_due_last_2_months),
    greatest(0, balance_end - amount_due_last_2_months) as arrears_over_60d,
    hash(customer_id) as customer_hash
from balances
where month between $min_month and $max_month
    and exists (select 1 from payments_input)
"""


def run_model(con, min_month, max_month, chunk_customers=None, monkeypatch=None):
    """The model's rows, as a list of tuples in the order it writes them."""

    class Config:
        def __call__(self, **_):
            pass

        @staticmethod
        def get(key, default=None):
            return {"min_month": min_month, "max_month": max_month}.get(key, default)

    class Dbt:
        config = Config()

        def ref(self, name):
            table = {
                "int_bills_settled": "settled_input",
                "stg_billing__payments": "payments_input",
            }
            return con.query(f"select * from {table[name]}")

    if chunk_customers:
        monkeypatch.setattr(payments_model, "CHUNK_CUSTOMERS", chunk_customers)
    reader = payments_model.model(Dbt(), con)
    con.register("model_output", reader)
    try:
        con.execute("create or replace temp table got as select * from model_output")
    finally:
        con.unregister("model_output")
    return con.execute("select * from got").fetchall()


def warehouse(settled_rows, payment_rows):
    con = duckdb.connect()
    con.execute(f"create table settled_input ({SETTLED})")
    con.execute(f"create table payments_input ({PAYMENTS})")
    if settled_rows:
        con.executemany("insert into settled_input values (?, ?, ?, ?, ?, ?)", settled_rows)
    if payment_rows:
        con.executemany(
            "insert into payments_input values (?, ?, ?, ?, ?, ?, ?, ?, ?)", payment_rows
        )
    return con


def test_arrears_age_the_balance_fifo():
    """Bills of 100 due in Jan, Feb and Mar, one payment of 100 in Jan. At the end of March the
    balance is 200, of which the Feb and Mar bills (due within the last two months) are not yet
    aged: nothing over 60 days. At the end of April the balance is still 200 but only the March
    bill is recent: 100 is over 60 days. Late settlement counts days late."""
    con = warehouse(
        [
            ("B1", "C1", 100, date(2024, 1, 20), "2024-01", datetime(2024, 1, 25, 10)),
            ("B2", "C1", 100, date(2024, 2, 20), "2024-02", None),
            ("B3", "C1", 100, date(2024, 3, 20), "2024-03", None),
            ("B4", "C1", 0, date(2024, 4, 20), "2024-04", datetime(2024, 4, 1)),
        ],
        [("P1", "C1", "B1", datetime(2024, 1, 25, 10), "2024-01", 100, False, "cash", "b")],
    )
    rows = run_model(con, "2024-01", "2024-04")
    columns = [d[0] for d in con.execute("select * from got limit 0").description]
    got = [dict(zip(columns, row, strict=True)) for row in rows]
    assert [r["month"] for r in got] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [r["n_bills_due"] for r in got] == [1, 1, 1, 1]
    assert [r["n_due_on_time"] for r in got] == [0, 0, 0, 1]
    assert [r["n_settled"] for r in got] == [1, 0, 0, 1]
    assert [r["days_late_settled"] for r in got] == [5, 0, 0, 0]
    assert [r["n_cash_payments"] for r in got] == [1, 0, 0, 0]
    assert [r["balance_end"] for r in got] == [Decimal(v) for v in (0, 100, 200, 200)]
    assert [r["arrears_over_60d"] for r in got] == [Decimal(v) for v in (0, 0, 0, 100)]


def generated(seed, n_customers=60):
    """Bills and payments with the awkward cases: customers without bills (unapplied payments
    only) or without payments, a month nobody is active in, bounced payments, bills paid early
    (in an earlier month), late or never, and payments after the window."""
    rng = random.Random(seed)
    settled, payments = [], []
    months = [m for m in range(2022 * 12, 2024 * 12 + 6) if m != 2023 * 12 + 4]  # no May 2023
    for i in range(n_customers):
        customer = f"C{i:03d}"
        if i % 7 != 3:  # a few customers have payments only
            for m in months:
                if rng.random() < 0.15:
                    continue
                due = date(m // 12, m % 12 + 1, rng.randint(1, 28))
                amount = Decimal(rng.randint(-2000, 90000)) / 100
                paid = None
                r = rng.random()
                if r < 0.6:
                    paid = datetime.combine(due, datetime.min.time()) + timedelta(
                        days=rng.randint(-20, 70), hours=rng.randint(0, 23)
                    )
                settled.append((f"B{i}-{m}", customer, amount, due, f"{due:%Y-%m}", paid))
        if i % 11 != 5:  # and a few have no payments at all
            for k in range(rng.randint(0, 40)):
                m = rng.choice(months)
                at = datetime(m // 12, m % 12 + 1, rng.randint(1, 28), rng.randint(0, 23))
                amount = Decimal(rng.choice([1, 1, 1, -1]) * rng.randint(1, 90000)) / 100
                channel = rng.choice(["cash", "agent", "online", "direct_debit", "card"])
                payments.append(
                    (
                        f"P{i}-{k}",
                        customer,
                        None,
                        at,
                        f"{at:%Y-%m}",
                        amount,
                        amount < 0,
                        channel,
                        "b",
                    )
                )
    return settled, payments


@pytest.mark.parametrize(
    ("seed", "window", "chunk_customers"),
    [
        (1, ("2022-01", "2024-06"), None),
        (2, ("2023-03", "2023-09"), 7),
        (3, ("2024-02", "2024-02"), 1),
        (4, ("1900-01", "2999-12"), 13),
    ],
)
def test_model_matches_the_former_sql(seed, window, chunk_customers, monkeypatch):
    con = warehouse(*generated(seed))
    min_month, max_month = window
    got = run_model(con, min_month, max_month, chunk_customers, monkeypatch)
    expected = con.execute(
        REFERENCE_SQL + " order by customer_hash, customer_id, month",
        {"min_month": min_month, "max_month": max_month},
    ).fetchall()
    assert len(got) > 0
    assert got == expected
    # written in customer_hash order, each customer's months together and in order
    keys = [(row[-1], row[0], row[1]) for row in got]
    assert keys == sorted(keys)


def test_no_payments_extract_gives_no_rows():
    settled, _ = generated(5, n_customers=5)
    con = warehouse(settled, [])
    assert run_model(con, "1900-01", "2999-12") == []


def test_a_balance_too_large_to_sum_exactly_is_named():
    big = np.array([[2**52]], dtype=np.int64)
    with pytest.raises(ValueError, match="amount_due.*too large"):
        payments_model.balances(big, np.zeros_like(big))
