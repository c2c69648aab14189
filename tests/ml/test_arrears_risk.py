"""The arrears-risk model: no look-ahead in features and labels, the time split, calibration,
deterministic training, the JSON round trip, and the tie-aware lift."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

from ml.arrears_features import (
    HISTORY_FEATURES,
    LABEL,
    NEW_ARREARS,
    arrears_labels,
    risk_features,
    with_labels,
)
from ml.arrears_risk import ArrearsRiskModel, design_matrix
from ml.arrears_training import (
    NotEnoughData,
    arrears_risk_model_row,
    default_risk_config,
    split_months,
    train_arrears_risk,
)
from ml.pipeline import load_config
from ml.risk_metrics import top_share_lift

MONTHS = [f"{2023 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
CREDIT = load_config()["credit"]


def simulate(n_customers: int = 3000, seed: int = 0) -> pl.DataFrame:
    """Monthly payment facts with a planted early signal: a customer whose bills go unpaid
    shows late and bounced payments for two months before arrears over 60 days appear."""
    rng = np.random.default_rng(seed)
    rows = []
    start = np.where(rng.random(n_customers) < 0.3, rng.integers(0, len(MONTHS), n_customers), 99)
    for i, month in enumerate(MONTHS):
        since = i - start
        warning = (since >= 0) & (since < 2)
        arrears = since >= 3
        noisy_late = rng.random(n_customers) < 0.05
        rows.append(
            pl.DataFrame(
                {
                    "customer_id": [f"C{c:07d}" for c in range(n_customers)],
                    "month": month,
                    "n_bills_due": 1,
                    "n_due_on_time": (~(warning | arrears | noisy_late)).astype(np.int64),
                    "n_settled": 1,
                    "days_late_settled": np.where(warning | noisy_late, 20, 0),
                    "amount_due": 100.0,
                    "amount_paid": np.where(arrears, 0.0, 100.0),
                    "n_bounced_payments": (warning & (rng.random(n_customers) < 0.5)).astype(
                        np.int64
                    ),
                    "balance_end": np.where(arrears, 100.0 * (since - 2), 0.0),
                    "arrears_over_60d": np.where(arrears, 100.0 * (since - 2), 0.0),
                }
            )
        )
    return pl.concat(rows)


def mart(facts: pl.DataFrame, month: str) -> pl.DataFrame:
    """A mart month: the columns the model reads, from the facts up to `month`."""
    window = facts.filter(pl.col("month") <= month)
    return (
        window.group_by("customer_id")
        .agg(
            on_time_payment_ratio=pl.col("n_due_on_time").sum() / pl.col("n_bills_due").sum(),
            avg_days_late=pl.col("days_late_settled").mean(),
            arrears_over_60d=pl.col("arrears_over_60d").last(),
            n_bounced_payments=pl.col("n_bounced_payments").sum(),
        )
        .with_columns(
            as_of_month=pl.lit(month),
            cash_payment_share=0.0,
            n_payment_arrangements=0,
            n_disconnections_nonpayment=0,
            n_complaints=0,
            n_billing_disputes=0,
            tenure_months=24,
            months_billed=12,
            revenue_avg_month=100.0,
            payment_method=pl.lit("direct_debit"),
            customer_class=pl.lit("residential"),
            budget_billing=False,
        )
        .sort("customer_id")
    )


def shift(month: str, k: int) -> str:
    return MONTHS[MONTHS.index(month) + k]


def features_at(facts: pl.DataFrame, month: str) -> pl.DataFrame:
    return risk_features(
        mart(facts, month), facts, shift(month, -2), MONTHS[max(0, MONTHS.index(month) - 11)]
    )


def panel(facts: pl.DataFrame, months: list[str]) -> pl.DataFrame:
    return pl.concat(
        [
            with_labels(
                features_at(facts, m), arrears_labels(facts, [shift(m, k) for k in (1, 2, 3)])
            )
            for m in months
        ]
    )


@pytest.fixture(scope="module")
def facts() -> pl.DataFrame:
    return simulate()


@pytest.fixture(scope="module")
def trained(facts):
    config = default_risk_config()
    split = split_months(MONTHS[12:-3], config)
    data = panel(facts, [m for months in split.values() for m in months])
    return train_arrears_risk(data, split, config, CREDIT, "v1", "2026-01-01T00:00:00+00:00"), data


def test_features_at_m_ignore_every_fact_after_m(facts):
    month = "2024-06"
    before = features_at(facts, month)
    later = pl.col("month") > month
    changed = facts.with_columns(
        [pl.when(later).then(pl.col(c) * 7 + 1).otherwise(pl.col(c)) for c in facts.columns[2:]]
    )
    extra = facts.filter(later).with_columns(pl.lit("C9999999").alias("customer_id"))
    after = features_at(pl.concat([changed, extra]), month)
    assert after.equals(before)
    assert set(HISTORY_FEATURES) <= set(before.columns)


def test_labels_come_only_from_the_months_after_m(facts):
    month = "2024-06"
    ahead = [shift(month, k) for k in (1, 2, 3)]
    labels = arrears_labels(facts, ahead)
    # arrears at M or before, or after M+3, change nothing; at M+2 they do
    outside = ~pl.col("month").is_in(ahead)
    moved = facts.with_columns(
        pl.when(outside).then(999.0).otherwise(pl.col("arrears_over_60d")).alias("arrears_over_60d")
    )
    assert arrears_labels(moved, ahead).equals(labels)
    cleared = facts.with_columns(
        pl.when(pl.col("month").is_in(ahead))
        .then(0.0)
        .otherwise(pl.col("arrears_over_60d"))
        .alias("arrears_over_60d")
    )
    assert not arrears_labels(cleared, ahead)[LABEL].any()
    assert labels[LABEL].any()


def test_the_time_split_keeps_test_months_out_of_training_with_a_gap():
    config = default_risk_config()
    months = MONTHS[:27]
    split = split_months(months, config)
    assert split["test"] == months[-6:]
    assert split["calibration"] == months[-15:-9]
    assert split["train"] == months[:-18]
    gap = config["horizon_months"]
    position = {m: i for i, m in enumerate(months)}
    assert position[split["calibration"][0]] - position[split["train"][-1]] > gap
    assert position[split["test"][0]] - position[split["calibration"][-1]] > gap
    # few months shrink the slices to one month each, then refuse
    small = split_months(months[:9], config)
    assert [len(small[k]) for k in ("train", "calibration", "test")] == [1, 1, 1]
    with pytest.raises(ValueError, match="time split needs at least 9"):
        split_months(months[:8], config)


def test_the_model_beats_the_rule_on_new_arrears_and_is_calibrated(trained):
    model, _ = trained
    new = model.metrics["populations"]["new_arrears"]
    assert new["auc"] > new["baseline_auc"] + 0.03
    assert model.metrics["beats_baseline"]
    # reliability on the test slice: every decile within 5 points, overall within 2
    assert model.metrics["calibration_error"] < 0.02
    for row in model.metrics["calibration_table"]:
        assert abs(row["mean_predicted"] - row["observed_rate"]) < 0.05, row
    row = arrears_risk_model_row(model)
    assert row.height == 1 and row["test_last_month"][0] == "2025-09"


def test_probabilities_lie_in_0_1(trained):
    model, data = trained
    probability = model.predict(data)
    assert ((probability >= 0) & (probability <= 1)).all()


def test_training_is_deterministic(facts, trained):
    model, data = trained
    config = default_risk_config()
    split = split_months(MONTHS[12:-3], config)
    again = train_arrears_risk(
        data.sample(fraction=1.0, shuffle=True, seed=1),
        split,
        config,
        CREDIT,
        "v1",
        model.trained_at,
    )
    assert again.to_json() == model.to_json()


def test_the_json_round_trip_scores_bit_identically(trained):
    model, data = trained
    loaded = ArrearsRiskModel.from_json(model.to_json())
    assert np.array_equal(loaded.predict(data), model.predict(data))
    assert loaded.to_json() == model.to_json()


def test_the_logit_is_the_logistic_regression_of_the_bins(trained):
    model, data = trained
    x = design_matrix(data, model.bin_edges, model.categories)
    reference = LogisticRegression()
    reference.coef_ = np.concatenate([model.weights[f] for f in model.features]).reshape(1, -1)
    reference.intercept_ = np.array([model.intercept])
    reference.classes_ = np.array([False, True])
    np.testing.assert_allclose(model.logit(data), reference.decision_function(x), atol=1e-9)


def test_new_arrears_population_has_no_arrears_at_m(trained):
    _, data = trained
    assert (data.filter(pl.col(NEW_ARREARS))["arrears_over_60d"] == 0).all()


def test_lift_counts_ties_at_the_cut_in_proportion():
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    # the top 20% = two rows: one of score 3 (a positive) and half of the two tied at 2
    score = np.array([3, 2, 2, 1, 1, 1, 1, 1, 1, 0])
    assert top_share_lift(labels, score, 0.2) == pytest.approx((1 + 0.5) / 2 / 0.2)
    assert top_share_lift(np.zeros(10), score, 0.2) is None


def test_a_slice_with_one_outcome_trains_no_model(facts):
    config = default_risk_config()
    split = split_months(MONTHS[12:-3], config)
    data = panel(facts, [m for months in split.values() for m in months])
    calm = data.with_columns(pl.lit(False).alias(LABEL))
    with pytest.raises(NotEnoughData, match="only one outcome"):
        train_arrears_risk(calm, split, config, CREDIT, "v", "t")


def test_the_model_reads_only_catalogued_mart_columns():
    from ml.arrears_features import CATEGORICAL_FEATURES, MART_FEATURES
    from ml.feature_catalog import ALL_COLUMNS, PII_COLUMNS

    assert set(MART_FEATURES + CATEGORICAL_FEATURES) <= set(ALL_COLUMNS)
    assert not set(MART_FEATURES + CATEGORICAL_FEATURES) & set(PII_COLUMNS)
