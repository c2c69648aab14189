"""Generated segment names from the phrase table."""

import numpy as np
import polars as pl
import pytest

from ml.naming import compose_name, segment_name
from ml.profiles import class_relative_z, profile_table


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


def _households_beside_meters(heavy_kwh: float) -> pl.DataFrame:
    """Two household segments (267 kWh and `heavy_kwh` a month) beside commercial meters of
    7,000 kWh; a little seeded noise."""
    rng = np.random.default_rng(3)
    groups = [("H1", "residential", 267.0, 120), ("H2", "residential", heavy_kwh, 120)]
    groups.append(("C1", "commercial", 7_000.0, 100))
    return pl.DataFrame(
        {
            "segment_id": [sid for sid, _, _, n in groups for _ in range(n)],
            "customer_class": [cls for _, cls, _, n in groups for _ in range(n)],
            "kwh_avg_month": np.concatenate(
                [rng.normal(kwh, kwh * 0.1, n) for _, _, kwh, n in groups]
            ),
        }
    )


def test_level_words_compare_a_segment_with_its_own_class(naming):
    """Against the population, both household segments sit far below the meters ("low-usage")
    and the meters far above ("high-usage"); against their own class, the 267 kWh households
    are typical households, and the meters typical meters."""
    frame = _households_beside_meters(heavy_kwh=280.0)
    z = class_relative_z(frame, ["kwh_avg_month"], "customer_class", 0.05)
    for sid in ("H1", "C1"):
        name = segment_name(z[sid], naming)
        assert "usage" not in name.lower(), (sid, z[sid], name)
    profile_config = {"traits": ["kwh_avg_month"], "attribute_shares": {}, "top_n": 1}
    table = profile_table(frame.with_columns(as_of_month=pl.lit("2024-06")), profile_config, True)
    population = dict(table.select("segment_id", "kwh_avg_month_z").iter_rows())
    assert segment_name({"kwh_avg_month": population["H1"]}, naming).startswith("Low-usage")
    assert segment_name({"kwh_avg_month": population["C1"]}, naming).startswith("High-usage")


def test_heavy_households_are_high_usage_among_households(naming):
    """900 kWh households are "high-usage" against households, though far below the meters
    (and 267 kWh households beside them "low-usage"); the class is the segment's most common."""
    frame = _households_beside_meters(heavy_kwh=900.0)
    z = class_relative_z(frame, ["kwh_avg_month"], "customer_class", 0.05)
    assert segment_name(z["H2"], naming).startswith("High-usage")
    assert segment_name(z["H1"], naming).startswith("Low-usage")
    assert abs(z["C1"]["kwh_avg_month"]) < 0.5
