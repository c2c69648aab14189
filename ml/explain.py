"""Readable rules for the segments: a shallow decision tree that mimics the K-means labels.

Grain: one tree per model, fitted on a seeded sample of the training month. The tree reads
the clustering features in raw units (nulls filled with the training medians); splits are
invariant to the monotone log / scaling, so the thresholds read directly as kWh, days, counts.
Fidelity = share of sampled customers whose tree prediction equals their segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from ml.model_selection import sample_rows


@dataclass(frozen=True)
class SurrogateRules:
    """Fidelity in [0, 1] and, per segment id, its rule lines (one per tree leaf)."""

    fidelity: float
    rules: dict[str, list[str]]


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _leaf_paths(tree, features: Sequence[str]) -> list[tuple[int, dict[str, list[float]]]]:
    """(leaf node, {feature: [lower, upper]}) for every leaf, bounds tightened along the path."""
    t = tree.tree_
    out, stack = [], [(0, {})]
    while stack:
        node, bounds = stack.pop()
        if t.children_left[node] == t.children_right[node]:
            out.append((node, bounds))
            continue
        name, thr = features[t.feature[node]], float(t.threshold[node])
        lo, hi = bounds.get(name, [-np.inf, np.inf])
        stack.append((t.children_right[node], {**bounds, name: [max(lo, thr), hi]}))
        stack.append((t.children_left[node], {**bounds, name: [lo, min(hi, thr)]}))
    return sorted(out)


def _condition_text(bounds: dict[str, list[float]]) -> str:
    parts = []
    for name, (lo, hi) in bounds.items():
        if np.isfinite(lo) and np.isfinite(hi):
            parts.append(f"{_fmt(lo)} < {name} <= {_fmt(hi)}")
        elif np.isfinite(hi):
            parts.append(f"{name} <= {_fmt(hi)}")
        else:
            parts.append(f"{name} > {_fmt(lo)}")
    return " AND ".join(parts) if parts else "all customers"


def fit_surrogate(
    raw: np.ndarray,
    features: Sequence[str],
    segment_ids: np.ndarray,
    max_depth: int = 4,
    seed: int = 42,
    sample_size: int = 100_000,
) -> SurrogateRules:
    """Fit the tree on a seeded sample; return fidelity and rules per segment id.

    A rule line reads "IF <conditions> (covers C% of the segment, P% precision)".
    """
    idx = sample_rows(raw.shape[0], sample_size, seed)
    x, y = raw[idx], np.asarray(segment_ids)[idx]
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed).fit(x, y)
    fidelity = float((tree.predict(x) == y).mean())
    leaves = tree.apply(x)
    rules: dict[str, list[str]] = {str(s): [] for s in np.unique(y)}
    for node, bounds in _leaf_paths(tree, list(features)):
        in_leaf = leaves == node
        if not in_leaf.any():
            continue
        label = tree.classes_[int(np.argmax(tree.tree_.value[node][0]))]
        hits = in_leaf & (y == label)
        coverage = hits.sum() / max(int((y == label).sum()), 1)
        precision = hits.sum() / in_leaf.sum()
        rules[str(label)].append(
            f"IF {_condition_text(bounds)} (covers {coverage:.0%} of the segment, "
            f"{precision:.0%} precision)"
        )
    return SurrogateRules(fidelity, rules)
