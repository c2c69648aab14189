"""The service action list: capacity per action, each customer once, the contact period, the
score and deterministic ties; and the reliability and arrears signals behind two actions."""

import polars as pl
import pytest

from ml.services import customer_signals, load_services_config, service_actions
from ml.services.actions import RECENT_SCHEMA, candidates, lookback_months
from tests.ml.services_frames import billing, features, outages

# the reliability thresholds these tests are written for
CONFIG = load_services_config(
    {"reliability": {"min_interruptions": 3, "min_long_interruptions": 1}}
)


NONE = pl.DataFrame(schema=RECENT_SCHEMA)  # no earlier lists


def recent_rows(rows: list[tuple]) -> pl.DataFrame:
    """(customer_id, action, months_ago) of the earlier lists."""
    return pl.DataFrame(rows, schema=RECENT_SCHEMA, orient="row")


def with_capacity(**capacity) -> dict:
    actions = {a: {"capacity": n} for a, n in capacity.items()}
    return load_services_config({"service_actions": {"actions": actions}})


def month_signals(rows: list[dict], outage_rows=(), risk=None) -> pl.DataFrame:
    frame = features(*rows)
    risk_frame = None
    if risk is not None:
        risk_frame = pl.DataFrame(
            {"customer_id": list(risk), "arrears_risk": list(risk.values())}
        ).with_columns(arrears_risk_model_version=pl.lit("r1"))
    signals = customer_signals(frame, billing([]), outages(outage_rows), risk_frame, CONFIG)
    return signals.join(
        frame.select("customer_id", "revenue_avg_month", "revenue_12m"), on="customer_id"
    ).with_columns(segment_id=pl.lit("S01"))


def tariff_customers(n: int) -> list[dict]:
    """Customers on RES-STD with tariff advice only (RES-TIER saves over 5% below ~390 kWh a
    month); their savings differ with their kWh."""
    return [{"customer_id": f"c{i:02d}", "kwh_avg_month": 300.0 + 10 * i} for i in range(n)]


def test_capacity_caps_an_action_and_ranks_by_score():
    signals = month_signals(tariff_customers(5))
    actions = service_actions(signals, NONE, with_capacity(tariff_switch=3))
    assert actions["action"].to_list() == ["tariff_switch"] * 3
    assert actions["action_rank"].to_list() == [1, 2, 3]
    scores = actions["priority_score"].to_list()
    assert scores == sorted(scores, reverse=True)
    best = signals.sort("tariff_saving", descending=True)["customer_id"][:3].to_list()
    assert actions["customer_id"].to_list() == best


def test_recently_contacted_customers_are_skipped():
    signals = month_signals(tariff_customers(5))
    top = service_actions(signals, NONE, with_capacity(tariff_switch=3))["customer_id"].to_list()
    recent = recent_rows([(c, "tariff_switch", 2) for c in top[:2]])
    again = service_actions(signals, recent, with_capacity(tariff_switch=3))
    assert not set(again["customer_id"]) & set(top[:2])
    assert again.height == 3


def test_each_customer_gets_one_action_and_a_full_action_passes_to_the_next():
    """c00 and c01 both have tariff advice and a reliability warning. The tariff saving at
    300 kWh a month: RES-STD 144 + 3,600 x 0.29 = 1,188 against RES-TIER 144 + 12 x (200 x
    0.24 + 100 x 0.31) = 1,092, so 96.00; the outage contact scores revenue_12m 1,800 x 0.05 =
    90.00. c00 (first on the tie) takes the one tariff_switch; c01 finds it full and takes
    the outage contact."""
    rows = [{"customer_id": "c00"}, {"customer_id": "c01"}]
    rows = [{**r, "kwh_avg_month": 300.0} for r in rows]
    outage_rows = [(c, "2025-03", 3, 0, 0, 90) for c in ("c00", "c01")]
    signals = month_signals(rows, outage_rows)
    assert signals["tariff_saving"].to_list() == pytest.approx([96.0, 96.0])
    config = with_capacity(tariff_switch=1, outage_contact=5)
    actions = service_actions(signals, NONE, config).sort("customer_id")
    assert actions.select("customer_id", "action").rows() == [
        ("c00", "tariff_switch"),
        ("c01", "outage_contact"),
    ]
    assert actions["reason"].str.contains("3 unplanned power interruptions").to_list() == [
        False,
        True,
    ]


def test_ties_break_on_customer_id_and_the_list_is_the_same_every_time():
    rows = [{"customer_id": c, "kwh_avg_month": 300.0} for c in ("c09", "c03", "c05")]
    signals = month_signals(rows)
    first = service_actions(signals, NONE, with_capacity(tariff_switch=2))
    assert first["customer_id"].to_list() == ["c03", "c05"]
    shuffled = service_actions(signals.reverse(), NONE, with_capacity(tariff_switch=2))
    assert first.equals(shuffled)


def test_payment_arrangement_scores_risk_times_the_bill_at_risk():
    """risk 0.5 x 150 a month x 3 months = 225.00; risk 0.2 is under min_risk 0.3."""
    rows = [{"customer_id": c, "months_billed": 3} for c in ("c01", "c02", "c03")]
    signals = month_signals(rows, risk={"c01": 0.5, "c02": 0.2})
    assert signals["arrears_warning"].to_list() == [True, False, False]
    assert "50% chance" in signals["arrears_reason"][0]
    assert signals["arrears_risk"].to_list() == [0.5, 0.2, None]
    actions = service_actions(signals, NONE, CONFIG)
    assert actions.select("customer_id", "action", "priority_score").rows() == [
        ("c01", "payment_arrangement", 225.0)
    ]


def test_reliability_counts_unplanned_and_long_interruptions_of_the_window():
    outage_rows = [
        ("c01", "2025-01", 2, 1, 0, 60),  # 1 unplanned
        ("c01", "2025-03", 1, 0, 0, 30),  # 2 unplanned in all: no warning
        ("c02", "2025-02", 1, 0, 1, 300),  # one over 4 hours: warning
    ]
    signals = month_signals([{"customer_id": "c01"}, {"customer_id": "c02"}], outage_rows)
    assert signals["n_interruptions_window"].to_list() == [2, 1]
    assert signals["reliability_warning"].to_list() == [False, True]
    assert "300 minutes" in signals["reliability_reason"][1]


def test_a_zero_capacity_action_is_never_taken():
    signals = month_signals(tariff_customers(3))
    assert service_actions(signals, NONE, with_capacity(tariff_switch=0)).height == 0
    assert candidates(signals, CONFIG).height == 3


def test_an_offer_is_not_repeated_within_its_repeat_period():
    """tariff_switch repeats after 12 months: offered 4 months ago (after the 3-month contact
    period), c00 is not offered it again but may get its outage contact; c01, offered it 12
    months ago, may have it again."""
    rows = [{"customer_id": c, "kwh_avg_month": 300.0} for c in ("c00", "c01")]
    outage_rows = [(c, "2025-03", 3, 0, 0, 90) for c in ("c00", "c01")]
    signals = month_signals(rows, outage_rows)
    recent = recent_rows([("c00", "tariff_switch", 4), ("c01", "tariff_switch", 12)])
    actions = service_actions(signals, recent, CONFIG).sort("customer_id")
    assert actions.select("customer_id", "action").rows() == [
        ("c00", "outage_contact"),
        ("c01", "tariff_switch"),
    ]
    assert lookback_months(CONFIG) == 11
