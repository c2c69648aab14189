"""Preprocessing: sklearn Pipeline vs exported numbers, nulls, constants, clipping."""

import json

import numpy as np
import polars as pl
import pytest

from ml.preprocessing import (
    Preprocessor,
    fit_preprocessor,
    inverse_signed_log1p,
    numeric_matrix,
    signed_log1p,
    unusable_features,
)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    return pl.DataFrame(
        {
            "kwh": rng.lognormal(6, 1.5, n),
            "arrears": np.where(rng.random(n) < 0.9, 0.0, rng.lognormal(6, 1, n)),
            "share": rng.uniform(0, 1, n),
            "half_null": [None if i % 2 else float(v) for i, v in enumerate(rng.normal(0, 1, n))],
            "all_null": [None] * n,
            "constant": [3.0] * n,
        }
    )


FEATURES = ["kwh", "arrears", "share", "half_null", "all_null", "constant"]


def test_exported_numbers_transform_exactly_like_the_fitted_pipeline(frame):
    params, pipeline = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"], clip=5.0)
    raw = numeric_matrix(frame, FEATURES)
    np.testing.assert_array_equal(params.transform(frame), pipeline.transform(raw))
    assert [name for name, _ in pipeline.steps] == ["cap", "impute", "log", "scale", "clip"]


def test_caps_apply_before_everything_and_are_kept_in_the_json(frame):
    caps = {"kwh": 500.0, "share": None}
    params, pipeline = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"], caps=caps)
    assert params.caps == (500.0, None, None, None, None, None)
    raw = numeric_matrix(frame, FEATURES)
    np.testing.assert_array_equal(params.transform(frame), pipeline.transform(raw))
    # every customer above the cap looks like one at the cap, at fitting and at scoring
    above = frame.filter(pl.col("kwh") > 500)
    at_cap = above.with_columns(pl.lit(500.0).alias("kwh"))
    np.testing.assert_array_equal(params.transform(above), params.transform(at_cap))
    assert params.medians[0] <= 500.0
    again = Preprocessor.from_dict(json.loads(json.dumps(params.to_dict())))
    assert again == params


def test_a_model_saved_before_caps_loads_without_any(frame):
    params, _ = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"])
    older = {k: v for k, v in params.to_dict().items() if k != "caps"}
    loaded = Preprocessor.from_dict(older)
    assert loaded.caps == (None,) * len(FEATURES)
    np.testing.assert_array_equal(loaded.transform(frame), params.transform(frame))


def test_dict_round_trip_through_json_is_bit_identical(frame):
    params, _ = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"])
    again = Preprocessor.from_dict(json.loads(json.dumps(params.to_dict())))
    assert again == params
    np.testing.assert_array_equal(again.transform(frame), params.transform(frame))


def test_output_is_clipped_finite_and_nulls_are_imputed(frame):
    params, _ = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"], clip=2.5)
    z = params.transform(frame)
    assert np.isfinite(z).all()
    assert z.min() >= -2.5 and z.max() <= 2.5
    j = FEATURES.index("half_null")
    assert z[1::2, j] == pytest.approx(0.0, abs=0.05)  # nulls sit at the median
    np.testing.assert_array_equal(z[:, FEATURES.index("all_null")], 0.0)
    np.testing.assert_array_equal(z[:, FEATURES.index("constant")], 0.0)


def test_scale_of_a_mostly_null_feature_comes_from_observed_values(frame):
    params, _ = fit_preprocessor(frame, FEATURES, [])
    j = FEATURES.index("half_null")
    assert params.scales[j] == pytest.approx(1.35, rel=0.15)  # IQR of N(0, 1)


def test_sparse_feature_with_zero_iqr_is_scaled_by_its_std(frame):
    params, _ = fit_preprocessor(frame, FEATURES, ["kwh", "arrears"])
    j = FEATURES.index("arrears")
    logged = signed_log1p(frame["arrears"].to_numpy())
    assert params.scales[j] == pytest.approx(logged.std())
    z = params.transform(frame)[:, j]
    assert (np.abs(z[z > 0]) < 5).mean() > 0.9  # non-zero arrears are not all clipped


def test_inverse_transform_recovers_raw_units(frame):
    params, _ = fit_preprocessor(frame, ["kwh", "share"], ["kwh"])
    raw = numeric_matrix(frame, ["kwh", "share"])[:50]
    z = params.transform_matrix(raw)
    inside = np.all(np.abs(z) < 5, axis=1)
    np.testing.assert_allclose(params.inverse_transform(z)[inside], raw[inside], rtol=1e-9)
    x = np.array([-100.0, -1.0, 0.0, 2.0, 1e6])
    np.testing.assert_allclose(inverse_signed_log1p(signed_log1p(x)), x)


def test_unusable_features_are_named_with_a_reason(frame):
    notes = unusable_features(frame, FEATURES, min_coverage=0.6)
    assert notes == {
        "all_null": "all null",
        "constant": "constant",
        "half_null": "sparse (50% observed)",
    }
    assert "half_null" not in unusable_features(frame, FEATURES, min_coverage=0.5)


def test_missing_column_is_a_clear_error(frame):
    with pytest.raises(ValueError, match="lacks columns"):
        numeric_matrix(frame, ["kwh", "nope"])
