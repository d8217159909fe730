"""Geometric verification (engine/verify.py) on real photos: crops and screenshots of a picture are confirmed, two
different pictures of one scene (two halves of a photo) are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from engine.verify import Verifier, VerifyParams, lifted, verify_pairs

PHOTOS = (
    "lomiri-wallpapers-16.04/Dragonfly_by_Bolly.jpg",
    "lomiri-wallpapers-16.04/Bridge_by_Sander_Klootwijk.jpg",
)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    """With the bundled model's parameters (chosen on the calibration split), or the defaults."""
    from engine.model.weights import load_spec

    return Verifier(load_spec(None).verification or VerifyParams(low=0.1))


def _open(wallpapers: Path, rel: str) -> Image.Image:
    with Image.open(wallpapers / "images" / rel) as im:
        return im.convert("RGB")


def _save(im: Image.Image, path: Path) -> str:
    im.save(path, "JPEG", quality=85)
    return str(path)


@pytest.mark.parametrize("rel", PHOTOS)
def test_a_35_percent_crop_and_a_screenshot_are_confirmed(verifier, wallpapers, tmp_path, rel) -> None:
    im = _open(wallpapers, rel)
    w, h = im.size
    original = _save(im, tmp_path / "original.jpg")
    cw, ch = round(w * 0.35**0.5), round(h * 0.35**0.5)
    crop = _save(im.crop((w - cw - w // 20, h // 20, w - w // 20, h // 20 + ch)), tmp_path / "crop35.jpg")
    canvas = Image.new("RGB", (720, 1280), (18, 18, 18))  # a phone screen showing the photo at 60% of its width
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, 720, 60), fill=(7, 94, 84))
    draw.text((20, 20), "Family chat", fill="white")
    shown = im.resize((432, round(432 * h / w)))
    canvas.paste(shown, (144, 400))
    shot = _save(canvas, tmp_path / "screenshot.jpg")
    small = _save(im.resize((w // 3, h // 3)), tmp_path / "small.jpg")
    for copy in (crop, shot, small):
        verdict = verifier.verify(original, copy)
        assert verdict.verified, (copy, verdict)


@pytest.mark.parametrize("rel", PHOTOS)
def test_two_halves_of_one_photo_are_not_confirmed(verifier, wallpapers, tmp_path, rel) -> None:
    """Two different photos of one scene: the left and right parts, each resized back to the photo's size."""
    im = _open(wallpapers, rel)
    w, h = im.size
    left = _save(im.crop((0, 0, round(w * 0.47), h)).resize((w, h)), tmp_path / "left.jpg")
    right = _save(im.crop((round(w * 0.53), 0, w, h)).resize((w, h)), tmp_path / "right.jpg")
    verdict = verifier.verify(left, right)
    assert not verdict.verified, verdict


def test_the_same_caption_on_two_different_photos_is_not_a_copy(verifier, wallpapers, tmp_path) -> None:
    """Shared overlay text gives matching keypoints under one transform; the pixels around it disagree."""
    from PIL import ImageFont

    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    font = ImageFont.truetype(str(font_path), 40) if font_path.exists() else ImageFont.load_default(size=40)
    files = []
    for n, rel in enumerate(PHOTOS):
        im = _open(wallpapers, rel).resize((800, 500))
        ImageDraw.Draw(im).text((60, 400), "Holiday 2018  IMG_2041", font=font, fill="white")
        files.append(_save(im, tmp_path / f"captioned{n}.jpg"))
    verdict = verifier.verify(*files)
    assert not verdict.verified, verdict


def test_only_the_band_under_the_threshold_is_checked_and_lifting_keeps_the_order(tmp_path) -> None:
    seen: list[tuple[str, str]] = []

    class Recording(Verifier):
        def verify(self, a: str, b: str):  # type: ignore[override]
            seen.append((a, b))
            return super().verify(a, b)

    params = VerifyParams(low=0.4)
    pairs = [("a", "b", 0.2), ("c", "d", 0.5), ("e", "f", 0.85), ("g", "h", 0.95)]
    out = verify_pairs(pairs, params, threshold=0.9, verifier=Recording(params, loader=lambda p, s: np.zeros((8, 8))))
    assert seen == [("c", "d"), ("e", "f")] and set(out) == set(seen)
    assert not any(v.verified for v in out.values())  # blank images have no keypoints
    lifted_scores = [lifted(s, 0.9) for s in (0.41, 0.5, 0.85)]
    assert all(0.9 <= s < 1.0 for s in lifted_scores) and lifted_scores == sorted(lifted_scores)


def test_bad_parameters_are_refused() -> None:
    for raw in ({"low": 1.5}, {"low": 0.3, "min_inliers": 2}, {"min_ncc": 0.5}, [0.3]):
        with pytest.raises(ValueError):
            VerifyParams.from_json(raw)
    assert VerifyParams.from_json({"low": 0.3}) == VerifyParams(low=0.3)
