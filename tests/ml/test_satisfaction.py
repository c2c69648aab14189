"""Satisfaction index formula and the value x satisfaction grid."""

import polars as pl
import pytest

from ml.pipeline import load_config
from ml.satisfaction import satisfaction_scores, value_satisfaction_cell

EVENTS = [
    "n_complaints",
    "n_billing_disputes",
    "n_interruptions",
    "interruption_minutes",
    "n_long_interruptions",
    "mean_resolution_hours",
]


def frame(**columns) -> pl.DataFrame:
    """One customer; unspecified events are 0 and the survey is missing."""
    row = {c: 0.0 for c in EVENTS} | {"survey_satisfaction": None} | columns
    return pl.DataFrame(
        {k: [v] for k, v in row.items()}, schema_overrides={"survey_satisfaction": pl.Float64}
    )


def score(config, **columns) -> float:
    return satisfaction_scores(frame(**columns), config["satisfaction"])[0]


def test_no_events_and_no_survey_is_fully_satisfied(config):
    assert score(config) == 100.0


def test_survey_blends_half_and_half_with_experience(config):
    assert score(config, survey_satisfaction=5.0) == 100.0
    assert score(config, survey_satisfaction=1.0) == 50.0
    assert score(config, survey_satisfaction=3.0, n_complaints=3) == pytest.approx(
        0.5 * 50 + 0.5 * 75
    )


def test_penalty_is_weight_times_capped_ratio(config):
    assert score(config, n_complaints=3) == pytest.approx(75.0)  # weight 0.25 at cap 3
    assert score(config, n_complaints=30) == pytest.approx(75.0)  # capped
    assert score(config, n_billing_disputes=1) == pytest.approx(100 - 15 * 0.5)
    assert score(config, interruption_minutes=720) == pytest.approx(100 - 15 * 0.5)


def test_worst_case_is_zero(config):
    worst = {c: 1e6 for c in EVENTS}
    assert score(config, survey_satisfaction=1.0, **worst) == 0.0


def test_null_events_count_as_none_happened(config):
    nulls = {c: None for c in EVENTS}
    df = pl.DataFrame({**{c: [None] for c in EVENTS}, "survey_satisfaction": [None]})
    assert satisfaction_scores(df, config["satisfaction"])[0] == 100.0
    assert score(config, **{**nulls, "n_complaints": 3}) == pytest.approx(75.0)


def test_weights_must_sum_to_one(config):
    bad = load_config({"satisfaction": {"experience": {"n_complaints": {"weight": 0.9}}}})
    with pytest.raises(ValueError, match="sum to 1"):
        satisfaction_scores(frame(), bad["satisfaction"])


@pytest.mark.parametrize(
    "tier, score_, cell",
    [
        ("VIP", 49.99, "high value / low satisfaction: retain urgently"),
        ("high", 50.0, "high value / medium satisfaction: deepen the relationship"),
        ("medium", 74.99, "medium value / medium satisfaction: develop"),
        ("medium", 75.0, "medium value / high satisfaction: grow share of wallet"),
        ("low", 0.0, "low value / low satisfaction: low-cost service recovery"),
        ("low", 100.0, "low value / high satisfaction: keep cost to serve low"),
    ],
)
def test_3x3_grid_cells_at_boundaries(config, tier, score_, cell):
    scored = pl.DataFrame({"value_tier": [tier], "satisfaction_score": [score_]})
    assert value_satisfaction_cell(scored, config["satisfaction"])[0] == cell


def test_2x2_grid_from_config():
    config = load_config({"satisfaction": {"grid": "2x2"}})["satisfaction"]
    scored = pl.DataFrame(
        {"value_tier": ["VIP", "medium", "high"], "satisfaction_score": [59.9, 90.0, 60.0]}
    )
    assert value_satisfaction_cell(scored, config).to_list() == [
        "high value / low satisfaction: retain urgently",
        "low value / high satisfaction: keep cost to serve low",
        "high value / high satisfaction: maintain and reward",
    ]
