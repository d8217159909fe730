"""The shipped model in resources/model: identity, size, loading, calibration and a few real-photo checks."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from engine.model.weights import bundled_model_dir, file_digest, load_spec, verify_model_id


@pytest.fixture(scope="module")
def spec():
    return load_spec(bundled_model_dir())


@pytest.fixture(scope="module")
def embedder(spec):
    from engine.model.inference import Embedder

    return Embedder(spec, device="cpu")


def test_shipped_weights_give_the_recorded_model_id(spec) -> None:
    path = spec.weights_path()
    assert path is not None and path.is_file(), "the bundled model must ship trained weights"
    verify_model_id(spec)
    assert spec.model_id.endswith(file_digest(path)[:12])
    assert path.stat().st_size <= 25 * 1024 * 1024
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    assert (bundled_model_dir() / "MODEL_CARD.md").is_file()


def test_model_json_records_what_the_app_needs(spec) -> None:
    raw = json.loads((bundled_model_dir() / "model.json").read_text())
    for key in ("model_id", "weights", "embedding_dim", "input_size", "calibration", "threshold"):
        assert key in raw
    assert 128 <= spec.embedding_dim <= 256
    assert 0.0 < spec.threshold < 1.0


def test_calibration_maps_the_recorded_distance_to_the_recorded_score(spec) -> None:
    cal = spec.calibration
    val = spec.extra["validation"]
    # the default threshold is the calibrated score of the distance chosen on the validation split
    assert cal.score(val["threshold_distance"]) == pytest.approx(spec.threshold, abs=1e-3)
    assert cal.score(cal.offset) == pytest.approx(0.5)
    assert cal.distance_for(spec.threshold) == pytest.approx(val["threshold_distance"], abs=2e-3)
    scores = [cal.score(d) for d in np.linspace(0, 2, 21)]
    assert scores == sorted(scores, reverse=True)  # the GUI's slider relies on this


def _score(spec, a: np.ndarray, b: np.ndarray) -> float:
    return spec.calibration.score(float(np.linalg.norm(a - b)))


def test_copies_score_above_and_unrelated_photos_below_the_threshold(spec, embedder, wallpapers, tmp_path) -> None:
    from engine.imaging import load_for_model

    folder = wallpapers / "images" / "lomiri-wallpapers-16.04"
    photo = folder / "Dragonfly_by_Bolly.jpg"
    unrelated = (folder / "Wine_by_Jakkub_Mede.jpg", folder / "Bridge_by_Sander_Klootwijk.jpg")

    size = spec.input_size
    with Image.open(photo) as im:
        im = im.convert("RGB")
    w, h = im.size
    copies = {
        "jpeg-q40": lambda p: im.save(p, "JPEG", quality=40),
        "half-size.png": lambda p: im.resize((w // 2, h // 2), Image.LANCZOS).save(p, "PNG"),
        "crop80": lambda p: im.crop((w // 10, h // 10, w - w // 10, h - h // 10)).save(p, "JPEG", quality=90),
        "webp": lambda p: im.resize((w // 3, h // 3)).save(p, "WEBP", quality=70),
    }
    paths = []
    for name, save in copies.items():
        p = tmp_path / (name if "." in name else name + ".jpg")
        save(p)
        paths.append(p)
    images = [load_for_model(str(p), size, spec.input_mode)[0] for p in [photo, *paths, *unrelated]]
    vec = embedder.embed_images(images)
    original, copy_vecs, others = vec[0], vec[1 : 1 + len(paths)], vec[1 + len(paths) :]
    for name, v in zip(copies, copy_vecs):
        assert _score(spec, original, v) >= spec.threshold, name
    assert _score(spec, others[0], others[1]) < spec.threshold
    assert _score(spec, original, others[0]) < spec.threshold


# ------------------------------------------------------------------------------------------------ issue 9's checks
LOOKALIKE_PHOTOS = (
    "lomiri-wallpapers-16.04/Dragonfly_by_Bolly.jpg",
    "lomiri-wallpapers-16.04/Bridge_by_Sander_Klootwijk.jpg",
    "lomiri-wallpapers-16.04/Wine_by_Jakkub_Mede.jpg",
)


def _pair_scores(folder, spec, verify: bool = True) -> dict[frozenset[str], float]:
    """Every pair the app would score in ``folder``, as the scan scores it (network, then verification)."""
    from engine.scan import scan
    from engine.settings import ScanSettings

    settings = ScanSettings(roots=(str(folder),), use_cache=False, use_labels=False, min_score=0.0, verify=verify)
    result = scan(settings, spec=spec)
    return {frozenset(os.path.basename(p) for p in (pair.a, pair.b)): pair.score for pair in result.pairs}


@pytest.mark.parametrize("rel", LOOKALIKE_PHOTOS)
def test_two_photos_of_one_room_stay_apart(spec, embedder, wallpapers, tmp_path, rel) -> None:
    """Two different photos of one scene, made from one photo: two non-overlapping halves, each resized back."""
    with Image.open(wallpapers / "images" / rel) as im:
        im = im.convert("RGB")
    w, h = im.size
    im.crop((0, 0, w * 47 // 100, h)).resize((w, h)).save(tmp_path / "left.jpg", quality=90)
    im.crop((w * 53 // 100, 0, w, h)).resize((w, h)).save(tmp_path / "right.jpg", quality=90)
    scores = _pair_scores(tmp_path, spec)
    assert scores.get(frozenset(("left.jpg", "right.jpg")), 0.0) < spec.threshold


@pytest.mark.parametrize("rel", LOOKALIKE_PHOTOS[:2])
def test_a_35_percent_crop_and_a_screenshot_stay_together(spec, wallpapers, tmp_path, rel) -> None:
    """Not every photo: on the dark, low-texture Wine wallpaper the network scores a 35% crop 0.06, under the
    band the geometric check looks at (the model card lists this limit; hard-seed2's crop recall is 0.93)."""
    from PIL import ImageDraw

    with Image.open(wallpapers / "images" / rel) as im:
        im = im.convert("RGB")
    w, h = im.size
    im.save(tmp_path / "original.jpg", quality=92)
    cw, ch = round(w * 0.35**0.5), round(h * 0.35**0.5)
    im.crop((w // 10, h - ch - h // 12, w // 10 + cw, h - h // 12)).save(tmp_path / "crop35.jpg", quality=88)
    shot = Image.new("RGB", (1280, 800), (241, 243, 244))  # a browser window showing the photo at ~45% of it
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, 1280, 70), fill=(222, 225, 230))
    draw.rounded_rectangle((120, 18, 1100, 54), radius=14, fill="white")
    draw.text((140, 28), "https://photos.example.com/album/2041", fill=(60, 60, 60))
    shown = im.resize((860, round(860 * h / w)))
    shot.paste(shown, (210, 90))
    shot.save(tmp_path / "screenshot.png")
    scores = _pair_scores(tmp_path, spec)
    for copy in ("crop35.jpg", "screenshot.png"):
        assert scores.get(frozenset(("original.jpg", copy)), 0.0) >= spec.threshold, (rel, copy, scores)
    # without the geometric check (scan --no-verify) the network's scores stand, and they miss a hard copy
    network = _pair_scores(tmp_path, spec, verify=False)
    assert all(network.get(pair, 0.0) <= score for pair, score in scores.items())
    assert any(
        network.get(frozenset(("original.jpg", c)), 0.0) < spec.threshold for c in ("crop35.jpg", "screenshot.png")
    )
