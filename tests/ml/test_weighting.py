"""AHP, entropy weight method and their combination."""

import math

import numpy as np
import pytest

from ml.weighting import ahp_weights, combine_weights, entropy_weights

# Saaty's textbook 3x3 example: priorities (0.637, 0.258, 0.105), lambda_max = 3.039,
# CI = 0.019, RI(3) = 0.58, so CR = 0.033 (below the 0.10 limit).
SAATY_3X3 = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_ahp_reproduces_textbook_weights_and_consistency_ratio():
    weights, cr = ahp_weights(SAATY_3X3)
    np.testing.assert_allclose(weights, [0.637, 0.258, 0.105], atol=5e-4)
    assert cr == pytest.approx(0.033, abs=5e-4)
    assert weights.sum() == pytest.approx(1.0)


def test_ahp_accepts_numpy_arrays_and_fraction_strings():
    as_strings = [["1", "3", "5"], ["1/3", "1", "3"], ["1/5", "1/3", "1"]]
    w_list, cr_list = ahp_weights(SAATY_3X3)
    w_arr, cr_arr = ahp_weights(np.array(SAATY_3X3))
    w_str, cr_str = ahp_weights(as_strings)
    np.testing.assert_allclose(w_list, w_arr)
    np.testing.assert_allclose(w_list, w_str)
    assert cr_list == pytest.approx(cr_arr) == pytest.approx(cr_str)


def test_ahp_perfectly_consistent_matrix_has_cr_zero():
    # a_ij = w_i / w_j for w = (4, 2, 1)
    w = np.array([4.0, 2.0, 1.0])
    weights, cr = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(weights, w / w.sum())
    assert cr == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("matrix, expected", [([[1]], [1.0]), ([[1, 3], [1 / 3, 1]], [0.75, 0.25])])
def test_ahp_one_and_two_criteria_have_cr_zero(matrix, expected):
    weights, cr = ahp_weights(matrix)
    np.testing.assert_allclose(weights, expected)
    assert cr == 0.0


def test_ahp_refuses_inconsistent_matrix_naming_it_and_its_cr():
    cyclic = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # A >> B >> C >> A
    with pytest.raises(ValueError, match=r"groups\.credit\.pairwise") as info:
        ahp_weights(cyclic, name="groups.credit.pairwise")
    reported = float(info.value.args[0].split("consistency ratio ")[1].split()[0])
    assert reported >= 0.10


@pytest.mark.parametrize(
    "matrix, message",
    [
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 2], [2, 1]], "reciprocal"),
        ([], "square"),
    ],
)
def test_ahp_validates_matrix_shape_sign_and_reciprocity(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp_weights(matrix, name="m")


def test_entropy_weights_match_hand_computation():
    # Column 1: one customer holds everything -> entropy 0, divergence 1.
    # Column 2: all equal -> entropy 1, divergence 0 (no information).
    # Column 3: two equal holders out of three -> entropy ln2/ln3, divergence 1 - ln2/ln3.
    x = np.array([[1.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.0, 0.5, 0.0]])
    d3 = 1 - math.log(2) / math.log(3)
    expected = np.array([1.0, 0.0, d3]) / (1.0 + d3)  # = (0.7304, 0, 0.2696)
    np.testing.assert_allclose(entropy_weights(x), expected, atol=1e-12)
    np.testing.assert_allclose(expected, [0.7304, 0.0, 0.2696], atol=1e-4)


def test_entropy_weights_degenerate_inputs_give_equal_weights():
    np.testing.assert_allclose(entropy_weights(np.full((4, 3), 0.2)), [1 / 3] * 3)
    np.testing.assert_allclose(entropy_weights(np.zeros((4, 2))), [0.5, 0.5])
    np.testing.assert_allclose(entropy_weights(np.array([[0.3, 0.9]])), [0.5, 0.5])
    with pytest.raises(ValueError):
        entropy_weights(np.array([[np.nan, 1.0], [0.5, 0.5]]))


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 1.0])
def test_combined_weights_sum_to_one_and_interpolate(alpha):
    ahp, ent = np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.2, 0.6])
    combined = combine_weights(ahp, ent, alpha)
    assert combined.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(combined, alpha * ahp + (1 - alpha) * ent)


def test_combine_weights_rejects_alpha_outside_unit_interval():
    with pytest.raises(ValueError, match="alpha"):
        combine_weights(np.array([1.0]), np.array([1.0]), 1.5)
