"""Training one segmentation model on one as_of_month of the customer_features mart.

Grain: one model per call. Steps: pick usable features (all-null, constant and sparse ones
are dropped, with a note in metrics.dropped_features), fit the preprocessing, choose k and cluster
(`ml/model_selection.py`), give clusters stable segment ids against the previous model's
registry, fit the value index, profile the segments, name new segments, derive strategies,
and measure quality (partition scores, stability vs the previous model, surrogate rules).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ml.eligibility import clusterable
from ml.explain import fit_surrogate
from ml.feature_catalog import LOG_FEATURES, SEGMENTATION_FEATURES
from ml.model import SegmentationModel
from ml.model_selection import cluster_customers, partition_scores
from ml.naming import segment_name
from ml.preprocessing import Preprocessor, fit_preprocessor, numeric_matrix, unusable_features
from ml.profiles import class_relative_z, profile_table, trait_names
from ml.scoring import assign_segments, core_scores
from ml.segment_registry import SegmentRegistry, assign_stable_segment_ids, stability_ari
from ml.settings import season_months
from ml.strategies import fitting_segment_strategies, recommend_strategies
from ml.value_index import fit_value_index


def _check_training_frame(features: pl.DataFrame) -> str:
    months = features["as_of_month"].unique().to_list() if "as_of_month" in features else []
    if len(months) != 1:
        raise ValueError(f"train_segmentation needs exactly one as_of_month, got {months}")
    if features["customer_id"].is_duplicated().any():
        raise ValueError("train_segmentation: customer_id is not unique within the month")
    if features.height < 3:
        raise ValueError(f"train_segmentation needs at least 3 customers, got {features.height}")
    return str(months[0])


def _reprojected(previous: SegmentationModel, prep: Preprocessor) -> SegmentRegistry:
    """The previous registry with active centroids expressed in the new model's space.

    A feature the old model did not use takes the new training median (neutral position).
    """
    medians = dict(zip(prep.features, prep.medians, strict=True))
    centroids = {}
    for entry in previous.registry.active():
        raw = [[entry.centroid_raw.get(f, medians[f]) for f in prep.features]]
        centroids[entry.segment_id] = prep.transform_matrix(np.asarray(raw, dtype=float))[0]
    return previous.registry.with_centroids(centroids)


def train_segmentation(
    features: pl.DataFrame,
    config: dict,
    previous: SegmentationModel | None,
    model_version: str,
    trained_at: str,
) -> SegmentationModel:
    """Train on one month of the mart; ids, names and strategies follow `previous`.

    Only the customers with enough recent data are trained on (ml/eligibility.py); the others
    are counted in metrics.n_not_clustered."""
    as_of_month = _check_training_frame(features)
    n_all = features.height
    features = clusterable(features, config)
    if features.height < 3:
        raise ValueError(
            f"train_segmentation: {features.height} of {n_all} customers in {as_of_month} have "
            "enough recent data to be clustered (segmentation.eligibility); at least 3 needed"
        )
    seg = config["segmentation"]
    requested = list(seg["features"] or SEGMENTATION_FEATURES)
    dropped = unusable_features(features, requested, float(seg["min_feature_coverage"]))
    used = [f for f in requested if f not in dropped]
    if not used:
        raise ValueError(f"train_segmentation: no usable feature (dropped: {dropped})")
    prep, _ = fit_preprocessor(
        features,
        used,
        seg["log_features"] or LOG_FEATURES,
        seg["clip"],
        seg.get("feature_caps"),
    )
    x = prep.transform(features)
    clustering = cluster_customers(x, seg, previous.k if previous else None)
    raw_centroids = prep.inverse_transform(clustering.centroids)
    mapping, registry = assign_stable_segment_ids(
        clustering.centroids,
        _reprojected(previous, prep) if previous else None,
        float(seg["registry_threshold"]),
        model_version,
        [dict(zip(used, row, strict=True)) for row in raw_centroids],
    )
    model = SegmentationModel(
        model_version=model_version,
        trained_at=trained_at,
        as_of_month=as_of_month,
        k=clustering.k,
        features=used,
        preprocessing=prep,
        centroids=clustering.centroids.tolist(),
        cluster_to_segment=mapping,
        registry=registry,
        value_index=fit_value_index(features, config["value_index"]),
    )
    core = core_scores(features, model, config)
    profile = profile_table(core, seg["profile"], with_z=True)
    traits = trait_names(seg["profile"])
    rows = list(profile.iter_rows(named=True))
    model.segment_traits = {r["segment_id"]: {t: r[f"{t}_index"] for t in traits} for r in rows}
    z_scores = {r["segment_id"]: {t: r[f"{t}_z"] for t in traits} for r in rows}
    # level words compare a segment with the customers of its own class (naming.yaml)
    relative = config["naming"].get("class_relative") or {}
    if relative.get("traits"):
        by_class = class_relative_z(
            core,
            list(relative["traits"]),
            relative["column"],
            float(seg["profile"].get("trim", 0.05)),
        )
        for sid, zs in by_class.items():
            z_scores.setdefault(sid, {}).update(zs)
    _describe_new_segments(model, core, profile, z_scores, config)
    model.metrics = _metrics(model, clustering, x, features, core, previous, dropped, seg)
    model.metrics["n_not_clustered"] = n_all - features.height
    model.metrics["season_months"] = season_months()
    return model


def _describe_new_segments(
    model: SegmentationModel,
    core: pl.DataFrame,
    profile: pl.DataFrame,
    z_scores: dict,
    config: dict,
) -> None:
    """Name new segments (unique among the model's segments); give every current segment the
    strategy most of its customers carry among those that fit it (a kept segment's strategy
    follows its customers, its name stays)."""
    strategies = recommend_strategies(core, model.segment_traits, config["strategies"])
    by_segment = dict(
        fitting_segment_strategies(
            core.select("as_of_month", "segment_id").with_columns(strategies),
            profile,
            config["strategies"],
        )
        .select("segment_id", "strategy")
        .iter_rows()
    )
    current = [model.cluster_to_segment[i] for i in range(model.k)]
    fresh = [s for s in current if model.registry.get(s).created_in == model.model_version]
    taken = {model.registry.get(s).name for s in current if s not in fresh}
    registry = model.registry
    for sid in current:
        registry = registry.with_updates(sid, strategy=by_segment.get(sid, ""))
    for sid in fresh:
        name = segment_name(z_scores.get(sid, {}), config["naming"], taken, sid)
        taken.add(name)
        registry = registry.with_updates(sid, name=name)
    model.registry = registry


def _metrics(model, clustering, x, features, core, previous, dropped, seg) -> dict:
    seed = int(seg["seed"])
    ids = core["segment_id"]
    stability = None
    if previous is not None:
        before = features.select("customer_id").with_columns(assign_segments(features, previous))
        stability = stability_ari(before, core.select("customer_id", "segment_id"))
    raw = numeric_matrix(features, model.features)
    raw = np.where(np.isnan(raw), np.asarray(model.preprocessing.medians), raw)
    surrogate = fit_surrogate(
        raw,
        model.features,
        ids.to_numpy(),
        max_depth=int(seg["surrogate"]["max_depth"]),
        seed=seed,
        sample_size=int(seg["surrogate"]["sample_size"]),
    )
    sizes = dict(sorted(ids.value_counts().iter_rows()))
    notes = model.registry.notes
    return {
        **partition_scores(x, clustering.labels, seed, int(seg["silhouette_sample_size"])),
        "n_customers": features.height,
        "segment_sizes": sizes,
        "algorithm": clustering.algorithm,
        "k_selection": clustering.selection,
        "k_evaluation": clustering.k_evaluation,
        "segment_splits": clustering.splits,
        "merged_small_segments": clustering.merges,
        "dropped_features": dropped,
        "previous_model_version": previous.model_version if previous else None,
        "stability_ari": stability,
        "n_segments_matched": notes["matched"],
        "n_segments_new": notes["new"],
        "n_segments_retired": notes["retired"],
        "surrogate_fidelity": surrogate.fidelity,
        "segment_rules": surrogate.rules,
    }
