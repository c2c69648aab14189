"""Unit tests of the generator's pure building blocks (no files unless the unit writes one)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datagen import archetypes as A
from datagen.calendar import Window
from datagen.ids import format_ids, parse_ids
from datagen.streams import stream
from datagen.tariffs import TARIFFS, amount_due
from datagen.writer import write_frame


@given(st.integers(min_value=1, max_value=2_000_000))
def test_archetype_counts_are_exact_and_proportional(n):
    counts = A.archetype_counts(n)
    assert counts.sum() == n and (counts >= 0).all()
    assert np.all(np.abs(counts - np.asarray(A.SHARES) * n) < 1)


def test_parse_shares_orders_validates_and_normalises():
    shares = A.parse_shares(" solar_adopters = 0.5 , industrial_hv=0.496")
    assert shares == pytest.approx((0.496 / 0.996, 0, 0, 0, 0.5 / 0.996, 0, 0))
    default = ",".join(f"{n}={s}" for n, s in zip(A.ARCHETYPES, A.SHARES, strict=True))
    assert A.parse_shares(default) == A.SHARES
    for bad, message in [
        ("solar=1", "unknown archetype"),
        ("solar_adopters=0.5", "sum to 0.5"),
        ("solar_adopters=x", "not a number"),
        ("solar_adopters=nan", ">= 0"),
        ("solar_adopters", "name=share"),
    ]:
        with pytest.raises(ValueError, match=message):
            A.parse_shares(bad)


def test_categorical_draws_follow_each_rows_probabilities():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])
    rows = np.repeat([0, 1], 20_000)
    codes = A.draw_categorical(stream(1, "test"), probabilities, rows)
    first = np.bincount(codes[:20_000], minlength=3) / 20_000
    assert np.allclose(first, [0.7, 0.2, 0.1], atol=0.015)
    assert (codes[20_000:] == 2).all()


def test_per_archetype_tables_must_cover_every_archetype():
    with pytest.raises(KeyError):
        A.per_archetype({"industrial_hv": 1.0})


def test_window_month_arithmetic():
    w = Window("2023-11", 4)
    assert [w.label(i) for i in range(4)] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert w.days_in(3) == 29 and w.calendar_month(2) == 1
    assert str(w.last_day(1)) == "2023-12-31"
    assert w.month_index(
        np.array(["2023-10-31", "2024-02-29"], dtype="datetime64[D]")
    ).tolist() == [-1, 3]
    with pytest.raises(ValueError):
        Window("2023-11", 0)


@settings(max_examples=50)
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20))
def test_ids_round_trip(numbers):
    ids = format_ids("bill", np.array(numbers))
    assert ids.str.starts_with("B").all()
    assert parse_ids("bill", ids).tolist() == numbers


def test_customer_ids_are_one_based_and_padded():
    assert format_ids("customer", np.array([0, 41])).to_list() == ["C0000001", "C0000042"]


def test_streams_are_reproducible_and_independent():
    assert stream(3, "bills", 2).random() == stream(3, "bills", 2).random()
    assert stream(3, "bills", 2).random() != stream(3, "bills", 3).random()
    assert stream(3, "bills", 2).random() != stream(3, "payments", 2).random()


def test_amount_due_prices_flat_and_tou_tariffs():
    tariff = np.array([TARIFFS.index("RES-STD"), TARIFFS.index("RES-TOU"), TARIFFS.index("IND-HV")])
    parts = np.array([[0, 100.0, 0], [50.0, 30.0, 20.0], [100.0, 0, 0]])
    amount = amount_due(
        tariff,
        np.array([0, 0, 1]),
        np.array([100.0, 100.0, 100.0]),
        parts,
        np.array([np.nan, np.nan, 10.0]),
    )
    assert amount[0] == pytest.approx(100 * 0.29 + 12.0)
    assert amount[1] == pytest.approx(50 * 0.39 + 30 * 0.27 + 20 * 0.15 + 14.0)
    assert amount[2] == pytest.approx((100 * 0.17 + 480 + 10 * 9.5) * 1.04)


def test_csv_writer_formats_booleans_dates_timestamps_and_floats(tmp_path):
    frame = pl.DataFrame(
        {
            "flag": [True, False],
            "day": pl.Series(["2024-02-29", "2024-03-01"]).str.to_date(),
            "ts": pl.Series(["2024-02-29 05:06:07", "2024-03-01 00:00:00"]).str.to_datetime(),
            "x": [0.00001, 1234567.5],
            "missing": [None, 1.0],
        }
    )
    path = write_frame(frame, tmp_path / "t.csv", "csv")
    assert path.read_text().splitlines() == [
        "flag,day,ts,x,missing",
        "true,2024-02-29,2024-02-29T05:06:07,0.00001,",
        "false,2024-03-01,2024-03-01T00:00:00,1234567.5,1",
    ]
    with pytest.raises(ValueError):
        write_frame(frame, tmp_path / "t.xlsx", "xlsx")
