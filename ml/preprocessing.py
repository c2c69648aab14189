"""Preprocessing of the clustering features: cap -> median impute -> signed log1p -> robust scale
-> clip.

Grain: one row per customer, one column per selected numeric feature. The scikit-learn
Pipeline is what fits; its fitted numbers are then exported to a JSON-able dict and every
transform (at training and at scoring, before and after a JSON round trip) runs from those
numbers in NumPy, so that a reloaded model transforms bit-identically to the fitted one.

Decision: a feature whose interquartile range is 0 after the log (sparse counts such as
arrears or complaints: most customers have 0) is scaled by its standard deviation instead of
by 1, so that its non-zero values do not all hit the clip bound; a constant feature gets 1.

Decision: a feature may have a cap in raw units (`segmentation.feature_caps`, e.g. tenure at
240 months), applied before everything else, at training and at scoring: among long-standing
customers, 30 years of tenure against 40 says nothing about behaviour. The scale is fitted on
the capped values, so a cap that most customers reach shrinks the scale and magnifies the rest
(see segmentation.yaml). A model saved before caps existed loads without any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler


def signed_log1p(x: np.ndarray) -> np.ndarray:
    """sign(x) * log(1 + |x|): compresses heavy tails, keeps sign (net export, credits)."""
    return np.sign(x) * np.log1p(np.abs(x))


def inverse_signed_log1p(y: np.ndarray) -> np.ndarray:
    """Inverse of `signed_log1p`."""
    return np.sign(y) * np.expm1(np.abs(y))


def filled(x: np.ndarray, fills: Sequence[float]) -> np.ndarray:
    """A float64 copy of the (n x d) `x` whose NaN in column j are fills[j] (one copy, filled in
    place: at 1M rows, np.where over the broadcast fills cost several times more)."""
    out = np.array(x, dtype=np.float64, copy=True)
    values = np.broadcast_to(np.asarray(fills, dtype=np.float64), out.shape)
    np.copyto(out, values, where=np.isnan(out))
    return out


def _log_in_place(x: np.ndarray, mask: Sequence[bool]) -> np.ndarray:
    """`x` with signed_log1p applied, in place, to the columns where `mask` is true."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if len(idx):
        x[:, idx] = signed_log1p(x[:, idx])
    return x


def _log_columns(x: np.ndarray, mask: Sequence[bool]) -> np.ndarray:
    return _log_in_place(np.array(x, dtype=float, copy=True), mask)


def _cap_in_place(x: np.ndarray, caps: Sequence[float | None]) -> np.ndarray:
    """`x` with column j limited to caps[j] from above, in place (None: no cap; NaN stays)."""
    for j, cap in enumerate(caps):
        if cap is not None:
            np.minimum(x[:, j], cap, out=x[:, j])
    return x


def _cap_columns(x: np.ndarray, caps: Sequence[float | None]) -> np.ndarray:
    return _cap_in_place(np.array(x, dtype=float, copy=True), caps)


def feature_caps(features: Sequence[str], caps: dict | None) -> tuple[float | None, ...]:
    """One cap per feature from the {feature: cap} configuration (None where there is none)."""
    caps = caps or {}
    return tuple(None if caps.get(f) is None else float(caps[f]) for f in features)


