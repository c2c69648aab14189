"""Customer value index (CVI): a 0-100 score per customer and a value tier.

Grain: one score per customer x as_of_month row. The hierarchy (criteria groups ->
indicators), AHP pairwise matrices, indicator directions and tier shares live in
`ml/config/value_index.yaml`. Fitting fixes, from one training month: the indicator clip
bounds (p1/p99 of the observed values, after an optional signed log1p), the null fill
(median), the AHP / entropy / combined weights and the tier cut points. Scoring applies them
unchanged, so a score means the same thing in every later month.

score = 100 * sum_j w_j * n_j, where n_j in [0, 1] is the clipped indicator scaled between its
bounds (benefit: (x - lo) / (hi - lo); cost: (hi - x) / (hi - lo); 0.5 when hi == lo) and w_j
the combined global weight (group weight x local weight), summing to 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from ml.preprocessing import filled, numeric_matrix, signed_log1p
from ml.weighting import ahp_weights, combine_weights, entropy_weights

__all__ = [
    "ValueIndexModel",
    "ahp_weights",
    "combine_weights",
    "entropy_weights",
    "fit_value_index",
    "normalised_indicators",
    "tier_positions",
    "value_scores",
    "value_tiers",
]
METHODS = ("ahp", "entropy", "combined")


@dataclass(frozen=True)
class ValueIndexModel:
    """Fitted CVI parameters; all per-indicator tuples share the order of `indicators`."""

    groups: tuple[str, ...]
    indicators: tuple[str, ...]
    indicator_groups: tuple[str, ...]
    directions: tuple[str, ...]  # benefit | cost
    transforms: tuple[str, ...]  # none | log1p
    fills: tuple[float, ...]  # transformed units
    lower: tuple[float, ...]  # clip bounds, transformed units
    upper: tuple[float, ...]
    group_weights: dict[str, list[float]]  # method -> one weight per group
    indicator_weights: dict[str, list[float]]  # method -> one global weight per indicator
    consistency_ratios: dict[str, float]  # "groups" and each group name -> AHP CR
    tier_names: tuple[str, ...]
    tier_cuts: tuple[float, ...]  # descending; len(tier_names) - 1

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> ValueIndexModel:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def _transformed(features: pl.DataFrame, indicators, transforms) -> np.ndarray:
    raw = numeric_matrix(features, indicators)
    for j, transform in enumerate(transforms):
        if transform == "log1p":
            raw[:, j] = signed_log1p(raw[:, j])
        elif transform != "none":
            raise ValueError(f"value index: unknown transform {transform!r} for {indicators[j]}")
    return raw


def _normalise(x: np.ndarray, fills, lower, upper, directions) -> np.ndarray:
    """Each indicator to [0, 1] between its bounds (nulls filled, values clipped), 1 = most
    valuable; 0.5 for an indicator whose bounds are equal. Done in place on one copy, column
    choices applied per column (at 1M customers, whole-array np.where over broadcast column
    flags took a quarter of the scoring time); the arithmetic, hence the bits, as before."""
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    out = filled(x, fills)
    np.clip(out, lo, hi, out=out)
    span = hi - lo
    np.subtract(out, lo, out=out)
    np.divide(out, np.where(span > 0, span, 1.0), out=out)
    cost = np.flatnonzero((np.asarray(directions) == "cost") & (span > 0))
    if len(cost):
        out[:, cost] = 1.0 - out[:, cost]
    flat = np.flatnonzero(~(span > 0))
    if len(flat):
        out[:, flat] = 0.5
    return out


def fit_value_index(features: pl.DataFrame, config: dict) -> ValueIndexModel:
    """Fit the CVI on one training month; `config` is the `value_index` config section."""
    groups = list(config["groups"])
    group_w, group_cr = ahp_weights(config["group_pairwise"], name="value_index.group_pairwise")
    if len(group_w) != len(groups):
        raise ValueError(
            f"value_index.group_pairwise is {len(group_w)}x{len(group_w)} "
            f"but there are {len(groups)} groups"
        )
    indicators, owner, directions, transforms, ahp_global = [], [], [], [], []
    ratios = {"groups": group_cr}
    for g, gw in zip(groups, group_w, strict=True):
        spec = config["groups"][g]
        local, ratios[g] = ahp_weights(spec["pairwise"], name=f"value_index.groups.{g}.pairwise")
        if len(local) != len(spec["indicators"]):
            raise ValueError(f"value_index.groups.{g}: pairwise size differs from indicators")
        for (name, ind), w in zip(spec["indicators"].items(), local, strict=True):
            if ind["direction"] not in ("benefit", "cost"):
                raise ValueError(f"value_index: direction of {name} must be benefit or cost")
            indicators.append(name)
            owner.append(g)
            directions.append(ind["direction"])
            transforms.append(ind.get("transform", "none"))
            ahp_global.append(gw * w)
    x = _transformed(features, indicators, transforms)
    observed = ~np.all(np.isnan(x), axis=0)
    q_lo, q_hi = config["clip_quantiles"]
    lower = np.zeros(len(indicators))
    upper = np.zeros(len(indicators))
    fills = np.zeros(len(indicators))
    if observed.any():
        lower[observed], upper[observed] = np.nanquantile(x[:, observed], [q_lo, q_hi], axis=0)
        fills[observed] = np.nanmedian(x[:, observed], axis=0)
    norm = _normalise(x, fills, lower, upper, directions)
    weights = {"ahp": np.asarray(ahp_global), "entropy": entropy_weights(norm)}
    weights["combined"] = combine_weights(weights["ahp"], weights["entropy"], config["alpha"])
    owner_arr = np.asarray(owner)
    group_weights = {
        m: [float(w[owner_arr == g].sum()) for g in groups] for m, w in weights.items()
    }
    scores = 100.0 * weighted_sum(norm, weights["combined"])
    names, cuts = _tier_cuts(scores, config["tiers"])
    return ValueIndexModel(
        groups=tuple(groups),
        indicators=tuple(indicators),
        indicator_groups=tuple(owner),
        directions=tuple(directions),
        transforms=tuple(transforms),
        fills=tuple(map(float, fills)),
        lower=tuple(map(float, lower)),
        upper=tuple(map(float, upper)),
        group_weights=group_weights,
        indicator_weights={m: [float(v) for v in w] for m, w in weights.items()},
        consistency_ratios={k: float(v) for k, v in ratios.items()},
        tier_names=names,
        tier_cuts=cuts,
    )


def _tier_cuts(scores: np.ndarray, tiers: list[dict]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    shares = [float(t["share"]) for t in tiers[:-1]]
    if "share" in tiers[-1] or any(s <= 0 for s in shares) or sum(shares) >= 1:
        raise ValueError("value_index.tiers: positive shares summing below 1; last tier no share")
    tops = np.cumsum(shares)
    cuts = np.quantile(scores, 1.0 - tops) if scores.size else np.zeros(len(shares))
    return tuple(t["name"] for t in tiers), tuple(float(c) for c in cuts)


def normalised_indicators(features: pl.DataFrame, model: ValueIndexModel) -> np.ndarray:
    """(n x m) indicators scaled to [0, 1], higher = more valuable, with the fitted bounds."""
    x = _transformed(features, model.indicators, model.transforms)
    return _normalise(x, model.fills, model.lower, model.upper, model.directions)


def weighted_sum(indicators: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the indicators times their weights, summed indicator by indicator in a fixed
    order. Not a BLAS matrix product: BLAS blocks the rows differently with their number, so a
    row's last bits would depend on the rows scored with it, and a month scored in batches
    (Spark's mapInArrow) must give the bits it gives scored whole."""
    total = np.zeros(indicators.shape[0])
    for column, weight in enumerate(weights):
        total += indicators[:, column] * weight
    return total


