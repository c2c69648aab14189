"""Stable segment ids: matching, new ids, retirement, no reuse, ARI stability."""

import numpy as np
import polars as pl
import pytest

from ml.segment_registry import SegmentRegistry, assign_stable_segment_ids, stability_ari

CENTROIDS = np.array(
    [[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0], [3.0, 3.0, 3.0]]
)
THRESHOLD = 0.5


@pytest.fixture()
def first():
    mapping, registry = assign_stable_segment_ids(CENTROIDS, None, THRESHOLD, "v1")
    for i, sid in mapping.items():
        registry = registry.with_updates(sid, name=f"name {i}", strategy=f"strategy {i}")
    return mapping, registry


def test_first_model_issues_ids_in_cluster_order(first):
    mapping, registry = first
    assert mapping == {0: "S01", 1: "S02", 2: "S03", 3: "S04", 4: "S05"}
    assert registry.next_number == 6
    assert registry.notes == {"matched": 0, "new": 5, "retired": 0}


def test_retrain_on_same_centroids_keeps_every_id_and_name(first):
    mapping, registry = first
    again, updated = assign_stable_segment_ids(CENTROIDS + 0.01, registry, THRESHOLD, "v2")
    assert again == mapping
    assert updated.notes == {"matched": 5, "new": 0, "retired": 0}
    assert [e.name for e in updated.active()] == [f"name {i}" for i in range(5)]
    assert all(e.last_seen_in == "v2" and e.created_in == "v1" for e in updated.entries)


def test_permuted_clusters_keep_their_ids(first):
    mapping, registry = first
    order = [3, 0, 4, 1, 2]
    permuted, updated = assign_stable_segment_ids(CENTROIDS[order], registry, THRESHOLD, "v2")
    assert permuted == {new: mapping[old] for new, old in enumerate(order)}
    assert updated.get(permuted[0]).strategy == "strategy 3"


def test_new_far_cluster_gets_new_id_and_vanished_one_is_retired(first):
    _, registry = first
    moved = np.vstack([CENTROIDS[:4], [[20.0, 20.0, 20.0]]])  # S05 vanished, a new one appears
    mapping, updated = assign_stable_segment_ids(moved, registry, THRESHOLD, "v2")
    assert mapping == {0: "S01", 1: "S02", 2: "S03", 3: "S04", 4: "S06"}
    assert updated.get("S05").retired_in == "v2"
    assert updated.get("S05").name == "name 4"  # retired entries are kept
    assert updated.get("S06").created_in == "v2" and updated.get("S06").name == ""
    assert updated.notes == {"matched": 4, "new": 1, "retired": 1}
    assert [e.segment_id for e in updated.active()] == ["S01", "S02", "S03", "S04", "S06"]


def test_ids_are_never_reused(first):
    _, registry = first
    _, v2 = assign_stable_segment_ids(CENTROIDS[:4], registry, THRESHOLD, "v2")  # S05 retired
    mapping, v3 = assign_stable_segment_ids(CENTROIDS, v2, THRESHOLD, "v3")  # it comes back
    assert mapping[4] == "S06"  # a fresh id, not the retired S05
    assert v3.get("S05").retired_in == "v2"
    assert len({e.segment_id for e in v3.entries}) == len(v3.entries) == 6


def test_pairs_beyond_threshold_do_not_match(first):
    _, registry = first
    shifted = CENTROIDS + 1.0  # rms distance 1.0 > 0.5
    mapping, updated = assign_stable_segment_ids(shifted, registry, THRESHOLD, "v2")
    assert sorted(mapping.values()) == ["S06", "S07", "S08", "S09", "S10"]
    assert updated.notes["retired"] == 5


def test_fewer_new_clusters_match_the_closest_old_ones(first):
    _, registry = first
    mapping, _ = assign_stable_segment_ids(CENTROIDS[[4, 2]], registry, THRESHOLD, "v2")
    assert mapping == {0: "S05", 1: "S03"}


def test_registry_dict_round_trip(first):
    _, registry = first
    assert SegmentRegistry.from_dict(registry.to_dict()) == registry


def test_mismatched_dimensions_must_be_reprojected_first(first):
    _, registry = first
    with pytest.raises(ValueError, match="re-project"):
        assign_stable_segment_ids(CENTROIDS[:, :2], registry, THRESHOLD, "v2")


def test_stability_ari_uses_shared_customers_and_ignores_id_names():
    before = pl.DataFrame({"customer_id": list("abcdef"), "segment_id": ["S01"] * 3 + ["S02"] * 3})
    after = pl.DataFrame(
        {"customer_id": list("abcdefg"), "segment_id": ["S09"] * 3 + ["S07"] * 3 + ["S01"]}
    )
    assert stability_ari(before, after) == pytest.approx(1.0)
    shuffled = after.with_columns(pl.Series("segment_id", ["S09", "S07"] * 3 + ["S01"]))
    assert stability_ari(before, shuffled) < 0.2
    assert stability_ari(before.head(1), after) is None
