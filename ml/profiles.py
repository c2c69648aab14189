"""Segment profiles: size, trait means and index vs population (population = 100).

Grain of the output: one row per segment_id x as_of_month, over the customers scored in that
month. Traits are configured in `segmentation.profile` (numeric mart or score columns, and
attribute shares such as share_cash_payers = share of customers whose payment_method is cash).
index = 100 * segment mean / population mean of the same month; when the population mean is
0 the index is 100 if the segment mean is 0 too, and null when the population mean is
negative or the trait is all null. top_traits lists the traits farthest from the population on
a log scale, |ln(index / 100)|, with the index clipped to [10, 1000] so that a trait absent
from a segment counts like one ten times over-represented, not infinitely.
"""

from __future__ import annotations

import numpy as np
import polars as pl

INDEX_FLOOR, INDEX_CAP = 10.0, 1000.0


def trait_names(profile_config: dict) -> list[str]:
    """All profile traits: numeric traits, then attribute shares."""
    return list(profile_config["traits"]) + list(profile_config["attribute_shares"])


def attribute_share_exprs(profile_config: dict) -> list[pl.Expr]:
    """0/1 indicator per attribute share (a null attribute counts as 'not equal')."""
    exprs = []
    for name, spec in profile_config["attribute_shares"].items():
        column, equals = spec["column"], spec["equals"]
        if isinstance(equals, bool):
            hit = pl.col(column).cast(pl.Boolean) == equals
        else:
            hit = pl.col(column).cast(pl.String) == str(equals)
        exprs.append(hit.fill_null(False).cast(pl.Float64).alias(name))
    return exprs


def profile_table(frame: pl.DataFrame, profile_config: dict) -> pl.DataFrame:
    """Profiles of `frame` (segment_id, as_of_month, the trait and attribute columns)."""
    numeric = list(profile_config["traits"])
    traits = trait_names(profile_config)
    missing = [c for c in numeric if c not in frame.columns]
    if missing:
        raise ValueError(f"profile traits missing from the frame: {missing}")
    data = frame.select(
        "segment_id",
        "as_of_month",
        *[pl.col(c).cast(pl.Float64) for c in numeric],
        *attribute_share_exprs(profile_config),
    )
    means = [pl.col(t).mean().alias(f"{t}_mean") for t in traits]
    population = data.group_by("as_of_month").agg(pl.len().alias("month_total"), *means)
    population = population.rename({f"{t}_mean": f"{t}_pop" for t in traits})
    segments = data.group_by("as_of_month", "segment_id").agg(pl.len().alias("n_customers"), *means)
    joined = segments.join(population, on="as_of_month").sort("as_of_month", "segment_id")
    indexes = []
    for t in traits:
        seg, pop = pl.col(f"{t}_mean"), pl.col(f"{t}_pop")
        idx = (
            pl.when(pop > 0)
            .then(100.0 * seg / pop)
            .when((pop == 0) & (seg == 0))
            .then(100.0)
            .otherwise(None)
        )
        indexes.append(idx.cast(pl.Float64).alias(f"{t}_index"))
    table = joined.with_columns(
        pl.col("n_customers").cast(pl.Int64),
        (pl.col("n_customers") / pl.col("month_total")).alias("share"),
        *indexes,
    )
    table = table.select(
        "segment_id",
        "as_of_month",
        "n_customers",
        "share",
        *[f"{t}_mean" for t in traits],
        *[f"{t}_index" for t in traits],
    )
    top = top_traits(table, traits, int(profile_config["top_n"]))
    return table.with_columns(pl.Series("top_traits", top, dtype=pl.String))


def ranked_traits(index_by_trait: dict[str, float | None]) -> list[tuple[str, float]]:
    """(trait, index) sorted by |ln(index / 100)| descending; null indexes left out."""
    scored = []
    for position, (trait, index) in enumerate(index_by_trait.items()):
        if index is None or not np.isfinite(index):
            continue
        distance = abs(np.log(np.clip(index, INDEX_FLOOR, INDEX_CAP) / 100.0))
        scored.append((-distance, position, trait, float(index)))
    return [(trait, index) for _, _, trait, index in sorted(scored)]


def _format_ratio(index: float) -> str:
    ratio = index / 100.0
    return f"x{ratio:.1f}" if ratio >= 0.1 else f"x{ratio:.2f}"


def top_traits(table: pl.DataFrame, traits: list[str], top_n: int) -> list[str]:
    """'trait xRATIO; ...' per profile row, RATIO = index / 100."""
    out = []
    for row in table.select([f"{t}_index" for t in traits]).iter_rows():
        ranked = ranked_traits(dict(zip(traits, row, strict=True)))[:top_n]
        out.append("; ".join(f"{t} {_format_ratio(i)}" for t, i in ranked))
    return out
