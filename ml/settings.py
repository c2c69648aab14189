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


DBT_PROJECT_FILE = Path(__file__).parents[1] / "dbt_project" / "dbt_project.yml"


def season_months(project_file: Path = DBT_PROJECT_FILE) -> dict[str, list[int]]:
    """{"winter": [...], "summer": [...]}: the months of year of the mart's kwh_winter_share
    and kwh_summer_share, read from the dbt var `season_months` (dbt_project.yml), the one home
    of the setting (a southern utility's winter is [6, 7, 8]). The model records them, so that
    a "winter-peaking" segment name says which months it means."""
    project = yaml.safe_load(Path(project_file).read_text(encoding="utf-8"))
    seasons = project["vars"]["season_months"]
    out = {name: [int(m) for m in seasons[name]] for name in ("winter", "summer")}
    if set(out["winter"]) & set(out["summer"]):
        raise ValueError(f"season_months: winter and summer share months: {out}")
    return out


def read_config_file(name: str) -> dict[str, Any]:
    """ml/config/<name>.yaml ({} when empty): the one reader of the packaged YAML defaults."""
    return yaml.safe_load((CONFIG_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}


def default_config() -> dict[str, Any]:
    """Read the packaged YAML defaults, one section per file."""
    return {section: read_config_file(section) for section in SECTIONS}


def merge_config(defaults: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Deep-merge `overrides` into a copy of `defaults`; unknown top-two-level keys raise."""
    merged = copy.deepcopy(defaults)
    for section, value in (overrides or {}).items():
        if section not in merged:
            raise ValueError(f"unknown config section {section!r}; expected one of {tuple(merged)}")
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
