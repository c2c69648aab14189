"""int_customer_trailing_12m (a dbt Python model): its array arithmetic against plain Python, and
the whole model against SQL window functions in DuckDB on a small warehouse."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy_models import arrow_array

MODEL = Path(__file__).parents[2] / "dbt_project/models/intermediate/int_customer_trailing_12m.py"
spec = importlib.util.spec_from_file_location("int_customer_trailing_12m", MODEL)
trailing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trailing)

cells = st.one_of(st.none(), st.integers(-(2**40), 2**40))


def naive_window(column, month, width, end_lag):
    frame = [
        v
        for v in column[max(0, month - end_lag - width + 1) : max(0, month - end_lag + 1)]
        if v is not None
    ]
    return (sum(frame), True) if frame else (0, False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(cells, min_size=20, max_size=20), min_size=1, max_size=4),
    st.sampled_from([(12, 0), (3, 0), (3, 12)]),
)
def test_window_sums_match_sql_semantics(customers, frame):
    width, end_lag = frame
    values = np.array([[v or 0 for v in c] for c in customers], dtype=np.int64).T
    present = np.array([[v is not None for v in c] for c in customers]).T
    offsets = np.arange(14, 20)
    sums, valid = trailing.window_sums(values, present, offsets, width, end_lag)
    for ci, column in enumerate(customers):
        for i, month in enumerate(offsets):
            expected, any_value = naive_window(column, month, width, end_lag)
            assert bool(valid[i, ci]) == any_value
            if any_value:
                assert int(sums[i, ci]) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cells, min_size=16, max_size=16), min_size=1, max_size=3))
def test_window_max_ignores_absent_months(customers):
    values = np.array([[v or 0 for v in c] for c in customers], dtype=np.int64).T
    present = np.array([[v is not None for v in c] for c in customers]).T
    offsets = np.array([11, 13, 15])
    out = trailing.window_max(values, present, offsets, 12)
    for ci, column in enumerate(customers):
        for i, month in enumerate(offsets):
            frame = [v for v in column[month - 11 : month + 1] if v is not None]
            if frame:
                assert int(out[i, ci]) == max(frame)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**52) + 1, 2**52 - 1), min_size=1, max_size=12))
def test_sum_of_squares_is_exact_beyond_64_bits(months):
    values = np.array(months, dtype=np.int64)
    a2, ab2, b2 = (part.sum(keepdims=True) for part in trailing.squares_limbs(values))
    high, low = trailing.combine_limbs(a2, ab2, b2)
    column = arrow_array(pa.decimal128(38, 6), (high, low))
    exact = sum(v * v for v in months)
    assert column[0].as_py() == Decimal(f"{exact // 10**6}.{exact % 10**6:06d}")


def test_a_value_too_large_to_sum_exactly_is_named():
    with pytest.raises(ValueError, match="kwh.*too large"):
        trailing.check_range("kwh", np.array([2**52]))


# ------------------------------------------------------------------ the model against SQL windows


def test_model_matches_sql_window_functions(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(
        """
        create schema staging; create schema intermediate;
        create table staging.stg_cis__customer_versions as
            select 'C' || lpad(i::varchar, 3, '0') as customer_id, i from range(40) as r(i);
        create table intermediate.int_customer_months_billing as
        select customer_id, strftime(date '2022-01-01' + to_months(m::int), '%Y-%m') as billing_month,
            hash(customer_id) as customer_hash,
            case when (i * 7 + m) % 9 = 0 then null
                 else cast(((i * 37 + m * 101) % 5000 - 300) * 1.001 as decimal(38, 3)) end as kwh,
            cast((i * 13 + m) % 700 as decimal(38, 3)) as kwh_peak,
            cast(null as decimal(38, 3)) as kwh_offpeak,
            cast((i * 13 + m) % 900 as decimal(38, 3)) as kwh_tou_gross,
            case when m % 4 = 0 then null else ((i + m) % 50) * 0.5 end as max_demand_kw,
            cast((i * 11 + m * 3) % 800 * 1.01 as decimal(38, 2)) as amount_billed,
            1::bigint as n_bills, ((i + m) % 2)::bigint as n_estimated_bills
        from staging.stg_cis__customer_versions, range(30) as r(m)
        where (i + m) % 5 <> 0;
        create table intermediate.int_customer_months_payments as
        select customer_id, billing_month as month, customer_hash,
            1::bigint as n_bills_due, (i % 2)::bigint as n_due_on_time, 1::bigint as n_settled,
            (i % 7)::hugeint as days_late_settled, 1::bigint as n_payments,
            0::bigint as n_bounced_payments, (i % 3 = 0)::bigint as n_cash_payments,
            cast(i * 10.5 as decimal(38, 2)) as arrears_over_60d
        from intermediate.int_customer_months_billing join staging.stg_cis__customer_versions
            using (customer_id);
        create table intermediate.int_customer_months_outages (customer_id varchar, month varchar,
            customer_hash ubigint, n_interruptions bigint, interruption_minutes hugeint,
            n_long_interruptions bigint);
        insert into intermediate.int_customer_months_outages values
            ('C001', '2022-03', hash('C001'), 2, 300, 1), ('C001', '2023-02', hash('C001'), 1, 30, 0);
        create table intermediate.int_customer_months_work_orders as
        select customer_id, month, customer_hash,
            {work}
        from intermediate.int_customer_months_payments;
        create table intermediate.int_customer_months_meter (customer_id varchar, month varchar,
            customer_hash ubigint, ami_kwh decimal(38, 4), n_reads bigint, ami_max_kw decimal(18, 4),
            ami_kw_sum decimal(38, 4), ami_peak_kwh decimal(38, 4), ami_night_kwh decimal(38, 4),
            ami_offpeak_kwh decimal(38, 4), ami_weekday_kwh decimal(38, 4), ami_weekdays bigint,
            ami_weekend_kwh decimal(38, 4), ami_weekend_days bigint);
    """.replace(
            "{work}",
            ", ".join(
                f"((hash(customer_id, month) >> {k}) % 3)::bigint as {name}"
                for k, (name, _) in enumerate(trailing.SUMMED["work_orders"][1])
            ),
        )
    )

    class Config:
        def __call__(self, **_):
            pass

        @staticmethod
        def get(key, default=None):
            return {
                "min_month": "2023-03",
                "max_month": "2024-06",
                "duckdb_memory": "512MB",
                "profile_duckdb_memory": "1GB",
            }.get(key, default)

    class Dbt:
        config = Config()

        def ref(self, name):
            schema = "staging" if name.startswith("stg_") else "intermediate"
            return con.query(f"select * from {schema}.{name}")

    def memory_limit(conn=con):
        return conn.execute("select current_setting('memory_limit')").fetchall()[0][0]

    con.execute("set memory_limit = '1GB'")
    profile_limit = memory_limit()
    reader = trailing.model(Dbt(), con)
    batches = [reader.read_next_batch()]
    # DuckDB holds less while the arrays are in memory, and gets the profile's limit back after
    assert memory_limit() == memory_limit(duckdb.connect(config={"memory_limit": "512MB"}))
    batches += list(reader)
    assert memory_limit() == profile_limit
    model_output = pa.Table.from_batches(batches)  # noqa: F841 (read by DuckDB below)
    con.execute("create table got as select * from model_output")

    w12 = "partition by customer_id order by month_index rows between 11 preceding and current row"
    expected = con.execute(f"""
        with grid as (
            select customer_id, r.m as month_index,
                strftime(date '0000-01-01' + to_months(r.m::int), '%Y-%m') as month_key
            from staging.stg_cis__customer_versions, range(2023 * 12 + 2 - 14, 2024 * 12 + 6) as r(m)
        ),
        wide as (
            select grid.*, b.kwh, b.amount_billed, b.max_demand_kw, p.days_late_settled,
                p.arrears_over_60d, o.interruption_minutes, w.n_contacts, b.kwh_offpeak
            from grid
            left join intermediate.int_customer_months_billing as b
                on b.customer_id = grid.customer_id and b.billing_month = grid.month_key
            left join intermediate.int_customer_months_payments as p
                on p.customer_id = grid.customer_id and p.month = grid.month_key
            left join intermediate.int_customer_months_outages as o
                on o.customer_id = grid.customer_id and o.month = grid.month_key
            left join intermediate.int_customer_months_work_orders as w
                on w.customer_id = grid.customer_id and w.month = grid.month_key
        ),
        windowed as (
            select customer_id, month_key as as_of_month,
                sum(kwh) over w as kwh_12m, sum(kwh * kwh) over w as kwh_squares_12m,
                count(kwh) over w as months_billed, max(kwh) over w as kwh_max,
                sum(case when month_index % 12 + 1 in (12, 1, 2) then kwh end) over w as kwh_winter,
                max(max_demand_kw) over w as max_demand_kw,
                sum(amount_billed) over w as amount_billed_12m,
                sum(kwh) over (partition by customer_id order by month_index
                    rows between 2 preceding and current row) as kwh_last_3m,
                sum(kwh) over (partition by customer_id order by month_index
                    rows between 14 preceding and 12 preceding) as kwh_last_3m_year_ago,
                arrears_over_60d,
                sum(days_late_settled) over w as days_late_settled_12m,
                sum(interruption_minutes) over w as interruption_minutes_12m,
                sum(n_contacts) over w as n_contacts_12m,
                sum(kwh_offpeak) over w as kwh_offpeak_12m
            from wide
            window w as ({w12})
        )
        select * from windowed where as_of_month between '2023-03' and '2024-06'
        order by customer_id, as_of_month
    """).fetchall()
    columns = [
        "customer_id",
        "as_of_month",
        "kwh_12m",
        "kwh_squares_12m",
        "months_billed",
        "kwh_max",
        "kwh_winter",
        "max_demand_kw",
        "amount_billed_12m",
        "kwh_last_3m",
        "kwh_last_3m_year_ago",
        "arrears_over_60d",
        "days_late_settled_12m",
        "interruption_minutes_12m",
        "n_contacts_12m",
        "kwh_offpeak_12m",
    ]
    got = con.execute(
        f"select {', '.join(columns)} from got order by customer_id, as_of_month"
    ).fetchall()
    assert len(got) == 40 * 16
    assert got == expected
    # a window with no billed month is null, as SQL's sum over nulls is
    assert con.execute("select count(*) from got where kwh_12m is null").fetchone()[0] == 0
    assert (
        con.execute(
            "select count(*) from got where interruption_minutes_12m is not null"
        ).fetchone()[0]
        == 11
    )
