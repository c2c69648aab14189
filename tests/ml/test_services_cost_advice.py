"""Cost advice on hand-worked tariff examples (prices of ml/config/services.yaml)."""

import pytest

from ml.services import load_services_config
from ml.services.cost_advice import cost_advice
from tests.ml.services_frames import features

CONFIG = load_services_config()["cost_advice"]


def advice(**row) -> dict:
    return cost_advice(features(row), CONFIG).row(0, named=True)


def test_a_residential_customer_priced_by_hand():
    """500 kWh a month over 12 billed months: 6,000 kWh a year; 30% peak, 40% off-peak, so
    1,800 peak, 2,400 off-peak and 1,800 shoulder kWh.

    RES-STD  = 12 x 12.00 + 6,000 x 0.29                                 = 144 + 1,740 = 1,884.00
    RES-TOU  = 12 x 14.00 + 1,800 x 0.39 + 1,800 x 0.27 + 2,400 x 0.15
             = 168 + 702 + 486 + 360                                                  = 1,716.00
    RES-TIER = 12 x 12.00 + 12 x (200 x 0.24 + 300 x 0.31) = 144 + 12 x (48 + 93)
             = 144 + 1,692                                                            = 1,836.00
    Best RES-TOU; against the current RES-STD it saves 168.00 a year (8.9% of 1,884)."""
    row = advice(kwh_avg_month=500.0, tou_peak_share=0.30, tou_offpeak_share=0.40)
    assert row["annual_kwh"] == pytest.approx(6000.0)
    costs = {c["tariff_code"]: c["yearly_cost"] for c in row["tariff_costs"]}
    assert costs == pytest.approx({"RES-STD": 1884.0, "RES-TOU": 1716.0, "RES-TIER": 1836.0})
    assert [c["tariff_code"] for c in row["tariff_costs"]] == ["RES-TOU", "RES-TIER", "RES-STD"]
    assert row["current_tariff_cost"] == pytest.approx(1884.0)
    assert (row["best_tariff"], row["best_tariff_cost"]) == ("RES-TOU", pytest.approx(1716.0))
    assert row["tariff_compared_to"] == "RES-STD"
    assert row["tariff_saving"] == pytest.approx(168.0)
    assert row["tariff_advice"]
    reason = row["tariff_reason"]
    assert "RES-TOU" in reason and "1,716.00" in reason and "1,884.00" in reason
    assert "168.00 (9%)" in reason


def test_a_small_user_saves_on_the_tiered_tariff():
    """300 kWh a month, no TOU split: RES-STD = 144 + 3,600 x 0.29 = 1,188.00; RES-TIER = 144
    + 12 x (200 x 0.24 + 100 x 0.31) = 144 + 948 = 1,092.00: 96.00 (8.1%) less a year."""
    row = advice(kwh_avg_month=300.0)
    assert (row["best_tariff"], row["tariff_saving"]) == ("RES-TIER", pytest.approx(96.0))
    assert row["tariff_advice"] and "96.00 (8%)" in row["tariff_reason"]


def test_without_a_tou_split_the_tou_tariff_is_left_out():
    row = advice(kwh_avg_month=500.0)
    assert {c["tariff_code"] for c in row["tariff_costs"]} == {"RES-STD", "RES-TIER"}


def test_a_heavy_user_is_cheapest_on_the_flat_tariff_and_gets_no_advice():
    """1,500 kWh a month on RES-STD: 144 + 18,000 x 0.29 = 5,364.00; RES-TIER = 144 + 12 x
    (48 + 93 + 1,000 x 0.38 = 521) = 6,396.00: the current tariff is the best."""
    row = advice(kwh_avg_month=1500.0)
    assert row["best_tariff"] == "RES-STD" and row["tariff_saving"] == 0.0
    assert not row["tariff_advice"] and row["tariff_reason"] is None


def test_an_industrial_customer_pays_a_demand_charge():
    """100,000 kWh a month, 30% peak, 40% off-peak, 200 kW: energy 360,000 x 0.17 +
    360,000 x 0.12 + 480,000 x 0.075 = 61,200 + 43,200 + 36,000 = 140,400; standing
    12 x 480 = 5,760; demand 12 x 9.5 x 200 = 22,800; in all 168,960.00."""
    row = advice(
        customer_class="industrial",
        tariff_code="IND-HV",
        kwh_avg_month=100_000.0,
        tou_peak_share=0.3,
        tou_offpeak_share=0.4,
        max_demand_kw=200.0,
    )
    assert row["tariff_costs"] == [
        {"tariff_code": "IND-HV", "yearly_cost": pytest.approx(168960.0)}
    ]
    assert not row["tariff_advice"]


def test_an_unknown_current_tariff_is_compared_with_the_class_default():
    """COM-OLD is not in the table: the saving is against COM-TOU, the commercial default.
    2,000 kWh a month, 70% peak, 10% off-peak: COM-TOU = 456 + 16,800 x 0.34 + 4,800 x 0.24
    + 2,400 x 0.14 = 456 + 5,712 + 1,152 + 336 = 7,656.00; COM-STD = 360 + 24,000 x 0.30 =
    7,560.00: 96.00 less (1.3%), under min_saving_pct: no advice."""
    row = advice(
        customer_class="commercial",
        tariff_code="COM-OLD",
        kwh_avg_month=2000.0,
        tou_peak_share=0.7,
        tou_offpeak_share=0.1,
    )
    assert row["current_tariff_cost"] is None
    assert row["tariff_compared_to"] == "COM-TOU"
    assert row["best_tariff"] == "COM-STD" and row["tariff_saving"] == pytest.approx(96.0)
    assert not row["tariff_advice"]


def test_too_short_a_history_prices_nothing():
    row = advice(months_billed=5)
    assert row["annual_kwh"] is None and row["tariff_costs"] is None
    assert not row["tariff_advice"] and not row["solar_candidate"]


def test_solar_and_storage_candidates():
    """7,200 kWh a year, 40% peak, 25% off-peak (75% daytime), no solar: both candidates."""
    row = advice(kwh_avg_month=600.0, tou_peak_share=0.4, tou_offpeak_share=0.25)
    assert row["solar_candidate"] and row["storage_candidate"]
    assert "7,200 kWh" in row["solar_reason"] and "75%" in row["solar_reason"]
    assert "40%" in row["storage_reason"]
    owner = advice(kwh_avg_month=600.0, tou_peak_share=0.4, tou_offpeak_share=0.25, has_solar=True)
    assert not owner["solar_candidate"] and owner["storage_candidate"]
    exporter = advice(kwh_avg_month=600.0, tou_offpeak_share=0.25, net_export_months=2)
    assert not exporter["solar_candidate"]
    small = advice(kwh_avg_month=200.0, tou_peak_share=0.4, tou_offpeak_share=0.25)
    assert not small["solar_candidate"] and not small["storage_candidate"]
    assert small["solar_reason"] is None and small["storage_reason"] is None


def test_a_flat_lv_tariff_is_not_open_to_an_mv_connection():
    row = advice(
        customer_class="commercial",
        voltage_level="MV",
        tariff_code="COM-TOU",
        kwh_avg_month=2000.0,
        tou_peak_share=0.7,
        tou_offpeak_share=0.1,
    )
    assert [c["tariff_code"] for c in row["tariff_costs"]] == ["COM-TOU"]
