"""Segment profiles: size, trait means and index vs population (population = 100).

Grain of the output: one row per segment_id x as_of_month, over the customers scored in that
month. Traits are configured in `segmentation.profile` (numeric mart or score columns, and
attribute shares such as share_cash_payers = share of customers whose payment_method is cash).
Each trait has a mean (`<trait>_mean`) and a robust centre (`<trait>_centre`): the mean of
the values between the `trim` and 1 - `trim` quantiles of the group (a trimmed mean; 5% a side
by default) for a numeric trait, the plain share for an attribute share (a 0/1 share has no
outliers, and trimming would erase a rare attribute). Decision: the index compares centres,
index = 100 * segment centre / population centre of the same month, so that a few industrial
customers cannot make the population's kWh, and every household's index, meaningless (with
means, one 50 GWh customer among 100 households put every household segment at kWh index 2).
When the population centre is 0 the index is 100 if the segment centre is 0 too, and null when
the population centre is negative or the trait is all null.

top_traits lists the traits that most distinguish the segment, ranked by |z|, the difference
of centres in population spreads, z = (segment centre - population centre) / population spread,
the spread being the standard deviation of the population's trimmed values (the sd of all
values when that is 0; decision: a log-index ranking let heavy-tailed traits dominate every
segment, and let a rare attribute shout "x5" when 5% of a segment has it). Each listed trait
shows its ratio index / 100 ("x3.1").
"""

from __future__ import annotations

import numpy as np
import polars as pl


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


def profile_table(frame: pl.DataFrame, profile_config: dict, with_z: bool = False) -> pl.DataFrame:
    """Profiles of `frame` (segment_id, as_of_month, the trait and attribute columns).

    With `with_z`, the table also carries one `<trait>_z` column per trait.
    """
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
    trim = float(profile_config.get("trim", 0.05))
    means = [pl.col(t).mean().alias(f"{t}_mean") for t in traits]
    centres = [trimmed(pl.col(t), trim).mean().alias(f"{t}_centre") for t in numeric]
    centres += [pl.col(t).mean().alias(f"{t}_centre") for t in traits[len(numeric) :]]
    sds = [
        pl.coalesce(
            pl.when(trimmed(pl.col(t), trim).std(ddof=0) > 0).then(
                trimmed(pl.col(t), trim).std(ddof=0)
            ),
            pl.col(t).std(ddof=0),
        ).alias(f"{t}_sd")
        for t in numeric
    ] + [pl.col(t).std(ddof=0).alias(f"{t}_sd") for t in traits[len(numeric) :]]
    population = grouped(
        data, ["as_of_month"], [pl.len().alias("month_total"), *means, *centres, *sds]
    )
    population = population.rename(
        {f"{t}_{kind}": f"{t}_pop_{kind}" for t in traits for kind in ("mean", "centre")}
    )
    segments = grouped(
        data, ["as_of_month", "segment_id"], [pl.len().alias("n_customers"), *means, *centres]
    )
    joined = segments.join(population, on="as_of_month").sort("as_of_month", "segment_id")
    indexes, zs = [], []
    for t in traits:
        seg, pop, sd = pl.col(f"{t}_centre"), pl.col(f"{t}_pop_centre"), pl.col(f"{t}_sd")
        zs.append(pl.when(sd > 0).then((seg - pop) / sd).otherwise(0.0).alias(f"{t}_z"))
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
        *zs,
    )
    table = table.select(
        "segment_id",
        "as_of_month",
        "n_customers",
        "share",
        *[f"{t}_mean" for t in traits],
        *[f"{t}_centre" for t in traits],
        *[f"{t}_index" for t in traits],
        *[f"{t}_z" for t in traits],
    )
    top = top_traits(table, traits, int(profile_config["top_n"]))
    table = table.with_columns(pl.Series("top_traits", top, dtype=pl.String))
    return table if with_z else table.drop([f"{t}_z" for t in traits])


