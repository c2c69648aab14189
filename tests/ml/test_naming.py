"""Generated segment names from the phrase table."""

import pytest

from ml.naming import compose_name, segment_name


@pytest.fixture(scope="module")
def naming(config):
    return config["naming"]


def test_names_follow_the_slot_grammar(naming):
    z = {"kwh_avg_month": 2.0, "share_industrial": 2.5, "on_time_payment_ratio": 0.9}
    assert segment_name(z, naming) == "High-usage industrial, punctual payers"
    z = {"share_cash_payers": 3.0, "arrears_over_60d": 2.5, "n_contacts_call_center": 2.0}
    assert segment_name(z, naming) == "Cash payers in arrears, frequent callers"
    z = {"share_solar": 3.0, "n_contacts_digital": 1.5}
    assert segment_name(z, naming) == "Solar prosumers, digital-first"


def test_low_phrases_and_default_noun(naming):
    assert segment_name({"tenure_months": -1.2, "kwh_avg_month": -0.8}, naming) == (
        "New low-usage customers"
    )


def test_weak_traits_give_the_fallback_name(naming):
    assert segment_name({"kwh_avg_month": 0.2, "share_solar": -0.3}, naming) == (
        "Typical customers"
    )


def test_only_the_strongest_noun_is_used(naming):
    z = {"share_solar": 3.0, "share_cash_payers": 2.0}
    assert segment_name(z, naming) == "Solar prosumers"


def test_taken_name_gets_the_next_phrase_then_the_id(naming):
    z = {"share_solar": 3.0, "n_contacts_digital": 1.5, "kwh_volatility": 1.0, "n_complaints": 0.8}
    first = segment_name(z, naming)
    second = segment_name(z, naming, taken=[first])
    third = segment_name(z, naming, taken=[first, second], segment_id="S07")
    assert first == "Irregular-load solar prosumers, digital-first"
    assert second == "Irregular-load solar prosumers, digital-first, complaint-prone"
    assert third == "Irregular-load solar prosumers, digital-first (S07)"
    assert len({first, second, third}) == 3


def test_unknown_slot_is_refused(naming):
    with pytest.raises(ValueError, match="slots"):
        compose_name([("verb", "runs")], naming)
