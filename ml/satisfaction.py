"""Satisfaction index (0-100) and the AP Company value x satisfaction grid.

Grain: one value per customer x as_of_month row. Model-free: the formula and its weights live
in `ml/config/satisfaction.yaml` (the `satisfaction` config section) and nothing is fitted.

    experience = 100 * (1 - sum_k weight_k * min(x_k / cap_k, 1))   null x_k counts as 0
    survey     = 100 * (survey_satisfaction - 1) / 4                  1..5 post-case survey
    score      = survey_weight * survey + (1 - survey_weight) * experience  when surveyed,
                 experience otherwise.
"""

from __future__ import annotations

import polars as pl


def satisfaction_expr(config: dict) -> pl.Expr:
    """Polars expression of the satisfaction index over the mart columns."""
    experience = config["experience"]
    total = sum(float(spec["weight"]) for spec in experience.values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"satisfaction.experience weights must sum to 1, got {total}")
    penalty = pl.lit(0.0)
    for column, spec in experience.items():
        if float(spec["cap"]) <= 0:
            raise ValueError(f"satisfaction.experience.{column}.cap must be positive")
        # times the reciprocal, not divided by the cap: Polars divides a long column by a
        # scalar through its reciprocal and a short one exactly, so a row's bits would depend on
        # the rows scored with it (a month scored in batches must equal it scored whole)
        inverse_cap = 1.0 / float(spec["cap"])
        ratio = pl.col(column).cast(pl.Float64).fill_null(0.0).clip(0.0) * inverse_cap
        penalty = penalty + float(spec["weight"]) * ratio.clip(upper_bound=1.0)
    experience_score = 100.0 * (1.0 - penalty)
    survey = (100.0 * (pl.col("survey_satisfaction").cast(pl.Float64) - 1.0) / 4.0).clip(0, 100)
    w = float(config["survey_weight"])
    blended = w * survey + (1.0 - w) * experience_score
    score = pl.when(survey.is_not_null()).then(blended).otherwise(experience_score)
    return score.clip(0.0, 100.0).alias("satisfaction_score")


def satisfaction_scores(features: pl.DataFrame, config: dict) -> pl.Series:
    """Satisfaction index 0-100 per row of a mart frame."""
    return features.select(satisfaction_expr(config)).to_series()


def _grid(config: dict) -> dict:
    grid = config["grid"]
    if grid not in config["grids"]:
        raise ValueError(f"satisfaction.grid {grid!r} is not one of {list(config['grids'])}")
    return config["grids"][grid]


def check_value_levels(tier_names, config: dict) -> None:
    """Raise ValueError when a value tier has no level in the configured grid."""
    missing = [t for t in tier_names if t not in _grid(config)["value_levels"]]
    if missing:
        raise ValueError(f"satisfaction.grids.{config['grid']}.value_levels lacks tiers {missing}")


def value_level_expr(config: dict, tier_column: str = "value_tier") -> pl.Expr:
    """Value level (high / medium / low) of the grid from the value tier."""
    levels = _grid(config)["value_levels"]
    return pl.col(tier_column).replace_strict(levels, return_dtype=pl.String).alias("value_level")


def satisfaction_level_expr(config: dict, score_column: str = "satisfaction_score") -> pl.Expr:
    """Satisfaction level of the grid: below the first cut 'low', and so on; the rest 'high'."""
    cuts = sorted(_grid(config)["satisfaction_cuts"].items(), key=lambda item: item[1])
    expr = None
    for level, cut in cuts:
        cond = pl.col(score_column) < float(cut)
        expr = (
            pl.when(cond).then(pl.lit(level))
            if expr is None
            else expr.when(cond).then(pl.lit(level))
        )
    return expr.otherwise(pl.lit("high")).alias("satisfaction_level")


def value_satisfaction_cell_expr(config: dict) -> pl.Expr:
    """Named grid cell from the `value_level` and `satisfaction_level` columns."""
    cells = _grid(config)["cells"]
    key = pl.concat_str([pl.col("value_level"), pl.col("satisfaction_level")], separator="/")
    return key.replace_strict(cells, return_dtype=pl.String).alias("value_satisfaction_cell")


def value_satisfaction_cell(scored: pl.DataFrame, config: dict) -> pl.Series:
    """Grid cell name per row of a frame with value_tier and satisfaction_score columns."""
    return (
        scored.select(value_level_expr(config), satisfaction_level_expr(config))
        .select(value_satisfaction_cell_expr(config))
        .to_series()
    )
