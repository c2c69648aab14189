"""The high-bill alert on its edge cases: the first year, zero bills, estimated reads, the
level scale, two bills in a month, small bills."""

import pytest

from ml.services import load_services_config
from ml.services.high_bill import high_bill_signals
from tests.ml.services_frames import billing, features

CONFIG = load_services_config()["high_bill"]


def signal(rows, config=CONFIG, customer="c01") -> dict:
    frame = high_bill_signals(features({"customer_id": customer}), billing(rows), config)
    return frame.row(0, named=True)


def steady(last_year: float, actual: float, estimated: int = 0) -> list[tuple]:
    """A bill of 100 in the 3 months before and the same 3 a year earlier (scale 1)."""
    flat = [("c01", m, 100.0) for m in (1, 2, 3, 13, 14, 15)]
    return [*flat, ("c01", 12, last_year), ("c01", 0, actual, estimated)]


def test_a_bill_30_percent_above_the_expected_one_alerts_with_its_figures():
    row = signal(steady(last_year=150.0, actual=195.0))
    assert row["bill_expected"] == pytest.approx(150.0)
    assert row["bill_increase_pct"] == pytest.approx(30.0)
    assert row["high_bill_status"] == "alert" and row["high_bill_alert"]
    assert "195.00" in row["high_bill_reason"] and "150.00" in row["high_bill_reason"]
    assert "30%" in row["high_bill_reason"]


def test_just_below_the_threshold_is_normal_without_a_reason():
    row = signal(steady(last_year=150.0, actual=194.0))
    assert row["high_bill_status"] == "normal" and not row["high_bill_alert"]
    assert row["high_bill_reason"] is None


def test_the_first_year_has_no_expected_bill_and_no_alert():
    """No bill in the same month a year earlier: insufficient_history, whatever this month."""
    row = signal([("c01", 0, 900.0), ("c01", 1, 100.0), ("c01", 2, 100.0)])
    assert row["high_bill_status"] == "insufficient_history"
    assert row["bill_expected"] is None and row["bill_increase_pct"] is None
    assert not row["high_bill_alert"] and row["high_bill_reason"] is None


def test_no_bill_this_month():
    row = signal([("c01", 12, 100.0)])
    assert row["high_bill_status"] == "no_bill" and not row["high_bill_alert"]


def test_a_zero_bill_a_year_ago_gives_an_expected_zero_and_no_division():
    row = signal(steady(last_year=0.0, actual=250.0))
    assert row["bill_expected"] == 0.0
    assert row["bill_increase_pct"] is None
    assert row["high_bill_status"] == "expected_not_positive" and not row["high_bill_alert"]


def test_zero_bills_everywhere_are_quiet():
    rows = [("c01", m, 0.0) for m in (0, 1, 2, 3, 12, 13, 14, 15)]
    row = signal(rows)
    assert row["bill_expected"] == 0.0 and row["bill_level_scale"] == 1.0
    assert row["high_bill_status"] == "expected_not_positive"


def test_a_zero_bill_this_month_is_normal():
    assert signal(steady(last_year=150.0, actual=0.0))["high_bill_status"] == "normal"


def test_an_estimated_read_is_suppressed_by_default():
    row = signal(steady(last_year=150.0, actual=300.0, estimated=1))
    assert row["bill_is_estimated"]
    assert row["high_bill_status"] == "estimated_read" and not row["high_bill_alert"]
    assert row["high_bill_reason"] is None


def test_an_estimated_read_alerts_and_says_so_when_configured():
    config = load_services_config({"high_bill": {"alert_on_estimated": True}})["high_bill"]
    row = signal(steady(last_year=150.0, actual=300.0, estimated=1), config)
    assert row["high_bill_alert"] and "estimated meter read" in row["high_bill_reason"]


def test_an_estimated_read_without_a_rise_is_normal():
    assert signal(steady(150.0, 160.0, estimated=1))["high_bill_status"] == "normal"


def test_the_recent_level_scales_the_expected_bill_and_is_clipped():
    """Recent months 120 against 100 a year earlier: x1.2, so 150 a year ago expects 180."""
    rows = [("c01", m, 120.0) for m in (1, 2, 3)] + [("c01", m, 100.0) for m in (13, 14, 15)]
    row = signal([*rows, ("c01", 12, 150.0), ("c01", 0, 200.0)])
    assert row["bill_level_scale"] == pytest.approx(1.2)
    assert row["bill_expected"] == pytest.approx(180.0)
    assert not row["high_bill_alert"]  # 11% above
    tripled = [("c01", m, 300.0) for m in (1, 2, 3)] + [("c01", m, 100.0) for m in (13, 14, 15)]
    row = signal([*tripled, ("c01", 12, 100.0), ("c01", 0, 300.0)])
    assert row["bill_level_scale"] == CONFIG["max_scale"]
    assert row["bill_expected"] == pytest.approx(150.0) and row["high_bill_alert"]


def test_only_months_billed_in_both_years_set_the_level():
    """Month 2 has no year-earlier bill: the scale comes from months 1 and 3 only."""
    rows = [("c01", 1, 110.0), ("c01", 2, 500.0), ("c01", 3, 110.0), ("c01", 13, 100.0)]
    row = signal([*rows, ("c01", 15, 100.0), ("c01", 12, 100.0), ("c01", 0, 100.0)])
    assert row["bill_level_scale"] == pytest.approx(1.1)


def test_two_bills_in_a_month_count_as_their_mean():
    frame = billing(steady(last_year=100.0, actual=0.0)).with_columns()
    frame = frame.with_columns(
        amount_billed=frame["amount_billed"].scatter(7, 220.0),
        n_bills=frame["n_bills"].scatter(7, 2),
    )
    row = high_bill_signals(features({}), frame, CONFIG).row(0, named=True)
    assert row["bill_actual"] == pytest.approx(110.0) and not row["high_bill_alert"]


def test_a_small_bill_needs_the_minimum_increase_amount_too():
    """12 -> 24 is +100% but only 12.00 more: below min_increase_amount (20)."""
    rows = [("c01", m, 12.0) for m in (1, 2, 3, 13, 14, 15)]
    row = signal([*rows, ("c01", 12, 12.0), ("c01", 0, 24.0)])
    assert row["bill_increase_pct"] == pytest.approx(100.0)
    assert row["high_bill_status"] == "normal"
