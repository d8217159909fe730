"""Generated test photos and small results (a unique module name, so no other conftest.py can shadow it)."""

from __future__ import annotations

import os
import shutil

from PIL import Image, ImageDraw

from engine.results import Group, Member, PairScore, ScanResult


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


def member(path, size, score=1.0, w=100, h=100):
    return Member(path, size, 0, w, h, score)


def groups():
    """Three groups of made-up paths: a1 keeps a2; b2 keeps b1 (the reference) and b3; c1 and c2 are identical.

    The scores between members are all above the groups' sure level (0.75), so auto-mark marks every non-keeper.
    """
    g1 = Group(
        (member("/x/a1.jpg", 500), member("/x/a2.jpg", 400, 0.9)),
        "/x/a1.jpg",
        "/x/a1.jpg",
        pair_scores=(PairScore("/x/a1.jpg", "/x/a2.jpg", 0.9),),
        sure_threshold=0.75,
    )
    g2 = Group(
        (member("/y/b1.jpg", 100), member("/y/b2.jpg", 1000, 0.8), member("/z/b3.jpg", 900, 0.95)),
        "/y/b1.jpg",
        "/y/b2.jpg",
        pair_scores=(
            PairScore("/y/b1.jpg", "/y/b2.jpg", 0.8),
            PairScore("/y/b1.jpg", "/z/b3.jpg", 0.95),
            PairScore("/y/b2.jpg", "/z/b3.jpg", 0.85),
        ),
        sure_threshold=0.75,
    )
    g3 = Group((member("/a/c1.jpg", 10), member("/a/c2.jpg", 10)), "/a/c1.jpg", "/a/c1.jpg", exact=True)
    return [g1, g2, g3]


def fake_result(tmp_path) -> ScanResult:
    """Three different files that a model scored as similar: a~b 0.9, b~c 0.85, a~c 0.6."""
    paths = [make_photo(tmp_path / "sim" / f"{n}.png", seed) for n, seed in (("a", 1), ("b", 2), ("c", 3))]
    catalog = {}
    for p in paths:
        st = os.stat(p)
        catalog[p] = Member(p, st.st_size, st.st_mtime_ns, 96, 64, 1.0)
    a, b, c = paths
    pairs = (PairScore(a, b, 0.9), PairScore(b, c, 0.85), PairScore(a, c, 0.6))
    return ScanResult(
        groups=(),
        pairs=pairs,
        skipped=(),
        threshold=0.8,
        model_id="fake",
        files_scanned=3,
        catalog=catalog,
        stats={"min_score": 0.2},
    )
