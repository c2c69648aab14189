"""Strategy playbook: rule order, conditions, segment traits, defaults, validation."""

import polars as pl
import pytest

from ml.pipeline import load_config
from ml.strategies import fitting_segment_strategies, recommend_strategies

BASE = {
    "segment_id": "S01",
    "value_tier": "medium",
    "value_level": "medium",
    "satisfaction_level": "high",
    "credit_rating": "A",
    "has_solar": False,
    "customer_class": "residential",
    "kwh_avg_month": 400.0,
}
TRAITS = {"S01": {"n_contacts_call_center": 100.0}, "S02": {"n_contacts_call_center": 180.0}}


def recommend(config, *changes: dict) -> list[str]:
    frame = pl.DataFrame([BASE | c for c in changes])
    return recommend_strategies(frame, TRAITS, config["strategies"]).to_list()


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, "standard_service"),
        ({"value_tier": "VIP", "value_level": "high"}, "dedicated_account_manager"),
        ({"value_tier": "high", "customer_class": "industrial"}, "large_account_programme"),
        ({"value_level": "high", "satisfaction_level": "low"}, "service_recovery"),
        ({"credit_rating": "D"}, "payment_arrangement_budget_billing"),
        ({"has_solar": True}, "solar_storage_advisory"),
        ({"kwh_avg_month": 900.0}, "energy_efficiency_programme"),  # min is inclusive
        ({"kwh_avg_month": 1500.0, "customer_class": "commercial"}, "standard_service"),
        ({"segment_id": "S02"}, "digital_self_service"),  # segment trait index 180 >= 150
    ],
)
def test_each_rule_of_the_default_playbook(config, changes, expected):
    assert recommend(config, changes) == [expected]


def test_first_matching_rule_wins(config):
    vip_in_arrears = {"value_tier": "VIP", "credit_rating": "D", "has_solar": True}
    assert recommend(config, vip_in_arrears) == ["dedicated_account_manager"]


def test_every_customer_gets_exactly_one_strategy_in_row_order(config):
    rows = [{}, {"credit_rating": "C"}, {"segment_id": "S09"}, {"has_solar": None}]
    out = recommend(config, *rows)
    assert out == [
        "standard_service",
        "payment_arrangement_budget_billing",
        "standard_service",
        "standard_service",
    ]


def test_a_playbook_of_only_the_default_rule_gives_it_to_every_customer(config):
    only_default = {**config["strategies"], "rules": config["strategies"]["rules"][-1:]}
    frame = pl.DataFrame([BASE, BASE | {"credit_rating": "D"}, BASE | {"has_solar": True}])
    out = recommend_strategies(frame, TRAITS, only_default).to_list()
    assert out == [only_default["rules"][0]["strategy"]] * 3


def test_playbook_validation(config):
    unknown = load_config(
        {
            "strategies": {
                "rules": [
                    {"strategy": "standard_service", "when": {"no_such_column": [1]}},
                    {"strategy": "standard_service", "when": {}},
                ]
            }
        }
    )
    with pytest.raises(ValueError, match="unknown field 'no_such_column'"):
        recommend(unknown, {})
    no_default = load_config(
        {"strategies": {"rules": [{"strategy": "standard_service", "when": {"value_tier": ["x"]}}]}}
    )
    with pytest.raises(ValueError, match="without conditions"):
        recommend(no_default, {})
    undescribed = load_config({"strategies": {"rules": [{"strategy": "free_beer", "when": {}}]}})
    with pytest.raises(ValueError, match="free_beer"):
        recommend(undescribed, {})


def test_segment_strategy_is_the_most_common_that_fits_with_ties_to_rule_order(config):
    customers = pl.DataFrame(
        {
            "as_of_month": "2024-06",
            "segment_id": ["S01"] * 3 + ["S02"] * 2 + ["S03"] * 5,
            "recommended_strategy": [
                "standard_service",
                "solar_storage_advisory",
                "solar_storage_advisory",
                "standard_service",
                "solar_storage_advisory",
                # farms: most are just under a credit cut, but the segment pays on time
                *["payment_arrangement_budget_billing"] * 3,
                *["digital_self_service"] * 2,
            ],
        }
    )
    profiles = pl.DataFrame(
        {
            "as_of_month": "2024-06",
            "segment_id": ["S01", "S02", "S03"],
            "on_time_payment_ratio_index": [100.0, 40.0, 92.0],
            "value_score_index": [100.0, 100.0, 100.0],
        }
    )
    got = fitting_segment_strategies(customers, profiles, config["strategies"])
    assert dict(got.select("segment_id", "strategy").iter_rows()) == {
        "S01": "solar_storage_advisory",
        "S02": "solar_storage_advisory",  # a tie: the rule that comes first
        "S03": "digital_self_service",  # pays on time (index 92): no payment arrangement
    }
    late = profiles.with_columns(pl.lit(60.0).alias("on_time_payment_ratio_index"))
    got = fitting_segment_strategies(customers, late, config["strategies"])
    assert got.filter(pl.col("segment_id") == "S03")["strategy"][0] == (
        "payment_arrangement_budget_billing"
    )
