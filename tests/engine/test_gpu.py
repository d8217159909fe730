"""On a CUDA machine only (marker ``gpu``; skipped elsewhere): run by ``bench/gpu_check.sh`` on the GPU machine."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model.weights import load_spec

pytestmark = pytest.mark.gpu


def test_the_driver_probe_finds_the_gpu_and_auto_picks_torch_on_cuda() -> None:
    from engine.model.backends import ASK_TORCH, choose_backend, cuda_driver_devices
    from engine.model.inference import Embedder

    assert cuda_driver_devices() >= 1
    assert choose_backend("auto", "auto") in (ASK_TORCH, "torch")
    emb = Embedder(load_spec(), "auto", "auto")
    assert emb.backend == "torch" and emb.device.type == "cuda"


def test_cuda_vectors_match_the_cpu(wallpapers_or_samples) -> None:
    """One model id serves both devices in the cache, so the vectors must agree closely."""
    from engine.imaging import load_for_model
    from engine.model.inference import Embedder

    spec = load_spec()
    images = [load_for_model(str(p), spec.input_size)[0] for p in wallpapers_or_samples]
    gpu = Embedder(spec, "cuda", "torch").embed_images(images)
    cpu = Embedder(spec, "cpu", "torch").embed_images(images)
    diff = float(np.abs(gpu - cpu).max())
    print(f"largest CUDA - CPU vector difference: {diff:.2e}")
    assert diff <= 2e-3  # TF32 convolutions on Ampere and later; scores then differ by < 0.01


def test_scan_on_cuda_end_to_end(wallpapers_or_samples, tmp_path) -> None:
    import shutil

    from engine.scan import scan
    from engine.settings import ScanSettings

    for p in wallpapers_or_samples:
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(wallpapers_or_samples[0], tmp_path / "copy.jpg")
    result = scan(ScanSettings(roots=(str(tmp_path),), use_cache=False, device="cuda"))
    assert result.stats["device"].startswith("cuda") and result.stats["backend"] == "torch"
    assert any(
        {wallpapers_or_samples[0].name, "copy.jpg"} <= {m.path.rsplit("/", 1)[1] for m in g.members}
        for g in result.groups
    )


def test_gpu_jpeg_decoding_matches_pillow(wallpapers_or_samples) -> None:
    import torch
    from PIL import Image
    from torchvision.io import ImageReadMode, decode_jpeg

    path = next(p for p in wallpapers_or_samples if p.suffix.lower() in (".jpg", ".jpeg"))
    data = torch.frombuffer(bytearray(path.read_bytes()), dtype=torch.uint8)
    gpu = decode_jpeg([data], mode=ImageReadMode.RGB, device="cuda")[0].permute(1, 2, 0).cpu().numpy()
    with Image.open(path) as im:
        ref = np.asarray(im.convert("RGB"))
    assert gpu.shape == ref.shape
    assert np.abs(gpu.astype(int) - ref.astype(int)).mean() < 2.0  # IDCT rounding differs, pictures do not


@pytest.fixture(scope="module")
def wallpapers_or_samples():
    """Real photos: the shared wallpapers when present, else the samples that ship in resources/."""
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "wallpapers" / "images"
    found = sorted(shared.rglob("*.jpg"))[:6] if shared.is_dir() else []
    if not found:
        samples = Path(__file__).resolve().parents[2] / "resources" / "samples" / "images"
        found = sorted(p for p in samples.glob("*.jpg"))
    return found
