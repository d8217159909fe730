"""engine.learn.augment: every family is seeded and gives RGB, views are reproducible, and the format round trip
really goes through the format (a view that skipped it would teach the model nothing about re-encoding)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from engine.learn import augment


def _photo(seed: int = 0, size: tuple[int, int] = (96, 72)) -> Image.Image:
    g = np.random.default_rng(seed)
    base = g.integers(0, 255, (6, 8, 3), dtype=np.uint8)  # smooth blocks: photo-like, compresses sanely
    return Image.fromarray(base).resize(size, Image.BILINEAR)


@pytest.mark.parametrize("family", sorted(augment.FAMILIES))
def test_each_family_gives_a_seeded_rgb_image(family: str) -> None:
    fn = augment.FAMILIES[family][0]
    im = _photo()
    a = fn(im, random.Random(3))
    b = fn(im, random.Random(3))
    assert a.mode == "RGB" and min(a.size) >= 8
    assert np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "GIF"])
def test_format_round_trips(fmt: str, monkeypatch) -> None:
    decoded: list[str | None] = []
    real_open = Image.open

    def spy(fp, *args, **kwargs):
        im = real_open(fp, *args, **kwargs)
        decoded.append(im.format)
        return im

    monkeypatch.setattr(Image, "open", spy)
    src = _photo()
    out = augment.encode(src, random.Random(0), fmt)
    assert decoded == [fmt]  # what comes back was decoded from that format's bytes
    assert out.mode == "RGB" and out.size == (96, 72)
    a, b = np.asarray(src, np.int16), np.asarray(out, np.int16)
    if fmt == "PNG":
        assert np.array_equal(a, b)  # lossless
    elif fmt == "GIF":
        assert len(np.unique(a.reshape(-1, 3), axis=0)) > 256 >= len(np.unique(b.reshape(-1, 3), axis=0))
    else:  # lossy: changed, but still the same picture
        assert 0 < np.abs(a - b).mean() < 20


def test_random_view_is_reproducible_and_squashes_to_input_size() -> None:
    im = _photo(1)
    v1, f1 = augment.random_view(im, random.Random("s:1"))
    v2, f2 = augment.random_view(im, random.Random("s:1"))
    assert f1 == f2 and 1 <= len(f1) <= 3
    assert np.array_equal(augment.squash(v1, 64), augment.squash(v2, 64))
    assert augment.squash(v1, 64).shape == (64, 64, 3)
