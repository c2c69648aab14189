"""The services configuration: ml/config/services.yaml, with optional overrides deep-merged the
way ml/settings.py merges the segmentation's (an unknown section or key is refused)."""

from __future__ import annotations

from typing import Any

import yaml

from ml.settings import CONFIG_DIR, merge_config

SERVICES_FILE = CONFIG_DIR / "services.yaml"


def load_services_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """ml/config/services.yaml deep-merged with `overrides` (same sections and keys)."""
    config = yaml.safe_load(SERVICES_FILE.read_text(encoding="utf-8"))
    for section, value in (overrides or {}).items():
        if section not in config:
            raise ValueError(
                f"unknown services section {section!r}; expected one of {list(config)}"
            )
        # merge_config checks the section's keys and deep-merges the rest
        config[section] = merge_config({section: config[section]}, {section: value})[section]
    return config
