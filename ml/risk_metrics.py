"""How well a risk score ranks and how well a probability is calibrated.

Grain: one figure per (score, labels) pair. AUC and the Brier score are scikit-learn's; the
lift in the top share is written here because a rule's score has ties (four ratings): the
customers tied at the cut count by their expected share, as if the tie were broken at random,
so the figure does not depend on row order.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score


def auc(labels: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC (ties count half); None when the labels hold one class only."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return None
    return float(roc_auc_score(labels, score))


def brier(labels: np.ndarray, probability: np.ndarray) -> float | None:
    """Mean squared error of the probability; None for no rows."""
    if len(labels) == 0:
        return None
    return float(brier_score_loss(np.asarray(labels, dtype=bool), probability))


def top_share_lift(labels: np.ndarray, score: np.ndarray, share: float) -> float | None:
    """Positive rate among the `share` highest scores over the overall positive rate, ties at
    the cut taken in proportion; None without positives."""
    labels = np.asarray(labels, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    n = len(labels)
    if n == 0 or labels.sum() == 0:
        return None
    take = share * n
    values, inverse = np.unique(-score, return_inverse=True)  # highest score first
    counts = np.bincount(inverse, minlength=len(values)).astype(np.float64)
    positives = np.bincount(inverse, weights=labels, minlength=len(values))
    before = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
    taken = np.clip(take - before, 0, counts)  # rows of each score group inside the top share
    hits = float((positives * taken / counts).sum())
    return float((hits / take) / (labels.sum() / n))


def calibration_table(labels: np.ndarray, probability: np.ndarray, bins: int) -> list[dict]:
    """Reliability rows: the rows cut into `bins` groups by predicted probability (quantiles,
    ties kept together); per group n, the mean predicted probability and the observed rate."""
    labels = np.asarray(labels, dtype=np.float64)
    probability = np.asarray(probability, dtype=np.float64)
    if len(labels) == 0:
        return []
    edges = np.unique(np.quantile(probability, np.linspace(0, 1, bins + 1)[1:-1]))
    group = np.searchsorted(edges, probability, side="right")
    rows = []
    for g in np.unique(group):
        mask = group == g
        rows.append(
            {
                "bin": int(len(rows) + 1),
                "n": int(mask.sum()),
                "mean_predicted": float(probability[mask].mean()),
                "observed_rate": float(labels[mask].mean()),
            }
        )
    return rows


def calibration_error(table: list[dict]) -> float | None:
    """Expected calibration error: the row-weighted mean |predicted - observed| of a table."""
    n = sum(row["n"] for row in table)
    if n == 0:
        return None
    return sum(row["n"] * abs(row["mean_predicted"] - row["observed_rate"]) for row in table) / n
