"""Training instances: what the model must tell apart, and the views that must stay together.

An instance is one picture: a whole photo, or one of two non-overlapping halves of a photo. Two halves of one
photo share its light, colours and subject but are different pictures (a second shot of the same room), so they
are the hardest negatives the data can give; the whole photo is then not an instance itself (a view of it would
contain both halves). Views of an instance are its clean rendering (view 0) and random copies made by
:mod:`engine.learn.augment`, fitted into the network's square input exactly as inference does.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the upright photo

HALF_GAP = 0.06  # the halves leave a strip between them, so no view of one can contain the other's content


@dataclass(frozen=True)
class Instance:
    path: str
    box: Box | None  # None: the whole photo
    photo: int  # instances of the same photo share this number (their views are never positives)
    source: str


def _halves(photo_w: int, photo_h: int) -> tuple[Box, Box]:
    """Left/right halves of a landscape or square photo, top/bottom halves of a portrait one."""
    lo, hi = 0.5 - HALF_GAP / 2, 0.5 + HALF_GAP / 2
    if photo_w >= photo_h:
        return (0.0, 0.0, lo, 1.0), (hi, 0.0, 1.0, 1.0)
    return (0.0, 0.0, 1.0, lo), (0.0, hi, 1.0, 1.0)


def _chosen(name: str, seed: int, fraction: float) -> bool:
    h = int(hashlib.sha1(f"halves:{seed}:{name}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < fraction


def make_instances(files: Mapping[str, Sequence[Path]], halves_fraction: float = 0.2, seed: int = 0) -> list[Instance]:
    """Every photo as one instance, or (a ``halves_fraction`` of them, chosen by name) as two halves."""
    out: list[Instance] = []
    photo = 0
    for source in sorted(files):
        for path in files[source]:
            if halves_fraction > 0 and _chosen(path.name, seed, halves_fraction):
                with Image.open(path) as im:
                    size = im.size
                out += [Instance(str(path), box, photo, source) for box in _halves(*size)]
            else:
                out.append(Instance(str(path), None, photo, source))
            photo += 1
    return out


def load_instance(inst: Instance) -> Image.Image:
    """The instance's pixels: the upright RGB photo, cut to its box."""
    with Image.open(inst.path) as f:
        im = ImageOps.exif_transpose(f).convert("RGB")
    if inst.box is None:
        return im
    w, h = im.size
    x0, y0, x1, y1 = inst.box
    return im.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))


def render_views(inst: Instance, n_views: int, size: int, mode: str, seed: int) -> tuple[np.ndarray, list[str]]:
    """(n_views, size, size, 3) uint8: view 0 clean, the rest random copies; plus each view's families."""
    from engine.learn.augment import fit, random_base_aspect, random_view

    im = load_instance(inst)
    out = np.empty((n_views, size, size, 3), np.uint8)
    out[0] = fit(im, size, mode)
    names = ["clean"]
    box = "whole" if inst.box is None else ",".join(f"{v:.2f}" for v in inst.box)
    for v in range(1, n_views):
        rng = random.Random(f"{seed}:{Path(inst.path).name}:{box}:{v}")
        # photos of train/ were squashed to squares: half their views give them back a camera-like shape
        base = random_base_aspect(im, rng) if rng.random() < (0.5 if inst.source == "imagenette" else 0.15) else im
        view, fams = random_view(base, rng)
        out[v] = fit(view, size, mode)
        names.append("+".join(fams))
    return out, names
