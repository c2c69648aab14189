"""int_customer_trailing_12m and int_customer_trailing_12m_meter (dbt Python models): their array
arithmetic (python/trailing_windows.py) against plain Python, and the whole models against SQL
window functions in DuckDB on a small warehouse."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
import trailing_windows as windows
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
    sums, valid = windows.window_sums(values, present, offsets, width, end_lag)
    for ci, column in enumerate(customers):
        for i, month in enumerate(offsets):
            expected, any_value = naive_window(column, month, width, end_lag)
            assert bool(valid[i, ci]) == any_value
            if any_value:
                assert int(sums[i, ci]) == expected


@pytest.mark.parametrize("shared", [True, False])
def test_a_source_without_rows_gives_empty_windows_of_the_same_shape(shared):
    """No value at all (a bucket without smart-meter rows): zero sums, no valid window, the
    shapes and types of the general path."""
    values = np.zeros((3, 20, 4), dtype=np.int64)
    present = np.zeros((20, 4) if shared else (3, 20, 4), dtype=bool)
    offsets = np.arange(14, 20)
    sums, valid = windows.window_sums(values, present, offsets, 12)
    one = present.copy()
    one[..., 0, 0] = True
    general_sums, general_valid = windows.window_sums(values, one, offsets, 12)
    assert sums.shape == general_sums.shape == valid.shape == general_valid.shape == (3, 6, 4)
    assert sums.dtype == general_sums.dtype and valid.dtype == general_valid.dtype
    assert not sums.any() and not valid.any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cells, min_size=16, max_size=16), min_size=1, max_size=3))
def test_window_max_ignores_absent_months(customers):
    values = np.array([[v or 0 for v in c] for c in customers], dtype=np.int64).T
    present = np.array([[v is not None for v in c] for c in customers]).T
    offsets = np.array([11, 13, 15])
    out = windows.window_max(values, present, offsets, 12)
    for ci, column in enumerate(customers):
        for i, month in enumerate(offsets):
            frame = [v for v in column[month - 11 : month + 1] if v is not None]
            if frame:
                assert int(out[i, ci]) == max(frame)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**52) + 1, 2**52 - 1), min_size=1, max_size=12))
def test_sum_of_squares_is_exact_beyond_64_bits(months):
    values = np.array(months, dtype=np.int64)
    a2, ab2, b2 = (part.sum(keepdims=True) for part in windows.squares_limbs(values))
    high, low = windows.combine_limbs(a2, ab2, b2)
    column = arrow_array(pa.decimal128(38, 6), (high, low))
    exact = sum(v * v for v in months)
    assert column[0].as_py() == Decimal(f"{exact // 10**6}.{exact % 10**6:06d}")


def test_a_value_too_large_to_sum_exactly_is_named():
    with pytest.raises(ValueError, match="kwh.*too large"):
        windows.check_range("kwh", np.array([2**52]))


def test_a_count_beyond_its_32_bit_column_is_named():
    schema = trailing.output_schema()
    assert schema.field("n_contacts_12m").type == pa.int32()
    assert schema.field("resolution_seconds_12m").type == pa.int64()
    windows.check_int32("n_contacts_12m", np.array([2**31 - 1, -(2**31)]))
    with pytest.raises(ValueError, match="n_contacts_12m.*32-bit"):
        windows.check_int32("n_contacts_12m", np.array([2**31]))


# ------------------------------------------------------------------ the model against SQL windows


VERSION_COLUMNS = """customer_id varchar, customer_class varchar, region varchar,
    tariff_code varchar, voltage_level varchar, payment_method varchar, has_solar boolean,
    budget_billing boolean, paperless boolean, contracted_capacity_kva double, connected_on date,
    disconnected_on date, updated_at timestamp"""

# one version of 40 customers, all connected before the first month and never disconnected
ONE_VERSION_EACH = """
    select 'C' || lpad(i::varchar, 3, '0'), 'residential', 'north', 'R1', 'LV', 'cash',
        i % 2 = 0, false, true, 5.0 + i, date '2015-01-01', null, timestamp '2021-01-01'
    from range(40) as r(i)"""


def small_warehouse(con, versions_sql=ONE_VERSION_EACH):
    """The model's inputs: the account versions of `versions_sql`, and monthly facts of customers
    C000..C039 (i = their number) in 2022-01..2024-06, with gaps and nulls."""
    con.execute(
        f"""
        create schema staging; create schema intermediate;
        create table staging.stg_cis__customer_versions ({VERSION_COLUMNS});
        insert into staging.stg_cis__customer_versions {versions_sql};
        create table customer_numbers as
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
        from customer_numbers, range(30) as r(m)
        where (i + m) % 5 <> 0;
        create table intermediate.int_customer_months_payments as
        select customer_id, billing_month as month, customer_hash,
            1::bigint as n_bills_due, (i % 2)::bigint as n_due_on_time, 1::bigint as n_settled,
            (i % 7)::hugeint as days_late_settled, 1::bigint as n_payments,
            0::bigint as n_bounced_payments, (i % 3 = 0)::bigint as n_cash_payments,
            cast(i * 10.5 as decimal(38, 2)) as arrears_over_60d
        from intermediate.int_customer_months_billing join customer_numbers using (customer_id);
        create table intermediate.int_customer_months_outages (customer_id varchar, month varchar,
            customer_hash ubigint, n_interruptions bigint, interruption_minutes hugeint,
            n_long_interruptions bigint);
        insert into intermediate.int_customer_months_outages values
            ('C001', '2022-03', hash('C001'), 2, 300, 1), ('C001', '2023-02', hash('C001'), 1, 30, 0);
        create table intermediate.int_customer_months_work_orders as
        select customer_id, month, customer_hash,
            {{work}}
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


