"""Generated test photos (a unique module name, so no other conftest.py can shadow it)."""

from __future__ import annotations

import shutil

from PIL import Image, ImageDraw


def make_photo(path, seed: int, size=(96, 64)) -> str:
    """A small picture, different for each seed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, ((seed * 70) % 256, (seed * 35 + 90) % 256, (seed * 140 + 30) % 256))
    d = ImageDraw.Draw(im)
    d.ellipse((10 + seed * 7 % 40, 8, 50 + seed * 7 % 40, 48), fill=(255 - seed * 20 % 256, 240, 20))
    d.rectangle((5, 40 + seed % 15, 90, 60), fill=(20, 20 + seed * 50 % 200, 200))
    im.save(path)
    return str(path)


def copy(src: str, dst) -> str:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return str(dst)
