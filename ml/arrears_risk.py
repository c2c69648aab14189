"""The arrears-risk model as one JSON-serialisable value (no pickles), and how it scores.

Grain: one model per model_version. The model is a logistic regression on binned features:
each numeric feature is cut at quantile edges of the training months (plus a bin for a missing
value), each categorical feature is one column per category seen in training; the logit is
the intercept plus one weight per feature (the weight of the row's bin). A calibration map
(isotonic: the breakpoints of a piecewise-linear function of the logit; or Platt: a, b of a
sigmoid) turns the logit into the probability of arrears over 60 days in the next
`horizon_months`. Scoring is NumPy over these arrays alone, so a model read back from its JSON
(floats written with repr precision) gives bit-identical scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse

from ml.model import dump_model, load_model_payload

SCHEMA_VERSION = 1
MISSING_CATEGORY = "(missing)"


@dataclass
class ArrearsRiskModel:
    """A trained arrears-risk model: see the module docstring."""

    model_version: str
    trained_at: str
    horizon_months: int
    bin_edges: dict[str, list[float]]  # numeric feature -> ascending cut points
    categories: dict[str, list[str]]  # categorical feature -> categories seen in training
    intercept: float
    weights: dict[str, list[float]]  # feature -> one weight per bin (numeric: + missing)
    calibration: dict  # {"method": "isotonic", "x": [...], "y": [...]} | {"method": "platt", ...}
    metrics: dict = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.bin_edges, *self.categories]

    def logit(self, frame: pl.DataFrame) -> np.ndarray:
        """The uncalibrated log-odds of every row of `frame` (which holds the features)."""
        total = np.full(frame.height, self.intercept, dtype=np.float64)
        for name, codes in feature_codes(frame, self.bin_edges, self.categories).items():
            weights = np.append(np.asarray(self.weights[name], dtype=np.float64), 0.0)
            total += weights[codes]  # code -1 (an unseen category) takes the appended 0
        return total

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Calibrated probability per row, within [0, 1]."""
        return calibrate(self.calibration, self.logit(frame))

    def to_json(self) -> str:
        payload = {
            "schema_version": SCHEMA_VERSION,
            "model_version": self.model_version,
            "trained_at": self.trained_at,
            "horizon_months": self.horizon_months,
            "bin_edges": self.bin_edges,
            "categories": self.categories,
            "intercept": self.intercept,
            "weights": self.weights,
            "calibration": self.calibration,
            "metrics": self.metrics,
        }
        return dump_model(payload)

    @classmethod
    def from_json(cls, s: str) -> ArrearsRiskModel:
        d = load_model_payload(s, SCHEMA_VERSION, "arrears-risk")
        return cls(
            model_version=d["model_version"],
            trained_at=d["trained_at"],
            horizon_months=int(d["horizon_months"]),
            bin_edges={k: [float(v) for v in vs] for k, vs in d["bin_edges"].items()},
            categories={k: list(vs) for k, vs in d["categories"].items()},
            intercept=float(d["intercept"]),
            weights={k: [float(v) for v in vs] for k, vs in d["weights"].items()},
            calibration=d["calibration"],
            metrics=d["metrics"],
        )


def quantile_edges(values: np.ndarray, bins: int) -> list[float]:
    """Distinct cut points at the inner quantiles of the non-missing values."""
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return []
    return [float(v) for v in np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))]


def feature_codes(
    frame: pl.DataFrame, bin_edges: dict[str, list[float]], categories: dict[str, list[str]]
) -> dict[str, np.ndarray]:
    """Per feature, each row's bin: numeric 0..len(edges) by value, len(edges) + 1 when
    missing; categorical the category's position, -1 when unseen in training."""
    codes = {}
    for name, edges in bin_edges.items():
        x = frame[name].cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)
        code = np.searchsorted(np.asarray(edges, dtype=np.float64), x, side="right")
        codes[name] = np.where(np.isnan(x), len(edges) + 1, code)
    for name, seen in categories.items():
        values = frame[name].cast(pl.String).fill_null(MISSING_CATEGORY)
        lookup = pl.DataFrame({name: seen, "code": np.arange(len(seen))})
        joined = values.to_frame().join(lookup, on=name, how="left", maintain_order="left")
        codes[name] = joined["code"].fill_null(-1).to_numpy().astype(np.int64)
    return codes


def n_columns(bin_edges: dict[str, list[float]], categories: dict[str, list[str]]) -> dict:
    """Columns of each feature in the design matrix."""
    return {
        **{name: len(edges) + 2 for name, edges in bin_edges.items()},
        **{name: len(seen) for name, seen in categories.items()},
    }


def design_matrix(
    frame: pl.DataFrame, bin_edges: dict[str, list[float]], categories: dict[str, list[str]]
) -> sparse.csr_matrix:
    """One-hot matrix of the bins: one 1 per feature and row (none for an unseen category)."""
    widths = n_columns(bin_edges, categories)
    offsets = np.cumsum([0, *widths.values()])[:-1]
    rows, cols = [], []
    for offset, code in zip(
        offsets, feature_codes(frame, bin_edges, categories).values(), strict=True
    ):
        keep = code >= 0
        rows.append(np.flatnonzero(keep))
        cols.append(code[keep] + offset)
    row, col = np.concatenate(rows), np.concatenate(cols)
    shape = (frame.height, int(sum(widths.values())))
    return sparse.csr_matrix((np.ones(len(row)), (row, col)), shape=shape)


def calibrate(calibration: dict, logit: np.ndarray) -> np.ndarray:
    """The calibration map applied to log-odds."""
    if calibration["method"] == "isotonic":
        # IsotonicRegression(out_of_bounds="clip") interpolates linearly between breakpoints
        x = np.asarray(calibration["x"], dtype=np.float64)
        y = np.asarray(calibration["y"], dtype=np.float64)
        return np.clip(np.interp(logit, x, y), 0.0, 1.0)
    if calibration["method"] == "platt":
        return 1.0 / (1.0 + np.exp(-(calibration["a"] * logit + calibration["b"])))
    raise ValueError(f"unknown calibration method {calibration['method']!r}")
