"""The network exported to OpenVINO IR, once per model id, so a scan on the CPU runs without torch.

Whatever ``build_network(spec)`` returns is traced as is, with the input shape the spec gives, and the input
normalisation (``spec.mean``/``spec.std``) baked in: the runtime is fed the decoded uint8 batch (N, H, W, 3).
An export is kept only when its outputs equal torch's within :data:`TOLERANCE` on a fixed check batch, so
vectors cached by either backend stay interchangeable under one model id.

Where exports live: ``<model folder>/openvino/`` when the folder ships one (the frozen app's bundled model,
made at build time), else ``cache_dir()/openvino/<model_id>/``, written on first use. Exports are derived data
that can always be made again, so the cache folder is their natural home; one path serves the bundled model
from source, every fine-tuned version and any ``--model DIR``. Each export is tied to its model id twice: in the
IR's own ``rt_info`` and in ``export.json`` beside it, which also holds the digest of the weights (.bin).
``DOPPEL_EXPORT_DIR`` moves the cache folder's exports elsewhere (the tests share one across the session).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.model import backends  # noqa: F401  (first: keeps OpenVINO's telemetry out)
from engine.model.transforms import to_input
from engine.model.weights import ModelError, ModelSpec, build_network, file_digest
from engine.paths import cache_dir

if TYPE_CHECKING:
    import torch

EXPORT_DIR = "openvino"
XML = "model.xml"
INT8_XML = "model-int8.xml"
SIDECAR = "export.json"
FORMAT = 1  # bump when the export's inputs or preprocessing change: older exports are then made again
TOLERANCE = 1e-4  # the largest difference to torch's outputs an export may have
RT_KEY = "doppel"


class ExportError(ModelError):
    """No usable export: OpenVINO is missing, the conversion failed, or its outputs differ from torch's."""


@dataclass(frozen=True)
class ExportedModel:
    xml: Path
    model_id: str
    precision: str  # "f32", or "int8" for a quantised copy (never equal to torch: see bench/bench_int8.py)
    max_error: float  # largest difference to torch on the check batch, measured when it was made


def input_hw(spec: ModelSpec) -> tuple[int, int]:
    """(height, width) of the network's input: ``input_size`` as one side, or as [height, width]."""
    size = spec.input_size
    if isinstance(size, Sequence) and not isinstance(size, str):
        h, w = (int(v) for v in size)
        return h, w
    return int(size), int(size)


def exports_root() -> Path:
    """The cache folder's exports, one subfolder per model id; ``DOPPEL_EXPORT_DIR`` overrides it."""
    override = os.environ.get("DOPPEL_EXPORT_DIR")
    return Path(override) if override else cache_dir() / EXPORT_DIR


def export_dirs(spec: ModelSpec) -> list[Path]:
    """Where an export of ``spec`` is looked for, first hit wins: beside the weights, then the cache folder."""
    found = [Path(spec.folder) / EXPORT_DIR] if spec.folder else []
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", spec.model_id)
    return found + [exports_root() / safe]


def _sha256(path: Path) -> str:
    return file_digest(path) if path.is_file() else ""


def read_export(xml: Path, spec: ModelSpec) -> ExportedModel | None:
    """The export at ``xml`` if its sidecar names ``spec``'s model id, format and the .bin beside it; else None."""
    try:
        meta = json.loads((xml.parent / SIDECAR).read_text(encoding="utf-8"))[xml.name]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if meta.get("model_id") != spec.model_id or meta.get("format") != FORMAT or not xml.is_file():
        return None
    if meta.get("bin_sha256") != _sha256(xml.with_suffix(".bin")):
        return None
    return ExportedModel(xml, spec.model_id, str(meta.get("precision", "f32")), float(meta.get("max_error", 0.0)))


def find_export(spec: ModelSpec, precision: str = "f32") -> ExportedModel | None:
    name = XML if precision == "f32" else INT8_XML
    for folder in export_dirs(spec):
        found = read_export(folder / name, spec)
        if found is not None:
            return found
    return None


def ensure_export(spec: ModelSpec) -> ExportedModel:
    """The f32 export of ``spec``, made into the cache folder on first use (imports torch that once)."""
    return find_export(spec) or export_model(spec, export_dirs(spec)[-1])


def verify_rt_info(model: Any, spec: ModelSpec) -> None:
    """The IR itself must name the model id it was made from (an ``openvino.Model``, after ``read_model``)."""
    key = [RT_KEY, "model_id"]
    found = model.get_rt_info(key).astype(str) if model.has_rt_info(key) else None
    if found != spec.model_id:
        raise ExportError(f"the OpenVINO export was made for model {found!r}, not {spec.model_id!r}")


