"""The trained segmentation model as one JSON-serialisable value (no pickles).

Grain: one model per model_version, trained on one as_of_month. Everything scoring needs is
here: preprocessing numbers, centroids (in preprocessed space), the cluster -> segment id
mapping, the segment registry (every id ever issued, names, strategies, retirements), the
value index parameters and the training profile index of each segment (read by the strategy
playbook). `metrics` holds quality figures and notes. Floats are written with repr precision,
so `from_json(to_json())` scores bit-identically.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from ml.eligibility import RESERVED_SEGMENT_ID, RESERVED_SEGMENT_NAME
from ml.preprocessing import Preprocessor
from ml.segment_registry import SegmentRegistry
from ml.value_index import ValueIndexModel

SCHEMA_VERSION = 1


def _clean(value):
    """JSON-safe copy: numpy scalars/arrays to Python, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dump_model(payload: dict) -> str:
    """A model's JSON text: floats at repr precision (read back bit-identically), no NaN."""
    return json.dumps(_clean(payload), indent=1, allow_nan=False)


def load_model_payload(text: str, schema_version: int, kind: str) -> dict:
    """A model's JSON payload; ValueError when it was written by another schema version."""
    d = json.loads(text)
    if d.get("schema_version") != schema_version:
        raise ValueError(
            f"{kind} model schema_version {d.get('schema_version')!r} is not "
            f"{schema_version}: retrain the model"
        )
    return d


@dataclass
class SegmentationModel:
    """A trained segmentation: see the module docstring for what each field holds."""

    model_version: str
    trained_at: str
    as_of_month: str
    k: int
    features: list[str]
    preprocessing: Preprocessor
    centroids: list[list[float]]
    cluster_to_segment: dict[int, str]
    registry: SegmentRegistry
    value_index: ValueIndexModel
    segment_traits: dict[str, dict[str, float | None]] = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)

    def segment_names(self) -> dict[str, str]:
        """Name of every segment id ever issued (retired ones included) and the reserved one."""
        names = {e.segment_id: e.name for e in self.registry.entries}
        return {RESERVED_SEGMENT_ID: RESERVED_SEGMENT_NAME, **names}

    def segment_strategies(self, default: str = "") -> dict[str, str]:
        """Strategy of every segment id; the reserved segment gets `default` (the playbook's
        default rule: nothing is known of it to say more)."""
        return {
            RESERVED_SEGMENT_ID: default,
            **{e.segment_id: e.strategy for e in self.registry.entries},
        }

    def to_json(self) -> str:
        payload = {
            "schema_version": SCHEMA_VERSION,
            "model_version": self.model_version,
            "trained_at": self.trained_at,
            "as_of_month": self.as_of_month,
            "k": self.k,
            "features": list(self.features),
            "preprocessing": self.preprocessing.to_dict(),
            "centroids": self.centroids,
            "cluster_to_segment": {str(k): v for k, v in sorted(self.cluster_to_segment.items())},
            "registry": self.registry.to_dict(),
            "value_index": self.value_index.to_dict(),
            "segment_traits": self.segment_traits,
            "metrics": self.metrics,
        }
        return dump_model(payload)

    @classmethod
    def from_json(cls, s: str) -> SegmentationModel:
        d = load_model_payload(s, SCHEMA_VERSION, "segmentation")
        return cls(
            model_version=d["model_version"],
            trained_at=d["trained_at"],
            as_of_month=d["as_of_month"],
            k=int(d["k"]),
            features=list(d["features"]),
            preprocessing=Preprocessor.from_dict(d["preprocessing"]),
            centroids=[[float(v) for v in row] for row in d["centroids"]],
            cluster_to_segment={int(k): v for k, v in d["cluster_to_segment"].items()},
            registry=SegmentRegistry.from_dict(d["registry"]),
            value_index=ValueIndexModel.from_dict(d["value_index"]),
            segment_traits=d["segment_traits"],
            metrics=d["metrics"],
        )
