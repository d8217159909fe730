"""OpenVINO exports: equal to torch within 1e-4 for every kind of model folder, tied to their model id, reused."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.imaging import load_for_model
from engine.model import export
from engine.model.openvino_backend import OpenVINOBackend
from engine.model.weights import IMAGENET_SOURCE, Calibration, ModelSpec, build_network, load_spec, save_spec

WALLPAPERS = Path(__file__).resolve().parents[3] / "shared" / "data" / "wallpapers" / "images"
EXTRA_MODELS = [p for p in os.environ.get("DOPPEL_EXPORT_TEST_MODELS", "").split(os.pathsep) if p]
"""More model folders to hold to the same test (a newly trained model, say): DOPPEL_EXPORT_TEST_MODELS=dir:dir."""


def real_photos(spec: ModelSpec, n: int = 6) -> np.ndarray:
    files = sorted(WALLPAPERS.rglob("*.jpg"))[:n]
    h, w = export.input_hw(spec)
    if not files or h != w:  # the engine's decoder makes square inputs only; the check batch covers the rest
        return np.zeros((0, h, w, 3), np.uint8)
    return np.stack([np.asarray(load_for_model(str(f), h)[0], dtype=np.uint8) for f in files])


def fine_tuned_folder(root: Path) -> Path:
    """A version as fine-tuning saves it: the bundled network with a changed head, through save_version."""
    from engine.model import versions

    spec = load_spec()
    state = build_network(spec).state_dict()
    gen = torch.Generator().manual_seed(0)
    state["head.fc2.weight"] = state["head.fc2.weight"] + 0.05 * torch.randn(
        state["head.fc2.weight"].shape, generator=gen
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOPPEL_DATA_DIR", str(root))
        return Path(versions.save_version(replace(spec, threshold=0.5), state).folder)


def raw_backbone_folder(root: Path) -> Path:
    """No projection head, ImageNet weights from the package, and a non-square input."""
    spec = ModelSpec("raw-lite0-test", IMAGENET_SOURCE, None, input_size=[96, 128], calibration=Calibration(4, 0.9))
    save_spec(spec, root / "raw")
    return root / "raw"


MODELS = ["bundled", "fine-tuned", "raw-backbone-non-square", *EXTRA_MODELS]


@pytest.fixture(scope="module", params=MODELS)
def model_folder(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    if request.param == "bundled":
        return Path(load_spec().folder)
    if request.param == "fine-tuned":
        return fine_tuned_folder(root)
    if request.param == "raw-backbone-non-square":
        return raw_backbone_folder(root)
    return Path(request.param)


def test_export_equals_torch_within_1e4(model_folder: Path) -> None:
    spec = load_spec(model_folder)
    exported = export.ensure_export(spec)
    assert exported.model_id == spec.model_id and exported.max_error <= export.TOLERANCE
    backend = OpenVINOBackend(spec, exported.xml)
    net = build_network(spec)
    for batch in (export.check_batch(spec, 5), real_photos(spec)):
        if len(batch) == 0:
            continue
        ours = backend.embed_images(list(batch))
        (theirs,) = export.torch_outputs(net, spec, batch)
        assert ours.shape == theirs.shape == (len(batch), spec.dim)
        assert np.abs(ours - theirs).max() <= 1e-4
    # different images give different vectors: an export that ignores its input would pass the above on one image
    assert np.abs(ours[0] - ours[1]).max() > 1e-2


@pytest.fixture
def bundled_export(tmp_path, monkeypatch) -> export.ExportedModel:
    """A private copy of the session's export of the bundled model (an export takes seconds), in its own root."""
    spec = load_spec()
    made = export.ensure_export(spec)
    monkeypatch.setenv("DOPPEL_EXPORT_DIR", str(tmp_path / "exports"))
    target = export.export_dirs(spec)[-1]
    shutil.copytree(made.xml.parent, target)
    return export.read_export(target / export.XML, spec)


def test_export_is_made_once_in_the_cache_folder_and_reused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOPPEL_EXPORT_DIR", str(tmp_path / "exports"))
    spec = load_spec()
    made = []
    monkeypatch.setattr(export, "export_model", lambda s, out: made.append(out) or "made")
    assert export.ensure_export(spec) == "made"
    assert made == [tmp_path / "exports" / spec.model_id]


def test_an_existing_export_is_reused(bundled_export, monkeypatch) -> None:
    spec = load_spec()
    meta = json.loads((bundled_export.xml.parent / export.SIDECAR).read_text())["model.xml"]
    assert meta["model_id"] == spec.model_id and meta["precision"] == "f32"
    monkeypatch.setattr(export, "export_model", lambda *a: pytest.fail("exported again"))
    assert export.ensure_export(spec) == bundled_export


def test_an_export_of_another_model_is_never_used(bundled_export) -> None:
    spec = load_spec()
    other = replace(spec, model_id="doppel-other-000000000000", folder="")
    assert export.read_export(bundled_export.xml, other) is None
    with pytest.raises(export.ExportError, match="not an OpenVINO export"):
        OpenVINOBackend(other, bundled_export.xml)
    # a sidecar edited to claim the other id: the IR's own rt_info still names the model it was made from
    side = bundled_export.xml.parent / export.SIDECAR
    meta = json.loads(side.read_text())
    meta["model.xml"]["model_id"] = other.model_id
    side.write_text(json.dumps(meta))
    with pytest.raises(export.ExportError, match="made for model"):
        OpenVINOBackend(other, bundled_export.xml)


def test_a_damaged_export_is_not_used(bundled_export, monkeypatch) -> None:
    spec = load_spec()
    weights = bundled_export.xml.with_suffix(".bin")
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert export.find_export(spec) is None
    monkeypatch.setattr(export, "export_model", lambda s, out: "made again")
    assert export.ensure_export(spec) == "made again"


def test_an_export_beside_the_weights_wins_over_the_cache(bundled_export, tmp_path) -> None:
    """The frozen app ships resources/model/openvino, made at build time: no export at run time."""
    bundled = load_spec()
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("model.json", bundled.weights):
        shutil.copy(Path(bundled.folder) / name, folder / name)
    shutil.copytree(bundled_export.xml.parent, folder / export.EXPORT_DIR)
    spec = load_spec(folder)
    assert export.find_export(spec).xml == folder / export.EXPORT_DIR / export.XML


class Tiny(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.normalize(x.mean(dim=(2, 3)), dim=1)


def test_an_export_that_differs_from_torch_is_refused(tmp_path, monkeypatch) -> None:
    spec = replace(load_spec(), input_size=8)
    monkeypatch.setattr(export, "max_difference", lambda *a: 3e-4)
    with pytest.raises(export.ExportError, match="differs from torch"):
        export.export_model(spec, tmp_path / "x", net=Tiny())
    assert not (tmp_path / "x").exists()
    monkeypatch.setattr(export, "max_difference", lambda *a: 2e-5)
    made = export.export_model(spec, tmp_path / "x", net=Tiny())
    assert export.read_export(made.xml, spec) == made and made.max_error == 2e-5