def check_batch(spec: ModelSpec, n: int = 8) -> np.ndarray:
    """A fixed uint8 batch (N, H, W, 3): noise, gradients and flat colours, to compare backends on."""
    h, w = input_hw(spec)
    rng = np.random.default_rng(20261201)
    out = rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    y, x = np.mgrid[0:h, 0:w]
    for k in range(n // 2, n):
        out[k, ..., 0] = (x * 255 // max(w - 1, 1) + 37 * k) % 256
        out[k, ..., 1] = (y * 255 // max(h - 1, 1)) % 256
        out[k, ..., 2] = (k * 61) % 256
    return out


def torch_outputs(net: torch.nn.Module, spec: ModelSpec, batch: np.ndarray) -> list[np.ndarray]:
    """The reference: the network on the batch normalised as the torch backend does, every output flattened."""
    import torch

    with torch.inference_mode():
        out = net(to_input(batch, spec.mean, spec.std, torch.device("cpu")))
    items = out if isinstance(out, (tuple, list)) else (out.values() if isinstance(out, dict) else (out,))
    return [t.float().cpu().numpy() for t in items]


def max_difference(compiled: Any, reference: list[np.ndarray], batch: np.ndarray) -> float:
    """Largest absolute difference between a compiled OpenVINO model's outputs and torch's."""
    result = compiled.create_infer_request().infer({0: batch})
    outs = [result[o] for o in compiled.outputs]
    if len(outs) != len(reference):
        return float("inf")
    return max(float(np.abs(a - b).max()) if a.shape == b.shape else float("inf") for a, b in zip(outs, reference))


def _convert(net: torch.nn.Module, spec: ModelSpec) -> Any:
    import openvino as ov
    import torch
    from openvino.preprocess import PrePostProcessor

    h, w = input_hw(spec)
    with warnings.catch_warnings():  # the TF-style padding's shape arithmetic warns while tracing; shapes are fixed
        warnings.simplefilter("ignore")
        model = ov.convert_model(net, example_input=torch.zeros(1, 3, h, w), input=[ov.PartialShape([-1, 3, h, w])])
    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC"))
    ppp.input().model().set_layout(ov.Layout("NCHW"))
    mean = spec.mean if isinstance(spec.mean, (int, float)) else [float(v) for v in spec.mean]
    std = spec.std if isinstance(spec.std, (int, float)) else [float(v) for v in spec.std]
    ppp.input().preprocess().convert_element_type(ov.Type.f32).mean(mean).scale(std)
    model = ppp.build()
    model.set_rt_info(spec.model_id, [RT_KEY, "model_id"])
    model.set_rt_info(str(FORMAT), [RT_KEY, "format"])
    return model


def compile_cpu(model: Any, threads: int = 0, streams: int = 1) -> Any:
    """Compile for the CPU in full f32 (never the bf16 OpenVINO would pick on AMX CPUs: vectors must match torch)."""
    import openvino as ov

    config = {
        "INFERENCE_PRECISION_HINT": "f32",
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": max(1, streams),
        "INFERENCE_NUM_THREADS": max(1, threads or os.cpu_count() or 1),
        "ENABLE_CPU_PINNING": False,  # pinned threads stall when decode workers or other programs share the cores
    }
    return ov.Core().compile_model(model, "CPU", config)


def export_model(spec: ModelSpec, out_dir: str | os.PathLike[str], net: torch.nn.Module | None = None) -> ExportedModel:
    """Export ``spec``'s network into ``out_dir`` (replacing what is there), checked against torch first."""
    try:
        import openvino as ov
    except ImportError:
        raise ExportError("OpenVINO is not installed (pip install openvino)") from None
    out_dir = Path(out_dir)
    net = net if net is not None else build_network(spec)
    try:
        model = _convert(net, spec)
    except Exception as exc:  # a network the converter cannot trace: say so, the torch backend still works
        raise ExportError(f"cannot export {spec.model_id} to OpenVINO: {type(exc).__name__}: {exc}") from None
    batch = check_batch(spec)
    err = max_difference(compile_cpu(model), torch_outputs(net, spec, batch), batch)
    if not err <= TOLERANCE:
        raise ExportError(f"the OpenVINO export of {spec.model_id} differs from torch by {err:.2e} (> {TOLERANCE})")
    tmp = out_dir.parent / f".tmp-{out_dir.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        ov.save_model(model, tmp / XML, compress_to_fp16=False)  # fp16 weights would break the equality
        write_sidecar(tmp / XML, spec, "f32", err)
        _replace_dir(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExportedModel(out_dir / XML, spec.model_id, "f32", err)


def write_sidecar(xml: Path, spec: ModelSpec, precision: str, max_error: float) -> None:
    """Record (or add) one IR in ``export.json``: model id, format, precision, .bin digest, error vs torch."""
    import openvino as ov

    side = xml.parent / SIDECAR
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta[xml.name] = {
        "model_id": spec.model_id,
        "format": FORMAT,
        "precision": precision,
        "bin_sha256": _sha256(xml.with_suffix(".bin")),
        "max_error": max_error,
        "openvino": ov.get_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    side.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _replace_dir(src: Path, dst: Path) -> None:
    """Move a finished export into place; a concurrent export of the same model id may have won the race."""
    if dst.exists():
        old = dst.parent / f".old-{dst.name}-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(dst, old)
        except OSError:
            pass
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.replace(src, dst)
    except OSError:
        if not (dst / XML).is_file():
            raise
