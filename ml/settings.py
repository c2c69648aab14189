"""Packaged default configuration of `ml/` and how overrides merge into it.

Each YAML file in `ml/config/` is one section of the config dict (`segmentation`,
`value_index`, `satisfaction`, `credit`, `strategies`, `naming`). Overrides are deep-merged:
mappings merge key by key, anything else (lists, scalars) replaces the default. A key that
is not in the defaults at the first two levels is refused, so a typo cannot silently fall back
to a default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).parent / "config"
SECTIONS = ("segmentation", "value_index", "satisfaction", "credit", "strategies", "naming")


def default_config() -> dict[str, Any]:
    """Read the packaged YAML defaults, one section per file."""
    config: dict[str, Any] = {}
    for section in SECTIONS:
        text = (CONFIG_DIR / f"{section}.yaml").read_text(encoding="utf-8")
        config[section] = yaml.safe_load(text) or {}
    return config


def merge_config(defaults: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Deep-merge `overrides` into a copy of `defaults`; unknown top-two-level keys raise."""
    merged = copy.deepcopy(defaults)
    for section, value in (overrides or {}).items():
        if section not in merged:
            raise ValueError(f"unknown config section {section!r}; expected one of {SECTIONS}")
        if not isinstance(value, dict):
            raise ValueError(f"config section {section!r} must be a mapping, got {value!r}")
        for key in value:
            if key not in merged[section]:
                raise ValueError(f"unknown config key {section}.{key}")
        merged[section] = _deep_merge(merged[section], value)
    return merged


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