# every customer x month of the grid of a run over 2023-03..2024-06 (from 14 months before)
GRID = """grid as (
    select customer_id, r.m as month_index,
        strftime(date '0000-01-01' + to_months(r.m::int), '%Y-%m') as month_key
    from customer_numbers, range(2023 * 12 + 2 - 14, 2024 * 12 + 6) as r(m)
)"""


def fake_dbt(con, **config):
    """The `dbt` object of a dbt-duckdb Python model run over 2023-03..2024-06 on `con`."""
    settings = {
        "min_month": "2023-03",
        "max_month": "2024-06",
        "duckdb_memory": "512MB",
        "profile_duckdb_memory": "1GB",
        **config,
    }

    class Config:
        def __call__(self, **_):
            pass

        @staticmethod
        def get(key, default=None):
            return settings.get(key, default)

    class Dbt:
        config = Config()

        def ref(self, name):
            schema = "staging" if name.startswith("stg_") else "intermediate"
            return con.query(f"select * from {schema}.{name}")

    return Dbt()


def run_model(con, model=trailing, table="got", **config):
    """The rows of `model` (a module), as table `table` in `con` (replaced)."""
    model_output = pa.Table.from_batches(  # noqa: F841 (read by DuckDB below)
        list(model.model(fake_dbt(con, **config), con)), model.output_schema()
    )
    con.execute(f"create or replace table {table} as select * from model_output")


