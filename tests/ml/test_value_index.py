"""Customer value index: score range and direction, clipping, tiers, weight rows."""

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.pipeline import load_config
from ml.value_index import (
    ValueIndexModel,
    fit_value_index,
    normalised_indicators,
    value_scores,
    value_tiers,
    weight_rows,
)

BENEFIT = [
    "kwh_12m",
    "revenue_12m",
    "avg_price_per_kwh",
    "kwh_growth",
    "capacity_utilisation",
    "on_time_payment_ratio",
    "tenure_months",
]
COST = ["arrears_over_60d", "n_contacts", "n_field_orders"]


@pytest.fixture(scope="module")
def fitted(planted, config) -> ValueIndexModel:
    return fit_value_index(planted, config["value_index"])


def test_scores_are_between_0_and_100(planted, fitted):
    scores = value_scores(planted, fitted)
    assert scores.min() >= 0.0 and scores.max() <= 100.0
    assert scores.std() > 5  # the index actually separates customers


def test_large_customers_score_above_stressed_ones(planted, fitted):
    scores = planted.with_columns(pl.Series("s", value_scores(planted, fitted)))
    means = dict(scores.group_by("planted_group").agg(pl.col("s").mean()).iter_rows())
    assert means["industrial"] > means["comfortable"] > means["stressed"]


@settings(max_examples=40, deadline=None)
@given(
    row=st.integers(0, 999),
    gain=st.floats(0.01, 0.5),
)
def test_better_on_every_indicator_never_scores_lower(planted, fitted, row, gain):
    base = planted[row]
    better = base.with_columns(
        *[(pl.col(c) * (1 + gain) + gain) for c in BENEFIT if c != "on_time_payment_ratio"],
        (pl.col("on_time_payment_ratio") + gain).clip(upper_bound=1.0),
        *[(pl.col(c) * (1 - gain)) for c in COST],
    )
    s_base, s_better = value_scores(pl.concat([base, better], how="vertical_relaxed"), fitted)
    assert s_better >= s_base


def test_strictly_better_customer_scores_strictly_higher(planted, fitted):
    base = planted.filter(pl.col("planted_group") == "business")[:1]
    better = base.with_columns(pl.col("tenure_months") + 12, pl.col("n_contacts") - 1)
    assert value_scores(better, fitted)[0] > value_scores(base, fitted)[0]


def test_outliers_are_clipped_at_training_quantiles(planted, fitted):
    base = planted[:1]
    huge = base.with_columns(pl.lit(1e15).alias("kwh_12m"), pl.lit(1e9).alias("n_contacts"))
    norm = normalised_indicators(huge, fitted)[0]
    j_kwh, j_contacts = fitted.indicators.index("kwh_12m"), fitted.indicators.index("n_contacts")
    assert norm[j_kwh] == 1.0  # benefit above p99 -> best
    assert norm[j_contacts] == 0.0  # cost above p99 -> worst
    assert fitted.lower[j_kwh] < fitted.upper[j_kwh]


def test_null_indicators_take_the_training_median(planted, fitted):
    row = planted[:1].with_columns(pl.lit(None, dtype=pl.Float64).alias("kwh_growth"))
    j = fitted.indicators.index("kwh_growth")
    median = np.nanmedian(planted["kwh_growth"].to_numpy())
    expected = (median - fitted.lower[j]) / (fitted.upper[j] - fitted.lower[j])
    assert normalised_indicators(row, fitted)[0, j] == pytest.approx(expected)


def test_tiers_respect_configured_quantiles_on_training_data(planted, fitted):
    tiers = pl.Series(value_tiers(value_scores(planted, fitted), fitted))
    shares = {t: (tiers == t).mean() for t in ("VIP", "high", "medium", "low")}
    expected = {"VIP": 0.05, "high": 0.20, "medium": 0.35, "low": 0.40}
    for tier, share in expected.items():
        assert shares[tier] == pytest.approx(share, abs=2 / planted.height)


def test_tier_cut_points_are_fixed_at_training(planted, fitted):
    stressed = planted.filter(pl.col("planted_group") == "stressed")
    tiers = set(value_tiers(value_scores(stressed, fitted), fitted))
    assert "VIP" not in tiers  # not re-quantiled within the scored population


def test_custom_tiers_from_config(planted, config):
    section = {**config["value_index"], "tiers": [{"name": "top", "share": 0.5}, {"name": "rest"}]}
    model = fit_value_index(planted, section)
    tiers = value_tiers(value_scores(planted, model), model)
    assert (tiers == "top").mean() == pytest.approx(0.5, abs=0.002)


def test_weight_rows_sum_to_one_per_method_and_level(fitted):
    rows = pl.DataFrame(weight_rows(fitted))
    sums = rows.group_by("method", "level").agg(pl.col("weight").sum())
    assert sums.height == 6
    np.testing.assert_allclose(sums["weight"].to_numpy(), 1.0)
    assert set(rows.filter(pl.col("level") == "group")["criterion"]) == {
        "current_value",
        "potential",
        "credit",
        "loyalty",
        "cost_to_serve",
    }
    ahp = rows.filter(pl.col("method") == "ahp")
    assert ahp["consistency_ratio"].null_count() == 0
    assert (ahp["consistency_ratio"] < 0.10).all()
    assert rows.filter(pl.col("method") != "ahp")["consistency_ratio"].null_count() == 30


def test_ahp_indicator_weight_is_group_weight_times_local_weight(fitted):
    rows = {(r["criterion"], r["method"]): r["weight"] for r in weight_rows(fitted)}
    local_revenue = 0.5584  # current_value matrix [[1,1/2,3],[2,1,4],[1/3,1/4,1]]
    expected = rows[("current_value", "ahp")] * local_revenue
    assert rows[("revenue_12m", "ahp")] == pytest.approx(expected, rel=1e-3)


def test_inconsistent_configured_matrix_is_refused_by_name(planted):
    bad = load_config(
        {
            "value_index": {
                "group_pairwise": [
                    [1, 9, "1/9", 1, 1],
                    ["1/9", 1, 9, 1, 1],
                    [9, "1/9", 1, 1, 1],
                    [1, 1, 1, 1, 1],
                    [1, 1, 1, 1, 1],
                ]
            }
        }
    )
    with pytest.raises(ValueError, match=r"value_index\.group_pairwise: AHP consistency ratio"):
        fit_value_index(planted, bad["value_index"])


def test_model_dict_round_trip_scores_identically(planted, fitted):
    again = ValueIndexModel.from_dict(fitted.to_dict())
    np.testing.assert_array_equal(value_scores(planted, again), value_scores(planted, fitted))
