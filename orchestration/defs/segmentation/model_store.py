"""Versioned model artefacts under `data/models/`: one JSON file per model version (no pickles)
and `current.json`, the model nightly scoring uses. Written aside, then renamed into place.
They outlive the warehouse: a rebuilt warehouse gets its model tables back from them. The
arrears-risk models live the same way in their own folder (`data/models/arrears_risk/`): every
function takes the model class (anything with `model_version`, `to_json` and `from_json`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ml.pipeline import SegmentationModel

CURRENT = "current.json"
RISK_MODELS_DIR = "arrears_risk"  # under the models folder: the arrears-risk models


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def save_model(models_dir: Path, model) -> Path:
    """Store a model version and make it current; returns the version's file."""
    text = model.to_json()
    version_file = Path(models_dir) / f"{model.model_version}.json"
    _write_atomically(version_file, text)
    pointer = {"model_version": model.model_version, "file": version_file.name}
    _write_atomically(Path(models_dir) / CURRENT, json.dumps(pointer, indent=2))
    return version_file


def load_current_model(models_dir: Path, model_class=SegmentationModel):
    """The current model, or None before the first training."""
    pointer_file = Path(models_dir) / CURRENT
    if not pointer_file.exists():
        return None
    pointer = json.loads(pointer_file.read_text(encoding="utf-8"))
    text = (Path(models_dir) / pointer["file"]).read_text(encoding="utf-8")
    return model_class.from_json(text)


def saved_models(models_dir: Path, model_class=SegmentationModel) -> list:
    """Every stored model version, in file-name order (none before the first training)."""
    files = sorted(p for p in Path(models_dir).glob("*.json") if p.name != CURRENT)
    return [model_class.from_json(p.read_text(encoding="utf-8")) for p in files]


def current_model_version(models_dir: Path) -> str | None:
    """The current model's version, from the pointer alone (None before the first training)."""
    pointer_file = Path(models_dir) / CURRENT
    if not pointer_file.exists():
        return None
    return json.loads(pointer_file.read_text(encoding="utf-8"))["model_version"]