def test_model_matches_sql_window_functions(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)

    def memory_limit(conn=con):
        return conn.execute("select current_setting('memory_limit')").fetchall()[0][0]

    con.execute("set memory_limit = '1GB'")
    profile_limit = memory_limit()
    reader = trailing.model(fake_dbt(con), con)
    batches = [reader.read_next_batch()]
    # DuckDB holds less while the arrays are in memory, and gets the profile's limit back after
    assert memory_limit() == memory_limit(duckdb.connect(config={"memory_limit": "512MB"}))
    batches += list(reader)
    assert memory_limit() == profile_limit
    model_output = pa.Table.from_batches(batches)  # noqa: F841 (read by DuckDB below)
    con.execute("create table got as select * from model_output")

    w12 = "partition by customer_id order by month_index rows between 11 preceding and current row"
    expected = con.execute(f"""
        with {GRID},
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
                count(kwh) over w as months_billed,
                month_index - max(case when kwh is not null then month_index end) over w
                    as months_since_last_bill,
                max(kwh) over w as kwh_max,
                sum(case when month_index % 12 + 1 in (12, 1, 2) then kwh end) over w as kwh_winter,
                count(case when month_index % 12 + 1 in (12, 1, 2) then kwh end) over w
                    as winter_months_billed,
                count(case when month_index % 12 + 1 in (6, 7, 8) then kwh end) over w
                    as summer_months_billed,
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
        "months_since_last_bill",
        "kwh_max",
        "kwh_winter",
        "winter_months_billed",
        "summer_months_billed",
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
    # some customers miss bills: the months since the last one are not all 0
    assert {row[5] for row in got} - {0}
    # a window with no billed month is null, as SQL's sum over nulls is
    assert con.execute("select count(*) from got where kwh_12m is null").fetchone()[0] == 0
    assert (
        con.execute(
            "select count(*) from got where interruption_minutes_12m is not null"
        ).fetchone()[0]
        == 11
    )


def test_season_months_follow_the_config(tmp_path):
    """A southern utility's winter is June-August: the dbt var season_months, passed to the
    model as "6,7,8", swaps what the default months give."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)
    run_model(con, table="north")
    run_model(con, table="south", winter_months="6,7,8", summer_months="12,1,2")
    pairs = con.execute(
        "select n.kwh_winter, n.kwh_summer, s.kwh_winter, s.kwh_summer,"
        " n.winter_months_billed, n.summer_months_billed, s.winter_months_billed,"
        " s.summer_months_billed from north as n join south as s using (customer_id, as_of_month)"
    ).fetchall()
    assert len(pairs) == 40 * 16
    assert all(row[0] == row[3] and row[1] == row[2] for row in pairs)
    assert all(row[4] == row[7] and row[5] == row[6] for row in pairs)
    assert any(row[0] != row[1] for row in pairs)
    with pytest.raises(ValueError, match="1..12"):
        trailing.season_months("13", (12, 1, 2))


def test_counts_too_large_for_32_bits_are_summed_in_64(tmp_path):
    """A column whose monthly values could overflow 32 bits over the grid is summed in 64 bits,
    beside the other columns of its source summed in 32; both stay exact."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)
    con.execute(
        "update intermediate.int_customer_months_work_orders set resolution_seconds = 2000000000"
        " where customer_id = 'C002'"
    )
    run_model(con)
    got = con.execute(
        "select as_of_month, resolution_seconds_12m, n_contacts_12m from got"
        " where customer_id = 'C002' order by as_of_month"
    ).fetchall()
    facts = dict(
        con.execute(
            "select month, struct_pack(s := resolution_seconds, c := n_contacts)"
            " from intermediate.int_customer_months_work_orders where customer_id = 'C002'"
        ).fetchall()
    )

    def window(as_of, field):
        year, month = map(int, as_of.split("-"))
        keys = [
            f"{(year * 12 + month - 1 - lag) // 12:04d}-{(year * 12 + month - 1 - lag) % 12 + 1:02d}"
            for lag in range(12)
        ]
        values = [facts[k][field] for k in keys if k in facts]
        return sum(values) if values else None

    assert len(got) == 16
    assert all(seconds > 2**31 for _, seconds, _ in got)
    assert got == [(m, window(m, "s"), window(m, "c")) for m, _, _ in got]


def test_attributes_are_those_in_force_at_month_end(tmp_path):
    """Each month carries the account version in force at its end, and only the customers then
    connected and not yet disconnected; the sums are those of every customer's grid."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    v = "'residential', 'north', 'R1', 'LV', 'cash', false, false, true, 5.0"
    small_warehouse(
        con,
        ONE_VERSION_EACH.replace("from range(40) as r(i)", "from range(6, 40) as r(i)")
        + f"""
        union all values
            -- C000: moved region in the middle of 2023-06
            ('C000', {v}, date '2015-01-01', null, timestamp '2021-01-01'),
            ('C000', {v.replace("north", "south")}, date '2015-01-01', null,
                timestamp '2023-06-15 10:00'),
            -- C001: a new tariff at midnight on 2023-08-01 is August's, not July's
            ('C001', {v}, date '2015-01-01', null, timestamp '2021-01-01'),
            ('C001', {v.replace("R1", "R2")}, date '2015-01-01', null, timestamp '2023-08-01'),
            -- C002: connected on 2023-09-15
            ('C002', {v}, date '2023-09-15', null, timestamp '2023-09-15'),
            -- C003: disconnected on 2024-01-31, the month's last day
            ('C003', {v}, date '2015-01-01', null, timestamp '2021-01-01'),
            ('C003', {v}, date '2015-01-01', date '2024-01-31', timestamp '2024-01-31'),
            -- C004: first extracted in 2024-02: that version stands for the months before
            ('C004', {v.replace("cash", "card")}, date '2015-01-01', null,
                timestamp '2024-02-10'),
            -- C005: no connection date (staging quarantines such a row): never active
            ('C005', {v}, null, null, timestamp '2021-01-01')""",
    )
    run_model(con)

    def months(customer, **where):
        condition = " and ".join(f"{column} = '{value}'" for column, value in where.items())
        return [
            m
            for (m,) in con.execute(
                f"select as_of_month from got where customer_id = '{customer}'"
                f" {'and ' + condition if condition else ''} order by 1"
            ).fetchall()
        ]

    all_months = [f"2023-{m:02d}" for m in range(3, 13)] + [f"2024-{m:02d}" for m in range(1, 7)]
    assert months("C000", region="north") == all_months[:3]
    assert months("C000", region="south") == all_months[3:]
    assert months("C001", tariff_code="R1") == all_months[:5]
    assert months("C001", tariff_code="R2") == all_months[5:]
    assert months("C002") == all_months[6:]
    assert months("C003") == all_months[:10]
    assert months("C004", payment_method="card") == all_months
    assert months("C005") == []
    assert months("C007") == all_months
    assert con.execute("select count(*) from got").fetchone()[0] == 612
    assert (
        con.execute(
            "select count(*) from got where connected_on is null or customer_class is null"
        ).fetchone()[0]
        == 0
    )

    # the sums do not depend on who is active, nor on how many customers a bucket holds
    sums = [f.name for f in trailing.output_schema()][3 + len(trailing.ATTRIBUTES) :]
    con.execute(
        f"create table active as select customer_id, as_of_month, {', '.join(sums)} from got"
    )
    run_model(con, bucket_customers=3)
    assert con.execute("select count(*) from got").fetchone()[0] == 612
    assert (
        con.execute(
            f"select customer_id, as_of_month, {', '.join(sums)} from got except all"
            " select * from active"
        ).fetchall()
        == []
    )
    # ... and are those of the same customer x month when every customer is always active
    with duckdb.connect(str(tmp_path / "everyone.duckdb")) as everyone:
        small_warehouse(everyone)
        run_model(everyone)
    con.execute(f"attach '{tmp_path / 'everyone.duckdb'}' as everyone (read_only)")
    assert (
        con.execute(
            f"select count(*) from (select * from active except all"
            f" select customer_id, as_of_month, {', '.join(sums)} from everyone.got)"
        ).fetchone()[0]
        == 0
    )


def test_bucket_size_is_a_whole_number_of_customers(tmp_path):
    assert windows.customers_per_bucket(None) == windows.customers_per_bucket("") == 15_625
    assert windows.customers_per_bucket("100") == windows.customers_per_bucket(100) == 100
    for bad in (0, "0", -3, 2.5, "abc", "1e3"):
        with pytest.raises(ValueError, match=r"trailing_bucket_customers.*1 or more; got"):
            windows.customers_per_bucket(bad)
    # the model refuses it before reading anything
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)
    with pytest.raises(ValueError, match="trailing_bucket_customers"):
        run_model(con, bucket_customers=0)


