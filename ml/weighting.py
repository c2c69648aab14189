"""Criteria weights: AHP (pairwise comparisons), entropy weight method, and their mix.

Grain: one weight per criterion of one comparison level. The value index
(`ml/value_index.py`) applies these per level of its hierarchy.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

# Saaty's random consistency index RI(n) (Saaty 1980; n = 1..15).
RANDOM_INDEX = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}  # fmt: skip
MAX_CONSISTENCY_RATIO = 0.10


def parse_pairwise(matrix: Sequence[Sequence[float | str]] | np.ndarray) -> np.ndarray:
    """A pairwise matrix as floats; entries may be numbers or fraction strings like "1/3"."""
    rows = [[float(Fraction(v)) if isinstance(v, str) else float(v) for v in row] for row in matrix]
    return np.asarray(rows, dtype=float)


def ahp_weights(
    matrix: Sequence[Sequence[float | str]] | np.ndarray, name: str = "pairwise matrix"
) -> tuple[np.ndarray, float]:
    """AHP priority weights and consistency ratio of a reciprocal pairwise matrix.

    Weights are the principal right eigenvector scaled to sum to 1; lambda_max is its
    eigenvalue, CI = (lambda_max - n) / (n - 1), CR = CI / RI(n) (0 for n <= 2). Raises
    ValueError naming the matrix when it is not square, positive and reciprocal, or when
    CR >= 0.10 (Saaty's limit).
    """
    a = parse_pairwise(matrix)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or n == 0:
        raise ValueError(f"{name}: a pairwise matrix must be square and non-empty, got {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name}: pairwise comparisons must be positive finite numbers")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3, atol=1e-3):
        raise ValueError(f"{name}: pairwise matrix is not reciprocal (a[j][i] must be 1/a[i][j])")
    if n not in RANDOM_INDEX:
        raise ValueError(f"{name}: AHP supports at most {max(RANDOM_INDEX)} criteria, got {n}")
    eigenvalues, eigenvectors = np.linalg.eig(a)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[principal].real)
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    if n <= 2:
        return weights, 0.0
    consistency_index = (lambda_max - n) / (n - 1)
    ratio = max(0.0, float(consistency_index / RANDOM_INDEX[n]))
    if ratio >= MAX_CONSISTENCY_RATIO:
        raise ValueError(
            f"{name}: AHP consistency ratio {ratio:.3f} >= {MAX_CONSISTENCY_RATIO}; "
            "revise the pairwise comparisons"
        )
    return weights, ratio


def entropy_weights(normalised: np.ndarray) -> np.ndarray:
    """Entropy weight method over an (n customers x m indicators) matrix of values in [0, 1].

    p_ij = x_ij / sum_i x_ij; e_j = -sum_i p_ij ln p_ij / ln n (0 ln 0 = 0); d_j = 1 - e_j;
    w_j = d_j / sum d. An all-zero or constant column carries no information (d_j = 0).
    When no column carries information (or n < 2) the weights are equal.
    """
    x = np.asarray(normalised, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"entropy_weights needs an (n x m) matrix, got shape {x.shape}")
    if np.any(np.isnan(x)) or np.any(x < 0):
        raise ValueError("entropy_weights needs non-negative values without NaN")
    n, m = x.shape
    if n < 2:
        return np.full(m, 1.0 / m)
    totals = x.sum(axis=0)
    safe_totals = np.where(totals > 0, totals, 1.0)
    p = x / safe_totals
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = np.where(totals > 0, -plogp.sum(axis=0) / np.log(n), 1.0)
    divergence = np.clip(1.0 - entropy, 0.0, None)
    if divergence.sum() <= 1e-12:
        return np.full(m, 1.0 / m)
    return divergence / divergence.sum()


def combine_weights(ahp: np.ndarray, entropy: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Linear mix alpha * ahp + (1 - alpha) * entropy, renormalised to sum to 1."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    a, e = np.asarray(ahp, dtype=float), np.asarray(entropy, dtype=float)
    if a.shape != e.shape:
        raise ValueError(f"weight vectors differ in shape: {a.shape} vs {e.shape}")
    mixed = alpha * a + (1.0 - alpha) * e
    return mixed / mixed.sum()
