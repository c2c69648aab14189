"""Training the arrears-risk model point in time, and measuring it against the credit rule.

Grain: one training = one panel of customer x as_of_month rows (ml/arrears_features.py) over
the months whose labels are complete, cut in time: the oldest months train the logistic
regression, later ones calibrate it, the newest test it. Between two slices lies a gap of
`horizon_months`, so that no label of a slice falls in the months of the next one. The
baseline is the credit rating of ml/credit.py (A < B < C < D as a risk score), turned into a
probability by the arrears rate of each rating in the calibration months.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ml import risk_metrics
from ml.arrears_features import CATEGORICAL_FEATURES, LABEL, NEW_ARREARS, NUMERIC_FEATURES
from ml.arrears_risk import (
    MISSING_CATEGORY,
    ArrearsRiskModel,
    design_matrix,
    n_columns,
    quantile_edges,
)
from ml.credit import RATINGS, credit_ratings
from ml.settings import read_config_file

POPULATIONS = {"all": None, "new_arrears": NEW_ARREARS}


class NotEnoughData(ValueError):
    """Too few months, or a slice without both outcomes: no model can be trained (yet)."""


def default_risk_config() -> dict:
    """ml/config/arrears_risk.yaml."""
    return read_config_file("arrears_risk")


def split_months(months: list[str], config: dict) -> dict[str, list[str]]:
    """{"train", "calibration", "test"}: consecutive as-of months with complete labels, oldest
    first, cut newest first into test, gap, calibration, gap, train (gap = horizon_months).
    Too few months shrink the test and calibration slices down to one month each; fewer still
    raise NotEnoughData."""
    gap = int(config["horizon_months"])
    test, calibration = (int(config["split"][k]) for k in ("test_months", "calibration_months"))
    min_train = int(config["split"]["min_train_months"])
    while min_train + gap + calibration + gap + test > len(months):
        if max(test, calibration) == 1:
            raise NotEnoughData(
                f"arrears risk: {len(months)} as-of month(s) with complete labels; the time "
                f"split needs at least {min_train + 2 * gap + 2}"
            )
        if test >= calibration:
            test -= 1
        else:
            calibration -= 1
    test_start = len(months) - test
    calibration_start = test_start - gap - calibration
    return {
        "train": months[: calibration_start - gap],
        "calibration": months[calibration_start : calibration_start + calibration],
        "test": months[test_start:],
    }


def rule_score(panel: pl.DataFrame, credit_config: dict) -> np.ndarray:
    """The credit rating as a risk score: 0 (A) .. 3 (D)."""
    ratings = credit_ratings(panel, credit_config).to_list()
    return np.array([RATINGS.index(r) for r in ratings], dtype=np.float64)


def rule_rates(scores: np.ndarray, labels: np.ndarray) -> list[float]:
    """Arrears rate of each rating (A..D) in a slice; the slice's rate for an absent rating."""
    overall = float(labels.mean()) if len(labels) else 0.0
    return [float(labels[scores == r].mean()) if (scores == r).any() else overall for r in range(4)]


def fit_calibration(logit: np.ndarray, labels: np.ndarray, method: str) -> dict:
    """Isotonic or Platt map from log-odds to probability, fitted on one slice."""
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(logit, labels)
        return {"method": "isotonic", "x": iso.X_thresholds_, "y": iso.y_thresholds_}
    if method == "platt":
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(logit.reshape(-1, 1), labels)
        return {"method": "platt", "a": float(platt.coef_[0, 0]), "b": float(platt.intercept_[0])}
    raise ValueError(f"arrears_risk.calibration must be isotonic or platt, not {method!r}")


def evaluate(
    labels: np.ndarray, probability: np.ndarray, baseline: np.ndarray, share: float
) -> dict:
    """AUC, Brier and top-share lift of the model's probability and of the baseline's."""
    return {
        "n": int(len(labels)),
        "positive_rate": float(labels.mean()) if len(labels) else None,
        "auc": risk_metrics.auc(labels, probability),
        "baseline_auc": risk_metrics.auc(labels, baseline),
        "brier": risk_metrics.brier(labels, probability),
        "baseline_brier": risk_metrics.brier(labels, baseline),
        "lift_top_decile": risk_metrics.top_share_lift(labels, probability, share),
        "baseline_lift_top_decile": risk_metrics.top_share_lift(labels, baseline, share),
    }


