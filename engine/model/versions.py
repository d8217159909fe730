"""User model versions made by fine-tuning, and which model is active.

Each version is a model folder ``data_dir()/models/<model_id>/`` (``model.json`` + ``weights.pt``), exactly like
the bundled ``resources/model``; the active one is named in ``data_dir()/active-model.json``. No entry (or a
version that went missing or broke) means the bundled model. The bundled folder is never written: versions
are only ever created under the user data directory. The cache keys embeddings by model id, so switching
never mixes vectors of two models.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.model.weights import ModelError, ModelSpec, bundled_model_dir, load_spec, model_id_for, save_spec
from engine.paths import data_dir

ACTIVE_NAME = "active-model.json"
WEIGHTS_NAME = "weights.pt"
BUNDLED = "bundled"  # what the CLI and the GUI call the shipped model


@dataclass(frozen=True)
class ModelVersion:
    model_id: str
    folder: Path
    created: float  # seconds since the epoch
    base_id: str  # the model it was fine-tuned from
    summary: dict[str, Any]  # hold-out results recorded when it was made (see engine.learn.finetune)


def models_dir() -> Path:
    return data_dir() / "models"


def _active_file() -> Path:
    return data_dir() / ACTIVE_NAME


def _version(folder: Path) -> ModelVersion | None:
    try:
        spec = load_spec(folder)
    except ModelError:
        return None
    ft = spec.extra.get("finetune", {})
    return ModelVersion(
        spec.model_id, folder, float(ft.get("created", folder.stat().st_mtime)), str(ft.get("base_id", "")), ft
    )


def list_versions() -> list[ModelVersion]:
    """The user's versions, oldest first; folders that do not load are left out."""
    root = models_dir()
    if not root.is_dir():
        return []
    found = [_version(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted((v for v in found if v is not None), key=lambda v: (v.created, v.model_id))


def get_version(model_id: str) -> ModelVersion:
    folder = models_dir() / model_id
    v = _version(folder) if folder.is_dir() else None
    if v is None:
        raise ModelError(f"no model version {model_id!r} (see `doppel models list`)")
    return v


def active_version_id() -> str | None:
    """The active version's id, or None for the bundled model (also when the recorded one is gone)."""
    try:
        raw = json.loads(_active_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model_id = raw.get("active") if isinstance(raw, dict) else None
    if not model_id or not (models_dir() / str(model_id) / "model.json").is_file():
        return None
    return str(model_id)


def active_model_path() -> str | None:
    """What to pass as ``ScanSettings.model_path``: the active version's folder, or None (the bundled model)."""
    model_id = active_version_id()
    return str(models_dir() / model_id) if model_id else None


def active_spec() -> ModelSpec:
    return load_spec(active_model_path())


def use_version(model_id: str | None) -> None:
    """Make ``model_id`` active; None or "bundled" switches back to the shipped model."""
    if model_id in (None, BUNDLED):
        model_id = None
    else:
        get_version(model_id)  # raises ModelError for an unknown id
    path = _active_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_text(json.dumps({"active": model_id, "changed": time.time()}) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def save_version(spec: ModelSpec, state_dict: dict[str, Any], name: str = "doppel-ft") -> ModelSpec:
    """Write a new version (weights, then model.json with an id carrying the weights' digest); returns its spec.

    ``spec`` gives everything but the id, the weights file name and the folder. Written into a temporary folder
    first and renamed, so a half-written version is never listed.
    """
    import torch

    root = models_dir().resolve()
    if bundled_model_dir().resolve() in (root, *root.parents):
        raise ModelError(f"refusing to write model versions inside the bundled model folder ({root})")
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        weights = tmp / WEIGHTS_NAME
        torch.save({k: v.detach().cpu().contiguous() for k, v in state_dict.items()}, weights)
        model_id = model_id_for(name, weights)
        final = root / model_id
        spec = replace(spec, model_id=model_id, weights=WEIGHTS_NAME, folder="")
        save_spec(spec, tmp)
        if final.exists():  # the very same weights again: keep the first copy
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_spec(final)


def remove_version(model_id: str) -> None:
    """Delete a version's folder; if it was active, the bundled model becomes active."""
    v = get_version(model_id)
    if active_version_id() == model_id:
        use_version(None)
    shutil.rmtree(v.folder)


def describe(model_id: str | None) -> str:
    """A short name for messages: "bundled model (id)" or "version id"."""
    if model_id is None:
        try:
            return f"the bundled model ({load_spec(None).model_id})"
        except ModelError:
            return "the bundled model"
    return f"version {model_id}"
