"""Which customers have enough recent data to be clustered, and the reserved segment of those
who do not.

Grain: one reason (or null) per customer x as_of_month row of the customer_features mart. A
customer with no bill in the last `recent_bill_months` months (as_of_month and the ones before
it) or with fewer than `min_billed_months` billed months in the 12-month window is not
clustered: the trailing features of a customer without recent data describe the past, and two
or three bills describe nobody. Such a customer gets the reserved segment (`RESERVED_SEGMENT_ID`,
"Insufficient recent data") and the reason in `segment_reason`; they are left out of training
and out of the profile indices, and counted in the profiles. The mart columns are
`months_since_last_bill` (0: billed in as_of_month; null: no bill in the window) and
`months_billed`; the thresholds are `segmentation.eligibility` (ml/config/segmentation.yaml).
"""

from __future__ import annotations

import polars as pl

RESERVED_SEGMENT_ID = "S00"  # registry ids start at S01: never issued to a cluster
RESERVED_SEGMENT_NAME = "Insufficient recent data"
ELIGIBILITY_COLUMNS = ("months_since_last_bill", "months_billed")


def segment_reason_expr(eligibility: dict) -> pl.Expr:
    """`segment_reason`: why a row is not clustered, null when it is."""
    recent, min_billed = (
        int(eligibility["recent_bill_months"]),
        int(eligibility["min_billed_months"]),
    )
    since, billed = pl.col("months_since_last_bill"), pl.col("months_billed").fill_null(0)
    return (
        pl.when(since.is_null() | (since >= recent))
        .then(pl.lit(f"no bill in the last {recent} months"))
        .when(billed < min_billed)
        .then(pl.lit(f"fewer than {min_billed} billed months in the last 12"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("segment_reason")
    )


def with_segment_reason(features: pl.DataFrame, config: dict) -> pl.DataFrame:
    """`features` plus `segment_reason` (`config` is the whole ml config)."""
    missing = [c for c in ELIGIBILITY_COLUMNS if c not in features.columns]
    if missing:
        raise ValueError(f"feature frame lacks columns {missing} (the mart's recency columns)")
    return features.with_columns(segment_reason_expr(config["segmentation"]["eligibility"]))


def clusterable(features: pl.DataFrame, config: dict) -> pl.DataFrame:
    """The rows with enough recent data to be clustered, in their order."""
    reason = segment_reason_expr(config["segmentation"]["eligibility"])
    return features.filter(reason.is_null())


def coverage_expr(eligibility: dict) -> pl.Expr:
    """Share of the rows with enough recent data (for the choice of the training month)."""
    return segment_reason_expr(eligibility).is_null().mean()


def training_month(coverage: list[tuple[str, float]], min_coverage: float) -> str | None:
    """The latest month whose share of customers with enough recent data is at least
    `min_coverage`; when no month reaches it, the month with the highest share (the latest of
    equals). `coverage` is (as_of_month, share) per month. None without months.

    Decision: the newest month is not always the one to learn from. Bills of a month arrive
    over the following weeks, and on a population that only began to be billed recently most
    customers have too few months; a model trained there would describe the few."""
    if not coverage:
        return None
    enough = [month for month, share in coverage if share >= min_coverage]
    if enough:
        return max(enough)
    return max(coverage, key=lambda row: (row[1], row[0]))[0]