# ------------------------------------------------------------------ the smart-meter sums

METER_MODEL = MODEL.with_name("int_customer_trailing_12m_meter.py")
meter_spec = importlib.util.spec_from_file_location("int_customer_trailing_12m_meter", METER_MODEL)
meter = importlib.util.module_from_spec(meter_spec)
meter_spec.loader.exec_module(meter)

# meter facts of customers C000..C005 in 2022-01..2024-06, with gaps and null sums
METER_FACTS = """
    insert into intermediate.int_customer_months_meter
    select customer_id, strftime(date '2022-01-01' + to_months(m::int), '%Y-%m'),
        hash(customer_id),
        case when (i + m) % 4 = 0 then null
             else cast(((i * 17 + m * 3) % 900) * 0.1234 as decimal(38, 4)) end,
        (i + m) % 30 + 1, cast(((i + m) % 40) * 0.25 as decimal(18, 4)),
        cast((i * 5 + m) % 77 * 1.5 as decimal(38, 4)), cast(m * 0.5 as decimal(38, 4)),
        cast(i * 0.25 as decimal(38, 4)), null, cast((i + m) % 9 as decimal(38, 4)),
        20 + i % 3, cast((m % 11) * 2.0 as decimal(38, 4)), 8 + m % 2
    from customer_numbers, range(30) as r(m)
    where i < 6 and (m % 7 <> i or i = 5) and not (i = 4 and m < 25)"""


