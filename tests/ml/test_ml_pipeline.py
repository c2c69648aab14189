"""The public API of ml.pipeline end to end on the planted fixture."""

import json

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from ml.eligibility import RESERVED_SEGMENT_ID, RESERVED_SEGMENT_NAME
from ml.pipeline import (
    OUTPUT_COLUMNS,
    SegmentationModel,
    build_segment_profiles,
    load_config,
    score_customers,
    segment_migrations,
    segment_rules_markdown,
    segmentation_model_row,
    train_segmentation,
    value_index_weights,
)

TRAINED_AT = "2024-07-01T00:00:00Z"


@pytest.fixture(scope="module")
def scored(planted, trained, config):
    return score_customers(planted, trained, config)


def test_planted_groups_are_recovered(planted, trained, scored):
    assert trained.k == 5 and trained.metrics["k_selection"] == "split"
    assert adjusted_rand_score(planted["planted_group"], scored["segment_id"]) > 0.9


def test_scored_frame_has_exactly_the_published_columns(planted, scored):
    assert tuple(scored.columns) == OUTPUT_COLUMNS
    assert scored.height == planted.height
    assert scored["customer_id"].to_list() == planted["customer_id"].to_list()
    # segment_reason is null for every clustered customer (all of them here)
    assert scored.drop("segment_reason").null_count().sum_horizontal().item() == 0
    assert scored["segment_reason"].null_count() == scored.height
    assert scored["value_score"].is_between(0, 100).all()
    assert scored["satisfaction_score"].is_between(0, 100).all()
    assert set(scored["credit_rating"]) <= {"A", "B", "C", "D"}
    assert set(scored["value_tier"]) == {"VIP", "high", "medium", "low"}
    assert (scored["model_version"] == "v1").all()


def test_every_customer_gets_one_strategy_and_segments_carry_theirs(
    planted, trained, scored, config
):
    described = set(config["strategies"]["strategies"])
    assert set(scored["recommended_strategy"]) <= described
    profiles = build_segment_profiles(planted, scored, trained, config)
    assert profiles["strategy"].is_in(list(described)).all()
    by_group = dict(
        planted.select("planted_group")
        .with_columns(scored["segment_id"])
        .join(profiles.select("segment_id", "strategy"), on="segment_id")
        .group_by("planted_group")
        .agg(pl.col("strategy").first())
        .iter_rows()
    )
    assert by_group["stressed"] == "payment_arrangement_budget_billing"
    assert by_group["solar"] == "solar_storage_advisory"


def test_segment_names_are_unique_and_meaningful(planted, trained, scored):
    names = [e.name for e in trained.registry.active()]
    assert len(set(names)) == len(names) == trained.k
    by_group = dict(
        planted.select("planted_group")
        .with_columns(scored["segment_name"])
        .group_by("planted_group")
        .agg(pl.col("segment_name").first())
        .iter_rows()
    )
    assert "solar" in by_group["solar"].lower()
    assert "cash payers" in by_group["stressed"].lower()
    assert "industrial" in by_group["industrial"].lower()


def test_training_is_deterministic(planted, trained, config):
    again = train_segmentation(planted, config, None, "v1", TRAINED_AT)
    assert again.to_json() == trained.to_json()


def test_scoring_is_deterministic_and_survives_json_round_trip(planted, trained, config, scored):
    assert score_customers(planted, trained, config).equals(scored)
    reloaded = SegmentationModel.from_json(trained.to_json())
    assert reloaded.to_json() == trained.to_json()
    assert score_customers(planted, reloaded, config).equals(scored)


def test_model_json_is_strict_json_with_the_documented_fields(trained):
    payload = json.loads(trained.to_json())  # no NaN literals
    for key in [
        "model_version",
        "trained_at",
        "as_of_month",
        "k",
        "features",
        "preprocessing",
        "centroids",
        "cluster_to_segment",
        "registry",
        "value_index",
        "metrics",
    ]:
        assert key in payload
    assert len(payload["centroids"]) == trained.k
    metrics = payload["metrics"]
    for key in [
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "n_customers",
        "segment_sizes",
        "k_evaluation",
        "stability_ari",
        "surrogate_fidelity",
        "segment_rules",
    ]:
        assert key in metrics
    assert sum(metrics["segment_sizes"].values()) == 1000
    assert metrics["dropped_features"] == {
        f: "all null"
        for f in ["load_factor", "peak_hour_share", "night_share", "weekday_weekend_ratio"]
    }


