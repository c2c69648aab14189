"""The services configuration: ml/config/services.yaml, with optional overrides deep-merged the
way ml/settings.py merges the segmentation's (an unknown section or key is refused)."""

from __future__ import annotations

from typing import Any

from ml.settings import merge_config, read_config_file


def load_services_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """ml/config/services.yaml deep-merged with `overrides` (same sections and keys)."""
    return merge_config(read_config_file("services"), overrides)