def train_arrears_risk(
    panel: pl.DataFrame,
    split: dict[str, list[str]],
    config: dict,
    credit_config: dict,
    model_version: str,
    trained_at: str,
) -> ArrearsRiskModel:
    """Fit, calibrate and test a model on a labelled panel (features, LABEL, NEW_ARREARS per
    customer x as_of_month; the months of `split`)."""
    slices = {
        name: panel.filter(pl.col("as_of_month").is_in(months)).sort(["as_of_month", "customer_id"])
        for name, months in split.items()
    }
    for name, frame in slices.items():
        if frame[LABEL].n_unique() < 2:
            raise NotEnoughData(f"arrears risk: the {name} months hold only one outcome")
    train = slices["train"]
    bin_edges = {
        name: quantile_edges(train[name].cast(pl.Float64).fill_nan(None).to_numpy(), config["bins"])
        for name in NUMERIC_FEATURES
    }
    categories = {
        name: sorted(set(train[name].cast(pl.String).fill_null(MISSING_CATEGORY).to_list()))
        for name in CATEGORICAL_FEATURES
    }
    x, y = design_matrix(train, bin_edges, categories), train[LABEL].to_numpy()
    with threadpool_limits(1):  # one thread: the same input gives the same weights
        fitted = LogisticRegression(C=float(config["c"]), max_iter=int(config["max_iter"])).fit(
            x, y
        )
    widths = n_columns(bin_edges, categories)
    offsets = np.cumsum([0, *widths.values()])
    model = ArrearsRiskModel(
        model_version=model_version,
        trained_at=trained_at,
        horizon_months=int(config["horizon_months"]),
        bin_edges=bin_edges,
        categories=categories,
        intercept=float(fitted.intercept_[0]),
        weights={
            name: [float(w) for w in fitted.coef_[0, offsets[i] : offsets[i + 1]]]
            for i, name in enumerate(widths)
        },
        calibration={},
    )
    cal = slices["calibration"]
    model.calibration = fit_calibration(
        model.logit(cal), cal[LABEL].to_numpy(), config["calibration"]
    )
    rates = np.asarray(rule_rates(rule_score(cal, credit_config), cal[LABEL].to_numpy()))
    model.metrics = holdout_metrics(model, slices["test"], rates, config, credit_config)
    model.metrics.update(
        split={k: [v[0], v[-1]] for k, v in split.items()},
        n_train=train.height,
        n_calibration=cal.height,
        baseline_rate_by_rating=dict(zip(RATINGS, rates.tolist(), strict=True)),
    )
    return model


def holdout_metrics(
    model: ArrearsRiskModel, test: pl.DataFrame, rates: np.ndarray, config, credit_config
) -> dict:
    """Figures on the test months: per population, the model against the rule; reliability."""
    labels = test[LABEL].to_numpy()
    probability = model.predict(test)
    baseline = rates[rule_score(test, credit_config).astype(np.int64)]
    populations = {}
    for name, column in POPULATIONS.items():
        mask = np.ones(test.height, bool) if column is None else test[column].to_numpy()
        populations[name] = evaluate(
            labels[mask], probability[mask], baseline[mask], float(config["top_share"])
        )
    table = risk_metrics.calibration_table(labels, probability, int(config["calibration_bins"]))
    new = populations["new_arrears"]
    gain = (
        None
        if new["auc"] is None or new["baseline_auc"] is None
        else new["auc"] - new["baseline_auc"]
    )
    return {
        "populations": populations,
        "calibration_table": table,
        "calibration_error": risk_metrics.calibration_error(table),
        "auc_gain_new_arrears": gain,
        "beats_baseline": gain is not None and gain >= float(config["min_auc_gain_new_arrears"]),
    }


FIGURES = (
    ("n", pl.Int64),
    ("positive_rate", pl.Float64),
    ("auc", pl.Float64),
    ("baseline_auc", pl.Float64),
    ("brier", pl.Float64),
    ("baseline_brier", pl.Float64),
    ("lift_top_decile", pl.Float64),
    ("baseline_lift_top_decile", pl.Float64),
)
# Columns of ml.arrears_risk_models, in order.
MODEL_ROW_SCHEMA = {
    "model_version": pl.String,
    "trained_at": pl.String,
    "horizon_months": pl.Int64,
    "calibration_method": pl.String,
    **{
        f"{s}_{end}_month": pl.String
        for s in ("train", "calibration", "test")
        for end in ("first", "last")
    },
    "n_train": pl.Int64,
    "n_calibration": pl.Int64,
    **{f"{key}_{p}": kind for p in POPULATIONS for key, kind in FIGURES},
    "calibration_error": pl.Float64,
    "auc_gain_new_arrears": pl.Float64,
    "beats_baseline": pl.Boolean,
}
CALIBRATION_ROW_SCHEMA = {
    "model_version": pl.String,
    "bin": pl.Int64,
    "n": pl.Int64,
    "mean_predicted": pl.Float64,
    "observed_rate": pl.Float64,
}


def arrears_risk_model_row(model: ArrearsRiskModel) -> pl.DataFrame:
    """The model's row of ml.arrears_risk_models: its split and test figures."""
    m = model.metrics
    row = {
        "model_version": model.model_version,
        "trained_at": model.trained_at,
        "horizon_months": model.horizon_months,
        "calibration_method": model.calibration["method"],
        **{
            f"{k}_{end}_month": m["split"][k][i]
            for k in ("train", "calibration", "test")
            for i, end in enumerate(("first", "last"))
        },
        "n_train": m["n_train"],
        "n_calibration": m["n_calibration"],
        **{f"{key}_{p}": m["populations"][p][key] for p in POPULATIONS for key, _ in FIGURES},
        "calibration_error": m["calibration_error"],
        "auc_gain_new_arrears": m["auc_gain_new_arrears"],
        "beats_baseline": m["beats_baseline"],
    }
    return pl.DataFrame([row], schema=MODEL_ROW_SCHEMA)


def calibration_rows(model: ArrearsRiskModel) -> pl.DataFrame:
    """The model's rows of ml.arrears_risk_calibration: its reliability table on its test
    months, one row per bin."""
    table = model.metrics["calibration_table"]
    rows = [{"model_version": model.model_version, **row} for row in table]
    return pl.DataFrame(rows, schema=CALIBRATION_ROW_SCHEMA)
