"""Training instances: halves of a photo are two pictures that share nothing; views are fitted as inference does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from engine.learn.instances import HALF_GAP, Instance, load_instance, make_instances, render_views
from engine.learn.splits import PARTS, split_all


def _photo(path: Path, size: tuple[int, int]) -> Path:
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    arr = np.stack([x * 255 // size[0], y * 255 // size[1], (x + y) % 256], -1).astype(np.uint8)
    Image.fromarray(arr).save(path)
    return path


def test_halves_do_not_overlap_and_keep_the_photo_number(tmp_path: Path) -> None:
    files = [_photo(tmp_path / f"p{i}.png", (120, 80) if i % 2 else (80, 120)) for i in range(40)]
    inst = make_instances({"x": files}, halves_fraction=0.5, seed=0)
    split = [i for i in inst if i.box is not None]
    whole = [i for i in inst if i.box is None]
    assert split and whole and len(split) % 2 == 0
    by_photo: dict[int, list[Instance]] = {}
    for i in split:
        by_photo.setdefault(i.photo, []).append(i)
    for pair in by_photo.values():
        a, b = sorted(pair, key=lambda i: i.box)
        assert a.path == b.path
        # left/right (landscape) or top/bottom (portrait), with a gap between them
        if a.box[2] < 1.0:
            assert b.box[0] - a.box[2] >= HALF_GAP - 1e-9
        else:
            assert b.box[1] - a.box[3] >= HALF_GAP - 1e-9
        pa, pb = np.asarray(load_instance(a)), np.asarray(load_instance(b))
        assert pa.shape[0] * pa.shape[1] < 0.5 * 120 * 80
        assert not np.array_equal(pa, pb)
    # the choice depends on names only: the same call gives the same instances
    assert make_instances({"x": files}, 0.5, 0) == inst


def test_views_are_fitted_like_inference(tmp_path: Path) -> None:
    inst = Instance(str(_photo(tmp_path / "wide.png", (160, 80))), None, 0, "x")
    views, names = render_views(inst, 4, 32, "pad", seed=0)
    assert views.shape == (4, 32, 32, 3) and names[0] == "clean" and len(names) == 4
    # the clean wide photo keeps its aspect: grey bars above and below
    assert (views[0, 0] == 127).all() and (views[0, -1] == 127).all() and not (views[0, 16] == 127).all()
    again, _ = render_views(inst, 4, 32, "pad", seed=0)
    assert np.array_equal(views, again)


def test_shared_data_split_is_disjoint(shared_data: Path) -> None:
    for source, sp in split_all(shared_data).items():
        seen: set[Path] = set()
        for part in PARTS:
            files = set(sp[part])
            assert not files & seen, f"{source}: {part} overlaps another part"
            seen |= files
        assert sp["train"] and sp["calib"]
    clothing = split_all(shared_data)["clothing"]
    assert len(clothing["bench"]) == 600 and len(clothing["guard"]) == 60
