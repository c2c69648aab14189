"""Dagster conventions of the asset graph, in one place: who owns which assets, their tags,
how fresh the published segments must be, and which steps are retried."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

# Owners by asset group: the team answering for the assets (the UI's owner filter, `owner:`
# in asset selections).
DATA_ENGINEERING, ANALYTICS, MARKETING = "team:data-engineering", "team:analytics", "team:marketing"
OWNERS = {
    "ingest": DATA_ENGINEERING,
    "staging": DATA_ENGINEERING,
    "quality": DATA_ENGINEERING,
    "intermediate": DATA_ENGINEERING,
    "marts": DATA_ENGINEERING,
    "segmentation": ANALYTICS,
    "publish": MARKETING,
    "services": ANALYTICS,
}
# Tag `layer`: where an asset sits from landing to published, the first part of its key (raw,
# staging, quality, intermediate, marts, ml, published); `tag:layer=marts` selects a layer.
LAYER_TAG = "layer"

PUBLISHED_KEY = dg.AssetKey(["published", "segments"])
# The nightly schedule republishes every night: a snapshot older than a day and a bit (26 h)
# means a nightly run was missed (warn), older than 36 h that the next one failed too (fail).
# A FreshnessPolicy, not a freshness check: Dagster 1.13 supersedes the checks, and the
# policy needs no sensor; the daemon of `dagster dev` evaluates it.
PUBLISHED_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=36), warn_window=timedelta(hours=26)
)

# Retried: steps whose failures come from outside the code and pass, i.e. a landing file still
# being copied or on a flaky mount (ingest), the published folder or the warehouse briefly
# held by another process (publish). Not retried: the dbt models, training and scoring are
# deterministic (the same inputs fail the same way: a retry only delays the error), and a
# failed blocking check must stop the run.
TRANSIENT_FAILURE_RETRY = dg.RetryPolicy(max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL)


def with_conventions(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The spec with its group's owner, its layer tag and, for the published segments, the
    freshness policy."""
    owner = OWNERS.get(spec.group_name or "")
    if owner is None:
        raise ValueError(
            f"asset {spec.key.to_user_string()} is in group {spec.group_name!r}, "
            "which has no owner in OWNERS"
        )
    spec = spec.merge_attributes(owners=[owner], tags={LAYER_TAG: spec.key.path[0]})
    if spec.key == PUBLISHED_KEY:
        spec = spec.replace_attributes(freshness_policy=PUBLISHED_FRESHNESS)
    return spec