def test_surrogate_fidelity_is_high_on_separable_data(trained):
    fidelity = trained.metrics["surrogate_fidelity"]
    assert 0.95 <= fidelity <= 1.0
    assert set(trained.metrics["segment_rules"]) == set(trained.cluster_to_segment.values())


def test_retrain_on_same_data_keeps_ids_names_and_strategies(planted, trained, config):
    retrained = train_segmentation(planted, config, trained, "v2", TRAINED_AT)
    assert retrained.cluster_to_segment == trained.cluster_to_segment
    assert [(e.segment_id, e.name, e.strategy) for e in retrained.registry.active()] == [
        (e.segment_id, e.name, e.strategy) for e in trained.registry.active()
    ]
    row = segmentation_model_row(retrained)
    assert row["stability_ari"] == pytest.approx(1.0)
    assert (row["n_segments_matched"], row["n_segments_new"], row["n_segments_retired"]) == (
        5,
        0,
        0,
    )


def id_of(frame: pl.DataFrame, scored: pl.DataFrame, group: str) -> str:
    """The segment most customers of a planted group fall in."""
    return scored.filter(frame["planted_group"] == group)["segment_id"].mode()[0]


def test_new_group_gets_new_id_and_vanished_group_is_retired(make_features, config):
    fixed = load_config({"segmentation": {"fixed_k": 4}})
    before = make_features((250, 250, 250, 250, 0), seed=1)  # no commercial group yet
    v1 = train_segmentation(before, fixed, None, "v1", TRAINED_AT)
    after = make_features((0, 250, 250, 250, 250), seed=2)  # industrial gone, commercial new
    v2 = train_segmentation(after, fixed, v1, "v2", TRAINED_AT)
    s1, s2 = score_customers(before, v1, config), score_customers(after, v2, config)
    for group in ["stressed", "solar", "comfortable"]:
        assert id_of(before, s1, group) == id_of(after, s2, group)
    assert id_of(after, s2, "business") == "S05"
    retired = [e for e in v2.registry.entries if e.retired_in == "v2"]
    assert [e.segment_id for e in retired] == [id_of(before, s1, "industrial")]
    assert v2.metrics["n_segments_new"] == 1 and v2.metrics["n_segments_retired"] == 1


def test_profiles_for_several_months(make_features, trained, config):
    may, june = make_features(seed=8, as_of_month="2024-05"), make_features(seed=9)
    features = pl.concat([may, june])
    scored = score_customers(features, trained, config)
    profiles = build_segment_profiles(features, scored, trained, config)
    assert profiles.columns[:5] == [
        "segment_id",
        "segment_name",
        "as_of_month",
        "n_customers",
        "share",
    ]
    assert profiles.columns[-2:] == ["top_traits", "strategy"]
    assert "kwh_avg_month_mean" in profiles.columns and "share_solar_index" in profiles.columns
    assert profiles.height == 10
    shares = profiles.group_by("as_of_month").agg(pl.col("share").sum())["share"]
    assert shares.to_list() == pytest.approx([1.0, 1.0])


def test_profiles_match_customers_on_keys_whatever_the_row_order(make_features, trained, config):
    """Scores in the features' own row order are put side by side; in another order, or for a
    subset of the rows, they are joined on the keys: the profiles are the same either way."""
    may, june = make_features(seed=8, as_of_month="2024-05"), make_features(seed=9)
    features = pl.concat([may, june])
    scored = score_customers(features, trained, config)
    aligned = build_segment_profiles(features, scored, trained, config)
    shuffled = build_segment_profiles(features, scored.reverse(), trained, config)
    assert aligned.equals(shuffled)
    # only June scored: May's customers have no scores and drop out of the profiles
    june_only = build_segment_profiles(
        features, scored.filter(pl.col("as_of_month") == "2024-06"), trained, config
    )
    assert june_only.equals(build_segment_profiles(june, scored.tail(june.height), trained, config))
    assert set(june_only["as_of_month"]) == {"2024-06"}