def numeric_matrix(frame: pl.DataFrame, features: Sequence[str]) -> np.ndarray:
    """The named columns as a float64 (n x d) array, nulls as NaN."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ValueError(f"feature frame lacks columns {missing}")
    if not features:
        return np.empty((frame.height, 0))
    cols = frame.select(pl.col(list(features)).cast(pl.Float64)).to_numpy()
    return np.asarray(cols, dtype=np.float64).reshape(frame.height, len(features))


def build_pipeline(
    log_mask: Sequence[bool], clip: float, caps: Sequence[float | None] | None = None
) -> Pipeline:
    """The unfitted scikit-learn Pipeline (cap, impute, signed log1p on `log_mask`, scale,
    clip)."""
    caps = list(caps) if caps is not None else [None] * len(log_mask)
    return Pipeline(
        [
            ("cap", FunctionTransformer(_cap_columns, kw_args={"caps": caps})),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("log", FunctionTransformer(_log_columns, kw_args={"mask": list(log_mask)})),
            ("scale", RobustScaler()),
            ("clip", FunctionTransformer(np.clip, kw_args={"a_min": -clip, "a_max": clip})),
        ]
    )


@dataclass(frozen=True)
class Preprocessor:
    """Fitted preprocessing numbers, one entry per feature (JSON-able via `to_dict`)."""

    features: tuple[str, ...]
    log_mask: tuple[bool, ...]
    medians: tuple[float, ...]  # raw units, used for nulls
    centers: tuple[float, ...]  # after the log
    scales: tuple[float, ...]
    clip: float
    caps: tuple[float | None, ...] = ()  # raw units, applied first; () or None: no cap

    def __post_init__(self) -> None:
        if not self.caps:
            object.__setattr__(self, "caps", (None,) * len(self.features))

    def transform_matrix(self, raw: np.ndarray) -> np.ndarray:
        """Raw (n x d) array with NaN -> preprocessed (n x d) array.

        The same operations as the fitted Pipeline, element by element (so the same bits), done
        in place on one copy: at 1M customers, the temporaries of the whole-array expressions
        cost more than the arithmetic."""
        # capped after the fill (the medians are of capped values, so at most the caps): one copy
        x = _log_in_place(_cap_in_place(filled(raw, self.medians), self.caps), self.log_mask)
        np.subtract(x, np.asarray(self.centers, dtype=np.float64), out=x)
        np.divide(x, np.asarray(self.scales, dtype=np.float64), out=x)
        return np.clip(x, -self.clip, self.clip, out=x)

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """Preprocess the feature columns of a mart frame."""
        return self.transform_matrix(numeric_matrix(frame, self.features))

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Preprocessed points (e.g. centroids) back to raw units (clipping is not undone)."""
        x = np.asarray(z, dtype=float) * np.asarray(self.scales) + np.asarray(self.centers)
        idx = np.flatnonzero(np.asarray(self.log_mask, dtype=bool))
        x[:, idx] = inverse_signed_log1p(x[:, idx])
        return x

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "log_mask": list(self.log_mask),
            "medians": list(self.medians),
            "centers": list(self.centers),
            "scales": list(self.scales),
            "clip": self.clip,
            "caps": list(self.caps),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Preprocessor:
        return cls(
            features=tuple(d["features"]),
            log_mask=tuple(bool(v) for v in d["log_mask"]),
            medians=tuple(float(v) for v in d["medians"]),
            centers=tuple(float(v) for v in d["centers"]),
            scales=tuple(float(v) for v in d["scales"]),
            clip=float(d["clip"]),
            # models saved before caps existed have none
            caps=tuple(None if v is None else float(v) for v in d.get("caps") or ()),
        )


def fit_preprocessor(
    frame: pl.DataFrame,
    features: Sequence[str],
    log_features: Sequence[str],
    clip: float = 5.0,
    caps: dict | None = None,
) -> tuple[Preprocessor, Pipeline]:
    """Fit the Pipeline on `features` of `frame`; return its exported numbers and itself.

    `caps` maps a feature to its cap in raw units (features without one are not capped).

    An all-null feature imputes to 0. The scaler's center and scale are fitted on the observed
    (non-null) values, then written back into the fitted RobustScaler together with the zero-IQR
    fallback, so that the returned Pipeline and Preprocessor transform identically.
    """
    cap_values = feature_caps(features, caps)
    raw = _cap_columns(numeric_matrix(frame, features), cap_values)
    log_mask = [f in set(log_features) for f in features]
    pipeline = build_pipeline(log_mask, clip, cap_values).fit(raw)
    imputer: SimpleImputer = pipeline.named_steps["impute"]
    scaler: RobustScaler = pipeline.named_steps["scale"]
    # Scale statistics come from the observed values only (RobustScaler ignores NaN): fitted
    # after imputation, a feature null for most customers would get an IQR of ~0.
    observed = _log_columns(raw, log_mask)
    observed[:, np.all(np.isnan(observed), axis=0)] = 0.0
    scaler.fit(observed)
    q25, q75 = np.nanpercentile(observed, [25, 75], axis=0)
    std = np.nanstd(observed, axis=0)
    scales = np.where(q75 - q25 > 0, scaler.scale_, np.where(std > 0, std, 1.0))
    scaler.scale_ = scales
    params = Preprocessor(
        features=tuple(features),
        log_mask=tuple(log_mask),
        medians=tuple(float(v) for v in imputer.statistics_),
        centers=tuple(float(v) for v in scaler.center_),
        scales=tuple(float(v) for v in scales),
        clip=float(clip),
        caps=cap_values,
    )
    return params, pipeline


def unusable_features(
    frame: pl.DataFrame, features: Sequence[str], min_coverage: float = 0.0
) -> dict[str, str]:
    """Features not to cluster on: {feature: 'all null' | 'constant' | 'sparse (...)'}.

    A feature observed for fewer than `min_coverage` of the rows is sparse: imputing most
    customers to the median would create an artificial cluster of "not observed".
    """
    raw = numeric_matrix(frame, features)
    notes: dict[str, str] = {}
    for j, name in enumerate(features):
        col = raw[:, j][~np.isnan(raw[:, j])]
        coverage = col.size / max(raw.shape[0], 1)
        if col.size == 0:
            notes[name] = "all null"
        elif col.min() == col.max():
            notes[name] = "constant"
        elif coverage < min_coverage:
            notes[name] = f"sparse ({coverage:.0%} observed)"
    return notes