def run_meter_model(con, **config):
    run_model(con, meter, "got_meter", **config)


def test_meter_sums_match_sql_window_functions(tmp_path):
    """One row per customer x as_of_month whose window holds meter reads (customer C004's reads
    start in 2024-03: its earlier months have none), its sums those of SQL window functions."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)
    con.execute(METER_FACTS)
    summed = [c for c, _ in meter.SUMMED]
    sums = ", ".join(f"sum({c}) over w as {c}_12m" for c in summed)
    expected = con.execute(f"""
        with {GRID},
        windowed as (
            select grid.customer_id, month_key as as_of_month, {sums},
                max(f.ami_max_kw) over w as ami_max_kw, count(f.month) over w as months_read
            from grid left join intermediate.int_customer_months_meter as f
                on f.customer_id = grid.customer_id and f.month = grid.month_key
            window w as (partition by grid.customer_id order by month_index
                rows between 11 preceding and current row)
        )
        select * exclude (months_read) from windowed
        where as_of_month between '2023-03' and '2024-06' and months_read > 0
        order by customer_id, as_of_month
    """).fetchall()
    for bucket_customers in ("", 2):
        run_meter_model(con, bucket_customers=bucket_customers)
        got = con.execute(
            f"select customer_id, as_of_month, {', '.join(f'{c}_12m' for c in summed)},"
            " ami_max_kw from got_meter order by customer_id, as_of_month"
        ).fetchall()
        assert got == expected
    assert len(got) == 5 * 16 + 4  # C004: 2024-03..2024-06
    assert {row[-1] for row in got} != {None}
    # the columns are those customer_features reads, in the types of the schema
    assert [f.name for f in meter.output_schema()][3:] == [f"{c}_12m" for c in summed] + [
        "ami_max_kw"
    ]


def test_no_meter_reads_give_no_rows(tmp_path):
    """A utility without smart-meter reads (or none within reach of the run's windows): no rows,
    without reading the facts."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    small_warehouse(con)
    run_meter_model(con)
    assert con.execute("select count(*) from got_meter").fetchone()[0] == 0
    # reads of 2022-01 only: out of reach of the 12-month windows from 2023-01 on ...
    con.execute(METER_FACTS.replace("range(30)", "range(1)"))
    run_meter_model(con, min_month="2023-01")
    assert con.execute("select count(*) from got_meter").fetchone()[0] == 0
    # ... in the windows of 2022-12, for the 4 customers read then
    run_meter_model(con, min_month="2022-12", max_month="2022-12")
    assert con.execute("select count(*) from got_meter").fetchone()[0] == 4
