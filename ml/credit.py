"""Credit rating A-D from payment behaviour.

Grain: one rating per customer x as_of_month row. Rules in `ml/config/credit.yaml` (the
`credit` config section): ratings D, C, B are tested in that order and the first with any
condition true wins; a customer with no payment history (on_time_payment_ratio null, e.g. a
new customer with no bill due yet) and no such evidence gets `no_history_rating`; everyone else
gets A. A null value never triggers a condition.
"""

from __future__ import annotations

import operator

import polars as pl

OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
RATINGS = ("A", "B", "C", "D")


def _condition(column: str, op: str, threshold: float) -> pl.Expr:
    if op not in OPERATORS:
        raise ValueError(f"credit: unknown operator {op!r} (use one of {list(OPERATORS)})")
    return OPERATORS[op](pl.col(column).cast(pl.Float64), float(threshold)).fill_null(False)


def credit_rating_expr(config: dict) -> pl.Expr:
    """Polars expression of the credit rating over the mart columns."""
    expr = None
    for rating in ("D", "C", "B"):
        conditions = [_condition(*rule) for rule in config["ratings"].get(rating, [])]
        if not conditions:
            continue
        hit = pl.any_horizontal(conditions)
        expr = (
            pl.when(hit).then(pl.lit(rating))
            if expr is None
            else expr.when(hit).then(pl.lit(rating))
        )
    no_history = pl.col("on_time_payment_ratio").is_null()
    fallback = pl.lit(config["no_history_rating"])
    if config["no_history_rating"] not in RATINGS:
        raise ValueError(f"credit.no_history_rating must be one of {RATINGS}")
    expr = (
        pl.when(no_history).then(fallback) if expr is None else expr.when(no_history).then(fallback)
    )
    return expr.otherwise(pl.lit("A")).alias("credit_rating")


def credit_ratings(features: pl.DataFrame, config: dict) -> pl.Series:
    """Credit rating A-D per row of a mart frame."""
    return features.select(credit_rating_expr(config)).to_series()
