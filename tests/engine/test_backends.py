"""Choosing the inference runtime without importing torch, and falling back to torch when OpenVINO cannot serve."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import backends
from engine.model.backends import ASK_TORCH, OPENVINO, TORCH, choose_backend
from engine.model.weights import ModelError, load_spec


@pytest.fixture
def machine(monkeypatch):
    """Set what the machine has: ``machine(openvino=True, gpu=False)``."""

    def set_(openvino: bool = True, gpu: bool = False) -> None:
        monkeypatch.setattr(backends, "openvino_available", lambda: openvino)
        monkeypatch.setattr(backends, "gpu_possible", lambda: gpu)

    return set_


@pytest.mark.parametrize(
    ("backend", "device", "openvino", "gpu", "expected"),
    [
        ("auto", "auto", True, False, OPENVINO),  # a CPU-only machine: OpenVINO, torch never imported
        ("auto", "cpu", True, True, OPENVINO),  # --device cpu on a GPU machine
        ("auto", "auto", True, True, ASK_TORCH),  # maybe a GPU: torch decides, OpenVINO if it says CPU
        ("auto", "cuda", True, True, TORCH),
        ("auto", "mps", True, False, TORCH),
        ("auto", "auto", False, False, TORCH),  # no OpenVINO installed
        ("auto", "cpu", False, False, TORCH),
        ("torch", "cpu", True, False, TORCH),
        ("torch", "auto", True, True, TORCH),
        ("openvino", "auto", True, True, OPENVINO),
        ("openvino", "cpu", True, False, OPENVINO),
    ],
)
def test_choice(machine, backend, device, openvino, gpu, expected) -> None:
    machine(openvino, gpu)
    assert choose_backend(backend, device) == expected


@pytest.mark.parametrize(
    ("backend", "device", "openvino", "message"),
    [
        ("openvino", "cuda", True, "CPU only"),
        ("openvino", "cpu", False, "not installed"),
        ("tensorrt", "auto", True, "unknown backend"),
    ],
)
def test_impossible_choices_are_errors(machine, backend, device, openvino, message) -> None:
    machine(openvino, False)
    with pytest.raises(ModelError, match=message):
        choose_backend(backend, device)


def test_no_cuda_driver_here_means_no_gpu() -> None:
    """This project's test machines have no NVIDIA driver: the probe must say so without torch."""
    assert backends.cuda_driver_devices() == 0 or backends.torch_available()


def test_auto_falls_back_to_torch_when_the_export_fails(machine, monkeypatch) -> None:
    from engine.model import openvino_backend
    from engine.model.export import ExportError
    from engine.model.inference import Embedder

    machine(True, False)

    def broken(*args, **kwargs):
        raise ExportError("cannot export: a layer the converter does not know")

    monkeypatch.setattr(openvino_backend.OpenVINOBackend, "__init__", broken)
    spec = load_spec()
    emb = Embedder(spec, "auto", "auto")
    assert emb.backend == TORCH and "layer the converter" in emb.note
    assert emb.embed_images([np.zeros((spec.input_size,) * 2 + (3,), np.uint8)]).shape == (1, spec.dim)
    with pytest.raises(ExportError):
        Embedder(spec, "cpu", "openvino")


def test_both_backends_give_the_same_vectors_so_the_cache_is_shared(wallpapers) -> None:
    from engine.model.inference import Embedder
    from engine.results import FileEntry

    spec = load_spec()
    files = sorted((wallpapers / "images").rglob("*.jpg"))[:10]
    entries = [FileEntry(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]

    def vectors(backend: str) -> np.ndarray:
        emb = Embedder(spec, "cpu", backend)
        assert emb.backend == backend
        return np.stack([v for done, _ in emb.embed_files(entries, batch_size=4) for _, _, v in done])

    ov, pt = vectors(OPENVINO), vectors(TORCH)
    assert ov.shape == (len(files), spec.dim)
    assert np.abs(ov - pt).max() <= 1e-4


def test_openvino_sends_no_telemetry_and_writes_nothing_in_home(tmp_path) -> None:
    """Importing openvino would send a usage event to Google Analytics and write ~/intel/; the engine blocks it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys, engine.model.openvino_backend, openvino\n"
        "from engine.model.export import compile_cpu\n"
        "print(sys.modules.get('openvino_telemetry'), 'urllib.request' in sys.modules)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(repo)}
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "False"]
    assert not (tmp_path / "intel").exists()
