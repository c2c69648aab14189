"""Surrogate decision tree: fidelity and readable rules in raw units."""

import numpy as np

from ml.explain import fit_surrogate


def data(seed=0):
    rng = np.random.default_rng(seed)
    kwh = np.r_[rng.uniform(100, 500, 300), rng.uniform(5000, 9000, 300)]
    late = np.r_[rng.uniform(0, 2, 150), rng.uniform(20, 40, 150), rng.uniform(0, 40, 300)]
    labels = np.where(kwh > 1000, "S01", np.where(late > 10, "S02", "S03"))
    return np.c_[kwh, late], labels


def test_separable_segments_give_high_fidelity_and_raw_unit_rules():
    x, labels = data()
    result = fit_surrogate(x, ["kwh_avg_month", "avg_days_late"], labels, max_depth=3, seed=1)
    assert result.fidelity == 1.0
    assert set(result.rules) == {"S01", "S02", "S03"}
    (s01,) = result.rules["S01"]
    assert s01.startswith("IF kwh_avg_month > ") and "covers 100% of the segment" in s01
    threshold = float(s01.split("> ")[1].split()[0])
    assert 500 < threshold < 5000  # in kWh, not standardised units
    assert any("avg_days_late > " in r for r in result.rules["S02"])


def test_fidelity_is_a_share_and_drops_on_random_labels():
    x, _ = data()
    labels = np.random.default_rng(3).choice(["S01", "S02", "S03"], x.shape[0])
    result = fit_surrogate(x, ["kwh_avg_month", "avg_days_late"], labels, max_depth=3)
    assert 0.0 <= result.fidelity < 0.8


def test_same_inputs_give_same_rules():
    x, labels = data()
    a = fit_surrogate(x, ["a", "b"], labels, max_depth=4, seed=5, sample_size=400)
    b = fit_surrogate(x, ["a", "b"], labels, max_depth=4, seed=5, sample_size=400)
    assert a == b
