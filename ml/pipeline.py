"""The API the Dagster layer calls: configure, train, score, profile, publish-ready rows.

Grain per function: `train_segmentation` one model per training month; `score_customers` one
row per customer x as_of_month; `build_segment_profiles` one row per segment x as_of_month;
`segment_migrations` one row per from_segment x to_segment x to_month; `value_index_weights`
one row per criterion x method; `segmentation_model_row` one row per model_version.

What is fitted lives in the model (preprocessing, centroids, ids, names, segment strategies,
value index bounds, weights and tier cut points); the model-free rules (satisfaction formula,
grid, credit thresholds, strategy playbook) are read from `config` at scoring time, so a
playbook change applies at the next scoring run without retraining.
"""

from __future__ import annotations

import polars as pl

from ml.eligibility import RESERVED_SEGMENT_ID
from ml.heatmap import profile_heatmap_png
from ml.migrations import segment_migrations
from ml.model import SegmentationModel
from ml.profiles import grouped, profile_table
from ml.scoring import OUTPUT_COLUMNS, score_customers
from ml.settings import default_config, merge_config
from ml.strategies import fitting_segment_strategies
from ml.training import train_segmentation
from ml.value_index import weight_rows

__all__ = [
    "OUTPUT_COLUMNS",
    "SegmentationModel",
    "build_segment_profiles",
    "load_config",
    "profile_heatmap_png",
    "score_customers",
    "segment_migrations",
    "segment_rules_markdown",
    "segmentation_model_row",
    "train_segmentation",
    "value_index_weights",
]
KEYS = ["customer_id", "as_of_month"]
SCORE_TRAITS = ("value_score", "satisfaction_score", "segment_id")


def load_config(overrides: dict | None = None) -> dict:
    """Packaged YAML defaults (ml/config/*.yaml) deep-merged with `overrides`."""
    return merge_config(default_config(), overrides)


def build_segment_profiles(
    features: pl.DataFrame, scored: pl.DataFrame, model: SegmentationModel, config: dict
) -> pl.DataFrame:
    """Segment profiles per segment x as_of_month (any number of months at once).

    `scored` is the output of `score_customers`; customers are matched on customer_id and
    as_of_month. Names and strategies come from the model's registry.
    """
    profile_config = config["segmentation"]["profile"]
    from_scores = [c for c in (*SCORE_TRAITS, "recommended_strategy") if c in scored.columns]
    base = features.drop([c for c in from_scores if c in features.columns])
    keys, scored_keys = features.select(KEYS), scored.select(KEYS)
    if (
        scored.height == features.height
        and scored_keys.schema == keys.schema
        and scored_keys.equals(keys, null_equal=False)
    ):
        # the scores of these very rows, in their order (what score_customers returns): side
        # by side, without the join (0.27 s a month at 1M customers). The keys are unique in
        # the mart (one row per customer and month), so this is what the join would give.
        frame = base.with_columns(scored.select(from_scores))
    else:
        # in the features' row order, which the profile sums follow to the last bit
        frame = base.join(
            scored.select(*KEYS, *from_scores), on=KEYS, how="inner", maintain_order="left"
        )
    # the reserved segment (no recent data) is counted, not profiled: no means, no indices
    reserved = pl.col("segment_id") == RESERVED_SEGMENT_ID
    table = profile_table(frame.filter(~reserved), profile_config)
    counts = grouped(frame, ["as_of_month", "segment_id"], [pl.len().alias("n_customers")])
    table = pl.concat(
        [table, counts.filter(reserved).with_columns(pl.col("n_customers").cast(pl.Int64))],
        how="diagonal",
    )
    totals = grouped(frame, ["as_of_month"], [pl.len().alias("month_total")])
    if "recommended_strategy" in frame.columns:
        # what most of the segment's customers carry that month, among what fits the segment
        strategies = fitting_segment_strategies(frame, table, config["strategies"])
    else:
        by_id = model.segment_strategies(default=config["strategies"]["rules"][-1]["strategy"])
        strategies = pl.DataFrame({"segment_id": list(by_id), "strategy": list(by_id.values())})
    names = model.segment_names()
    first = ["segment_id", "segment_name", "as_of_month"]
    return (
        table.join(totals, on="as_of_month", how="left")
        .with_columns((pl.col("n_customers") / pl.col("month_total")).alias("share"))
        .drop("month_total")
        .join(strategies, on=[c for c in ("as_of_month", "segment_id") if c in strategies.columns])
        .with_columns(
            pl.col("segment_id").replace_strict(names, return_dtype=pl.String).alias("segment_name")
        )
        .sort("as_of_month", "segment_id")
        .select(*first, pl.exclude(first))
    )


def value_index_weights(model: SegmentationModel) -> pl.DataFrame:
    """`value_index_weights` rows: criterion, level, method, weight, consistency_ratio, version."""
    schema = {
        "criterion": pl.String,
        "level": pl.String,
        "method": pl.String,
        "weight": pl.Float64,
        "consistency_ratio": pl.Float64,
    }
    rows = pl.DataFrame(weight_rows(model.value_index), schema=schema)
    return rows.with_columns(pl.lit(model.model_version, dtype=pl.String).alias("model_version"))


def segmentation_model_row(model: SegmentationModel) -> dict:
    """One `segmentation_models` row for the model."""
    m = model.metrics
    return {
        "model_version": model.model_version,
        "trained_at": model.trained_at,
        "as_of_month": model.as_of_month,
        # the month the model was trained on (the same as as_of_month, named for what it is)
        "training_month": model.as_of_month,
        "k": model.k,
        "silhouette": m.get("silhouette"),
        "davies_bouldin": m.get("davies_bouldin"),
        "calinski_harabasz": m.get("calinski_harabasz"),
        "n_customers": m.get("n_customers"),
        "n_not_clustered": m.get("n_not_clustered"),
        "features": ",".join(model.features),
        "stability_ari": m.get("stability_ari"),
        "n_segments_matched": m.get("n_segments_matched"),
        "n_segments_new": m.get("n_segments_new"),
        "n_segments_retired": m.get("n_segments_retired"),
        "surrogate_fidelity": m.get("surrogate_fidelity"),
    }


def segment_rules_markdown(model: SegmentationModel) -> str:
    """Markdown description of each current segment: size, strategy and surrogate rules."""
    m = model.metrics
    lines = [
        f"# Segments of model {model.model_version} (trained on {model.as_of_month})",
        "",
        f"Rules from a decision tree that mimics the segments; fidelity "
        f"{m.get('surrogate_fidelity', 0.0):.1%} (share of customers it places in their segment).",
    ]
    sizes, rules, total = (
        m.get("segment_sizes", {}),
        m.get("segment_rules", {}),
        m.get("n_customers"),
    )
    for cluster in range(model.k):
        entry = model.registry.get(model.cluster_to_segment[cluster])
        n = sizes.get(entry.segment_id, 0)
        share = f" ({n / total:.1%})" if total else ""
        lines += [
            "",
            f"## {entry.segment_id}: {entry.name}",
            "",
            f"- customers at training: {n}{share}",
            f"- strategy: {entry.strategy}",
        ]
        lines += [f"- {rule}" for rule in rules.get(entry.segment_id, [])] or [
            "- (no leaf of the surrogate tree predicts this segment)"
        ]
    return "\n".join(lines) + "\n"