def test_migrations_from_scored_history(make_features, trained, config):
    may, june = make_features(seed=8, as_of_month="2024-05"), make_features(seed=9)
    history = score_customers(pl.concat([may, june]), trained, config)
    moves = segment_migrations(history)
    assert moves["n_customers"].sum() == 1000  # same customer ids in both months
    stayers = moves.filter(pl.col("from_segment") == pl.col("to_segment"))["n_customers"].sum()
    assert stayers / 1000 > 0.95


def test_value_index_weights_rows(trained):
    weights = value_index_weights(trained)
    assert weights.columns == [
        "criterion",
        "level",
        "method",
        "weight",
        "consistency_ratio",
        "model_version",
    ]
    assert weights.height == 3 * (5 + 10)
    sums = weights.group_by("method", "level").agg(pl.col("weight").sum())["weight"]
    assert np.allclose(sums.to_numpy(), 1.0)


def test_segmentation_model_row(trained):
    row = segmentation_model_row(trained)
    assert row["model_version"] == "v1" and row["trained_at"] == TRAINED_AT
    assert row["k"] == 5 and row["n_customers"] == 1000
    assert row["features"].split(",") == trained.features
    assert row["stability_ari"] is None and row["n_segments_new"] == 5
    assert 0 < row["silhouette"] <= 1 and row["davies_bouldin"] > 0


def test_rules_markdown_lists_every_segment(trained):
    text = segment_rules_markdown(trained)
    for entry in trained.registry.active():
        assert f"## {entry.segment_id}: {entry.name}" in text
        assert f"strategy: {entry.strategy}" in text
    assert "IF " in text and "fidelity" in text


def test_all_null_and_constant_features_are_dropped_with_a_note(planted, config):
    broken = planted.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("tou_peak_share"),
        pl.lit(1.2).alias("kwh_winter_ratio"),
        pl.lit(None).alias("kwh_growth"),
        pl.lit(None).alias("survey_satisfaction"),
    )
    model = train_segmentation(broken, config, None, "v1", TRAINED_AT)
    assert model.metrics["dropped_features"]["tou_peak_share"] == "all null"
    assert model.metrics["dropped_features"]["kwh_winter_ratio"] == "constant"
    assert "tou_peak_share" not in model.features
    scored = score_customers(broken, model, config).drop("segment_reason")
    assert scored.null_count().sum_horizontal().item() == 0


def test_small_ami_like_dataset_trains(make_features, config):
    small = make_features((30, 30, 20, 10, 10), seed=4).with_columns(
        *[
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in [
                "tou_peak_share",
                "avg_price_per_kwh",
                "kwh_growth",
                "capacity_utilisation",
                "mean_resolution_hours",
                "survey_satisfaction",
                "contracted_capacity_kva",
            ]
        ],
        pl.Series("load_factor", np.linspace(0.2, 0.8, 100)),
    )
    model = train_segmentation(small, config, None, "v1", TRAINED_AT)
    assert 2 <= model.k <= 10 and "load_factor" in model.features
    scored = score_customers(small, model, config)
    assert scored.height == 100 and scored["segment_id"].null_count() == 0


def test_training_frame_must_be_one_month_of_unique_customers(planted, make_features, config):
    two = pl.concat([planted.head(10), make_features((5, 0, 0, 0, 0), as_of_month="2024-07")])
    with pytest.raises(ValueError, match="exactly one as_of_month"):
        train_segmentation(two, config, None, "v1", TRAINED_AT)
    with pytest.raises(ValueError, match="not unique"):
        train_segmentation(pl.concat([planted, planted.head(1)]), config, None, "v", TRAINED_AT)