def class_relative_z(
    frame: pl.DataFrame, traits: list[str], class_column: str, trim: float
) -> dict[str, dict[str, float]]:
    """{segment_id: {trait: z}} of each segment against the customers of its own class.

    A segment's class is the most common value of `class_column` among its customers (ties:
    the first in sort order). z = (segment centre - class centre) / class spread, with the
    same trimmed centres and spreads as `profile_table`, over the customers of one month. A
    level word ("high-usage") then compares households with households: beside 7,000 kWh
    commercial meters every household segment is small, and against the population a typical
    household segment reads as "low-usage", a typical business one as "high-usage"."""
    data = frame.select(
        "segment_id", class_column, *[pl.col(t).cast(pl.Float64) for t in traits]
    ).rechunk()
    dominant = (
        data.group_by("segment_id", class_column)
        .len()
        .sort(["segment_id", "len", class_column], descending=[False, True, False])
        .unique("segment_id", keep="first", maintain_order=True)
    )
    spreads = [
        pl.coalesce(
            pl.when(trimmed(pl.col(t), trim).std(ddof=0) > 0).then(
                trimmed(pl.col(t), trim).std(ddof=0)
            ),
            pl.col(t).std(ddof=0),
        ).alias(t)
        for t in traits
    ]
    out: dict[str, dict[str, float]] = {}
    for segment_id, cls, _ in dominant.iter_rows():
        members = data.filter(pl.col(class_column) == cls) if cls is not None else data
        own = data.filter(pl.col("segment_id") == segment_id)
        centre = own.select(trimmed(pl.col(t), trim).mean() for t in traits).row(0)
        cls_centre = members.select(trimmed(pl.col(t), trim).mean() for t in traits).row(0)
        spread = members.select(spreads).row(0)
        out[segment_id] = {
            t: float((c - m) / sd) if c is not None and m is not None and sd else 0.0
            for t, c, m, sd in zip(traits, centre, cls_centre, spread, strict=True)
        }
    return out


def trimmed(values: pl.Expr, trim: float) -> pl.Expr:
    """The non-null values between the `trim` and 1 - `trim` quantiles (all when trim is 0)."""
    if trim <= 0:
        return values.drop_nulls()
    low, high = values.quantile(trim, "lower"), values.quantile(1 - trim, "higher")
    return values.filter((values >= low) & (values <= high))


def grouped(data: pl.DataFrame, keys: list[str], aggs: list[pl.Expr]) -> pl.DataFrame:
    """`data.group_by(keys).agg(aggs)`, reproducible to the last bit.

    Polars' parallel group-by adds up a group's floats in an order that varies from run to run:
    profile means of the same rows differed in their last bits between two runs. Here each
    group is reduced on its own, over contiguous columns in row order, the same every time.
    """
    if data.height == 0:
        return data.group_by(keys).agg(aggs)
    if all(n == 1 for n in data.select(pl.col(keys).n_unique()).row(0)):
        # one group (the population of one month): the frame itself, without partition_by's copy
        parts = {data.select(keys).row(0): data}
    else:
        parts = data.partition_by(keys, maintain_order=True, as_dict=True)
    return pl.concat(
        [
            part.rechunk().select(
                *[pl.lit(v, dtype=data.schema[k]).alias(k) for k, v in zip(keys, key, strict=True)],
                *aggs,
            )
            for key, part in parts.items()
        ]
    )


def ranked_traits(z_by_trait: dict[str, float | None]) -> list[tuple[str, float]]:
    """(trait, z) sorted by |z| descending (ties: given order); null z left out."""
    scored = [
        (-abs(z), position, trait, float(z))
        for position, (trait, z) in enumerate(z_by_trait.items())
        if z is not None and np.isfinite(z)
    ]
    return [(trait, z) for _, _, trait, z in sorted(scored)]


def _format_ratio(index: float | None, z: float) -> str:
    if index is None:
        return f"z{z:+.1f}"
    ratio = index / 100.0
    return f"x{ratio:.1f}" if ratio >= 0.1 else f"x{ratio:.2f}"


def parse_top_traits(text: str | None) -> list[str]:
    """The trait names of a `top_traits` value ('trait xRATIO; ...'), in order."""
    return [part.rsplit(" ", 1)[0] for part in (text or "").split("; ") if part]


def top_traits(table: pl.DataFrame, traits: list[str], top_n: int) -> list[str]:
    """'trait xRATIO; ...' per profile row (RATIO = index / 100), strongest |z| first."""
    out = []
    z_rows = table.select([f"{t}_z" for t in traits]).iter_rows()
    index_rows = table.select([f"{t}_index" for t in traits]).iter_rows()
    for z_row, index_row in zip(z_rows, index_rows, strict=True):
        index = dict(zip(traits, index_row, strict=True))
        ranked = ranked_traits(dict(zip(traits, z_row, strict=True)))[:top_n]
        out.append("; ".join(f"{t} {_format_ratio(index[t], z)}" for t, z in ranked))
    return out
