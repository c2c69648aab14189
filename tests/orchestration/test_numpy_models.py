"""The helpers of the dbt Python models (dbt_project/python/numpy_models.py)."""

import threading
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from numpy_models import arrow_array, pipelined


def test_decimals_and_nulls_round_trip_through_arrow():
    column = arrow_array(
        pa.decimal128(38, 3), np.array([-1234567, 0, 2**52 - 1]), np.array([True, False, True])
    )
    assert column.to_pylist() == [Decimal("-1234.567"), None, Decimal(2**52 - 1).scaleb(-3)]


def test_cents_become_decimal_18_2_and_counts_stay_integers():
    cents = np.array([-5, 0, 123456789012, -(2**52) + 1])
    assert arrow_array(pa.decimal128(18, 2), cents).to_pylist() == [
        Decimal("-0.05"),
        Decimal("0.00"),
        Decimal("1234567890.12"),
        Decimal(-(2**52) + 1).scaleb(-2),
    ]
    # a 64-bit decimal holds the same values, and DuckDB reads it as the same DECIMAL(18, 2)
    as_64 = arrow_array(pa.decimal64(18, 2), cents, np.array([True, True, False, True]))
    assert as_64.to_pylist() == [
        Decimal("-0.05"),
        Decimal("0.00"),
        None,
        Decimal(-(2**52) + 1).scaleb(-2),
    ]
    con = duckdb.connect()
    con.register("cents", pa.table({"x": as_64}))
    assert con.execute("select any_value(typeof(x)), sum(x) from cents").fetchall() == [
        ("DECIMAL(18,2)", Decimal(-(2**52) + 1).scaleb(-2) + Decimal("-0.05"))
    ]
    with pytest.raises(TypeError, match="decimal64 or decimal128 only"):
        arrow_array(pa.decimal32(9, 2), np.array([1, 2]))
    counts = arrow_array(pa.int64(), np.array([3, 0, 7], dtype=np.int32))
    assert counts.type == pa.int64() and counts.to_pylist() == [3, 0, 7]


def batch(i):
    return pa.record_batch([pa.array([i])], names=["part"])


def test_pipelined_yields_the_parts_in_order_and_skips_empty_ones():
    threads, cleaned = set(), []

    def compute(i):
        threads.add(threading.get_ident())
        return None if i % 3 == 1 else batch(i)

    parts = [b["part"][0].as_py() for b in pipelined(compute, 8, lambda: cleaned.append(True))]
    assert parts == [0, 2, 3, 5, 6]
    assert cleaned == [True]
    # computed off the consuming thread
    assert threading.get_ident() not in threads
    assert list(pipelined(compute, 0)) == []


def test_pipelined_cleans_up_when_a_part_fails_or_the_reader_stops():
    cleaned = []

    def failing(i):
        if i == 2:
            raise ValueError("part 2 is bad")
        return batch(i)

    with pytest.raises(ValueError, match="part 2 is bad"):
        list(pipelined(failing, 5, lambda: cleaned.append("failed")))
    stopped = pipelined(batch, 5, lambda: cleaned.append("stopped"))
    next(stopped)
    stopped.close()
    assert cleaned == ["failed", "stopped"]