def test_load_config_merges_overrides_and_refuses_unknown_keys():
    config = load_config({"segmentation": {"fixed_k": 6, "surrogate": {"max_depth": 3}}})
    assert config["segmentation"]["fixed_k"] == 6
    assert config["segmentation"]["surrogate"] == {"max_depth": 3, "sample_size": 100000}
    assert load_config()["segmentation"]["fixed_k"] is None  # defaults untouched
    assert set(config) == {
        "segmentation",
        "value_index",
        "satisfaction",
        "credit",
        "strategies",
        "naming",
    }
    with pytest.raises(ValueError, match="segmentation.fixd_k"):
        load_config({"segmentation": {"fixd_k": 6}})
    with pytest.raises(ValueError, match="unknown config section"):
        load_config({"segmentaton": {}})


def test_scoring_errors_name_what_is_wrong(planted, trained, config):
    with pytest.raises(ValueError, match=r"lacks columns \['region'\]"):
        score_customers(planted.drop("region"), trained, config)
    grid = {**config["satisfaction"]["grids"]["2x2"], "value_levels": {"VIP": "high", "low": "low"}}
    two_by_two = {
        **config,
        "satisfaction": {**config["satisfaction"], "grid": "2x2", "grids": {"2x2": grid}},
    }
    with pytest.raises(ValueError, match=r"value_levels lacks tiers \['high', 'medium'\]"):
        score_customers(planted, trained, two_by_two)


def test_model_json_from_another_schema_version_is_refused(trained):
    payload = json.loads(trained.to_json())
    payload["schema_version"] = 0
    with pytest.raises(ValueError, match="schema_version"):
        SegmentationModel.from_json(json.dumps(payload))


def test_customers_without_recent_data_get_the_reserved_segment(planted, trained, config):
    """No bill in the last 3 months, or fewer than 3 billed months in 12: not clustered, the
    reserved segment with a reason; left out of training and of the profile indices, counted."""
    stale = planted.with_columns(
        pl.when(pl.int_range(pl.len()) < 30)
        .then(pl.lit(3))  # last bill 3 months ago
        .when(pl.int_range(pl.len()) < 40)
        .then(pl.lit(None))  # no bill in the window
        .otherwise(pl.col("months_since_last_bill"))
        .alias("months_since_last_bill"),
        pl.when(pl.int_range(pl.len()).is_between(40, 59))
        .then(pl.lit(2))
        .otherwise(pl.col("months_billed"))
        .alias("months_billed"),
    )
    model = train_segmentation(stale, config, None, "v-stale", "t")
    assert model.metrics["n_customers"] == planted.height - 60
    assert model.metrics["n_not_clustered"] == 60
    scored = score_customers(stale, model, config)
    reserved = scored.filter(pl.col("segment_id") == RESERVED_SEGMENT_ID)
    assert reserved.height == 60
    assert set(reserved["segment_name"]) == {RESERVED_SEGMENT_NAME}
    assert reserved["segment_reason"].value_counts(sort=True).rows() == [
        ("no bill in the last 3 months", 40),
        ("fewer than 3 billed months in the last 12", 20),
    ]
    profiles = build_segment_profiles(stale, scored, model, config)
    row = profiles.filter(pl.col("segment_id") == RESERVED_SEGMENT_ID).row(0, named=True)
    assert row["n_customers"] == 60 and row["share"] == pytest.approx(0.06)
    assert row["segment_name"] == RESERVED_SEGMENT_NAME
    assert row["kwh_avg_month_index"] is None and row["kwh_avg_month_mean"] is None
    assert profiles["share"].sum() == pytest.approx(1.0)
    # the thresholds are configurable
    lenient = load_config({"segmentation": {"eligibility": {"recent_bill_months": 4}}})
    rescored = score_customers(stale, model, lenient)
    assert (rescored["segment_id"] == RESERVED_SEGMENT_ID).sum() == 30


def test_profile_strategy_is_what_most_of_the_segment_carries(planted, trained, config, scored):
    profiles = build_segment_profiles(planted, scored, trained, config)
    for row in profiles.iter_rows(named=True):
        carried = scored.filter(pl.col("segment_id") == row["segment_id"])["recommended_strategy"]
        counts = carried.value_counts(sort=True)
        assert (
            row["strategy"]
            in counts.filter(pl.col("count") == counts["count"].max())[
                "recommended_strategy"
            ].to_list()
        )