def value_scores(features: pl.DataFrame, model: ValueIndexModel) -> np.ndarray:
    """CVI 0-100 per row, combined weights."""
    weights = np.asarray(model.indicator_weights["combined"])
    return np.clip(
        100.0 * weighted_sum(normalised_indicators(features, model), weights), 0.0, 100.0
    )


def tier_positions(scores: np.ndarray, model: ValueIndexModel) -> np.ndarray:
    """Position in `model.tier_names` per score: the first tier whose cut point the score
    reaches (>=)."""
    return (np.asarray(scores)[:, None] < np.asarray(model.tier_cuts)[None, :]).sum(axis=1)


def value_tiers(scores: np.ndarray, model: ValueIndexModel) -> np.ndarray:
    """Tier name per score: the first tier whose cut point the score reaches (>=)."""
    return np.asarray(model.tier_names, dtype=object)[tier_positions(scores, model)]


def weight_rows(model: ValueIndexModel) -> list[dict]:
    """Rows for `value_index_weights`: criterion, level, method, weight, consistency_ratio.

    Group rows carry the group-level AHP CR; indicator rows carry their group's CR (AHP only).
    Indicator weights are global (they sum to 1 per method over all indicators).
    """
    rows = []
    for method in METHODS:
        for g, w in zip(model.groups, model.group_weights[method], strict=True):
            cr = model.consistency_ratios["groups"] if method == "ahp" else None
            rows.append(
                {
                    "criterion": g,
                    "level": "group",
                    "method": method,
                    "weight": w,
                    "consistency_ratio": cr,
                }
            )
        for name, g, w in zip(
            model.indicators, model.indicator_groups, model.indicator_weights[method], strict=True
        ):
            cr = model.consistency_ratios[g] if method == "ahp" else None
            rows.append(
                {
                    "criterion": name,
                    "level": "indicator",
                    "method": method,
                    "weight": w,
                    "consistency_ratio": cr,
                }
            )
    return rows
