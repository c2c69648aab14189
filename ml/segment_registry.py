"""Stable segment ids across retrains: every segment id ever issued, its name and strategy.

Grain: one registry entry per segment id (S01, S02, ...), active or retired. K-means numbers
clusters arbitrarily; `assign_stable_segment_ids` matches the new model's centroids to the
active entries' centroids with the Hungarian algorithm. Distances are root-mean-square per
feature between centroids expressed in one standardised space (the caller re-projects old
centroids into the new model's space first, see `SegmentRegistry.with_centroids`). A pair
farther apart than `threshold` is not a match: the new cluster gets a fresh id (never reused)
and the old id is retired (kept, with `retired_in`). A matched id keeps its name and strategy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import polars as pl
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

_UNMATCHABLE = 1e9


@dataclass(frozen=True)
class SegmentEntry:
    """One segment id: what it is called, what it is offered, where its centroid was."""

    segment_id: str
    name: str
    strategy: str
    centroid: tuple[float, ...]  # standardised space of model `last_seen_in`
    centroid_raw: dict[str, float]  # raw feature units, to re-project into a later model
    created_in: str
    last_seen_in: str
    retired_in: str | None = None


@dataclass(frozen=True)
class SegmentRegistry:
    """All segment ids ever issued; `next_number` only grows, so ids are never reused."""

    entries: tuple[SegmentEntry, ...] = ()
    next_number: int = 1
    notes: dict = field(default_factory=dict)  # matched / new / retired of the last assignment

    def active(self) -> list[SegmentEntry]:
        return [e for e in self.entries if e.retired_in is None]

    def get(self, segment_id: str) -> SegmentEntry:
        for entry in self.entries:
            if entry.segment_id == segment_id:
                return entry
        raise KeyError(f"segment id {segment_id} is not in the registry")

    def with_updates(self, segment_id: str, **changes) -> SegmentRegistry:
        """A copy with fields of one entry changed (name, strategy, centroid_raw, ...)."""
        entries = tuple(
            replace(e, **changes) if e.segment_id == segment_id else e for e in self.entries
        )
        return replace(self, entries=entries)

    def with_centroids(self, centroids: Mapping[str, Sequence[float]]) -> SegmentRegistry:
        """A copy whose listed entries carry re-projected (standardised) centroids."""
        entries = tuple(
            replace(e, centroid=tuple(float(v) for v in centroids[e.segment_id]))
            if e.segment_id in centroids
            else e
            for e in self.entries
        )
        return replace(self, entries=entries)

    def to_dict(self) -> dict:
        entries = []
        for e in self.entries:
            d = asdict(e)
            d["centroid"] = list(e.centroid)
            entries.append(d)
        return {"entries": entries, "next_number": self.next_number, "notes": self.notes}

    @classmethod
    def from_dict(cls, d: dict) -> SegmentRegistry:
        entries = tuple(
            SegmentEntry(**{**e, "centroid": tuple(e["centroid"])}) for e in d["entries"]
        )
        return cls(entries, int(d["next_number"]), dict(d.get("notes", {})))


def rms_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a) x len(b)) root-mean-square per-feature distances."""
    diff = np.asarray(a, float)[:, None, :] - np.asarray(b, float)[None, :, :]
    return np.sqrt((diff**2).mean(axis=2))


def assign_stable_segment_ids(
    new_centroids: np.ndarray,
    previous_registry: SegmentRegistry | None,
    threshold: float,
    version: str = "",
    raw_centroids: Sequence[Mapping[str, float]] | None = None,
) -> tuple[dict[int, str], SegmentRegistry]:
    """Map new cluster numbers to segment ids; return (mapping, updated registry).

    New ids are issued in cluster order. New entries get an empty name and strategy, which
    the caller fills in (`with_updates`).
    """
    centroids = np.asarray(new_centroids, dtype=float)
    registry = previous_registry or SegmentRegistry()
    active = registry.active()
    mapping: dict[int, str] = {}
    if active:
        old = np.asarray([e.centroid for e in active], dtype=float)
        if old.shape[1] != centroids.shape[1]:
            raise ValueError(
                f"registry centroids have {old.shape[1]} features, new have "
                f"{centroids.shape[1]}: re-project them first"
            )
        dist = rms_distances(centroids, old)
        rows, cols = linear_sum_assignment(np.where(dist <= threshold, dist, _UNMATCHABLE))
        for r, c in zip(rows, cols, strict=True):
            if dist[r, c] <= threshold:
                mapping[int(r)] = active[c].segment_id
    raws = list(raw_centroids) if raw_centroids is not None else [{}] * len(centroids)
    by_id = {e.segment_id: e for e in registry.entries}
    number, n_new = registry.next_number, 0
    for i, centroid in enumerate(centroids):
        vector = tuple(float(v) for v in centroid)
        raw = {k: float(v) for k, v in raws[i].items()}
        if i in mapping:
            sid = mapping[i]
            by_id[sid] = replace(
                by_id[sid], centroid=vector, centroid_raw=raw, last_seen_in=version
            )
        else:
            sid = f"S{number:02d}"
            number, n_new = number + 1, n_new + 1
            mapping[i] = sid
            by_id[sid] = SegmentEntry(sid, "", "", vector, raw, version, version)
    matched_ids = set(mapping.values())
    retired = [e.segment_id for e in active if e.segment_id not in matched_ids]
    for sid in retired:
        by_id[sid] = replace(by_id[sid], retired_in=version)
    notes = {"matched": len(centroids) - n_new, "new": n_new, "retired": len(retired)}
    entries = tuple(sorted(by_id.values(), key=lambda e: int(e.segment_id[1:])))
    return dict(sorted(mapping.items())), SegmentRegistry(entries, number, notes)


def stability_ari(previous: pl.DataFrame, current: pl.DataFrame) -> float | None:
    """Adjusted Rand index of two labellings on the customers present in both.

    Frames have customer_id and segment_id; None when fewer than two customers are shared.
    """
    joined = previous.select("customer_id", pl.col("segment_id").alias("before")).join(
        current.select("customer_id", pl.col("segment_id").alias("after")), on="customer_id"
    )
    if joined.height < 2:
        return None
    return float(adjusted_rand_score(joined["before"].to_numpy(), joined["after"].to_numpy()))
