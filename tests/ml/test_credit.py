"""Credit rating rules A-D: exact boundaries, nulls, new customers."""

import polars as pl
import pytest

from ml.credit import credit_ratings
from ml.pipeline import load_config

GOOD = {
    "on_time_payment_ratio": 1.0,
    "avg_days_late": 0.0,
    "arrears_over_60d": 0.0,
    "n_bounced_payments": 0,
    "n_disconnections_nonpayment": 0,
}


def rate(config, **changes) -> str:
    row = GOOD | changes
    df = pl.DataFrame(
        {k: [v] for k, v in row.items()}, schema_overrides={k: pl.Float64 for k in GOOD}
    )
    return credit_ratings(df, config["credit"])[0]


def test_punctual_payer_is_a(config):
    assert rate(config) == "A"


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"on_time_payment_ratio": 0.95}, "A"),  # B needs < 0.95
        ({"on_time_payment_ratio": 0.9499}, "B"),
        ({"on_time_payment_ratio": 0.8}, "B"),  # C needs < 0.8
        ({"on_time_payment_ratio": 0.7999}, "C"),
        ({"on_time_payment_ratio": 0.5}, "C"),  # D needs < 0.5
        ({"on_time_payment_ratio": 0.4999}, "D"),
        ({"avg_days_late": 5.0}, "A"),  # B needs > 5
        ({"avg_days_late": 5.01}, "B"),
        ({"avg_days_late": 15.0}, "B"),  # C needs > 15
        ({"avg_days_late": 15.01}, "C"),
        ({"arrears_over_60d": 0.01}, "C"),
        ({"arrears_over_60d": 999.99}, "C"),
        ({"arrears_over_60d": 1000.0}, "D"),
        ({"n_bounced_payments": 1}, "B"),
        ({"n_bounced_payments": 2}, "C"),
        ({"n_disconnections_nonpayment": 1}, "D"),
    ],
)
def test_exact_boundaries(config, changes, expected):
    assert rate(config, **changes) == expected


def test_worst_rating_wins_when_several_rules_fire(config):
    assert rate(config, n_bounced_payments=1, arrears_over_60d=5000.0) == "D"


def test_new_customer_without_bills_gets_no_history_rating(config):
    nothing = {k: None for k in GOOD}
    assert rate(config, **nothing) == "B"


def test_new_customer_with_negative_evidence_is_rated_on_it(config):
    assert rate(config, on_time_payment_ratio=None, n_disconnections_nonpayment=1) == "D"
    assert rate(config, on_time_payment_ratio=None, n_bounced_payments=2) == "C"


def test_null_values_never_trigger_a_rule(config):
    assert rate(config, avg_days_late=None, arrears_over_60d=None) == "A"


def test_no_history_rating_is_configurable():
    config = load_config({"credit": {"no_history_rating": "C"}})
    assert rate(config, on_time_payment_ratio=None) == "C"


def test_thresholds_are_configurable():
    config = load_config({"credit": {"ratings": {"B": [["avg_days_late", ">", 1]]}}})
    assert rate(config, avg_days_late=2.0) == "B"
    assert rate(config, on_time_payment_ratio=0.9) == "A"  # B rule replaced
