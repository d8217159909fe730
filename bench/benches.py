"""The labelled benches every model benchmark uses, built on demand into bench/_work (git-ignored).

    dev-seed1, dev-seed2   make_bench.py's dev suite on dev/ (500 originals x 3 copies + 1,000 same-class distractors)
    hard-seed2             dev/ with hard copies (bench/hard_edits.py: crops 30-60%, phone crops, screenshots,
                           watermarks, tilts, wide letterboxes, composites of 2-3 edits), seed 2
    lookalike              held-out train-extra photos (engine/learn/splits.py "bench" part): 200 originals with 3
                           copies each (half dev edits, half hard edits), the other 500 photos as distractors;
                           clothing photos share beds, floors and doors, so most negative pairs look alike
    wallpapers             the Debian wallpapers' natural groups (resizes, aspect crops, re-encodes)
    calib                  NOT a bench: the held-out calibration split of the training sources (splits.py "calib",
                           with halves of photos as look-alike negatives) as files, each instance with two training-
                           style copies; the model's scoring parameters (neighbourhood, verification) are chosen here

Each returns a :class:`Bench`: the images root, groups.json, manifest.csv and the evaluator's --root.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.hard_edits import SHARED, build_hard_bench, composite_families, make_bench_module, pick_hard_steps  # noqa: E402

DATA = SHARED / "data"
WORK = ROOT / "bench" / "_work"
NAMES = ("dev-seed1", "dev-seed2", "hard-seed2", "lookalike", "wallpapers")


@dataclass(frozen=True)
class Bench:
    name: str
    images: Path
    groups: Path
    manifest: Path
    root: Path


def _dev(name: str, seed: int, hard: bool) -> Bench:
    out = WORK / name
    if not (out / "groups.json").exists():
        originals, distractors = DATA / "dev" / "originals", DATA / "dev" / "distractors"
        if hard:
            build_hard_bench(originals, distractors, out, seed, per_original=3)
        else:
            mb = make_bench_module()
            mb.build(str(originals), str(distractors), str(out), seed, 3, mb.DEV_FAMILIES, mb.DEV_CFG, log_every=0)
    return Bench(name, out / "images", out / "groups.json", out / "manifest.csv", out)


def _linked(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        link = folder / f.name
        if not link.exists():
            link.symlink_to(f.resolve())
    return folder


def _lookalike(seed: int = 3) -> Bench:
    from engine.learn.splits import part

    out = WORK / "lookalike"
    if not (out / "groups.json").exists():
        held = part(DATA, "bench")
        clothing, bsds = held.get("clothing", []), held.get("bsds500", [])
        originals = clothing[:150] + bsds[:50]
        distractors = clothing[150:] + bsds[50:]
        src = WORK / "lookalike-src"
        fams, cfgs = composite_families()
        mb = make_bench_module()
        dev = sorted(k for k in mb.DEV_FAMILIES if k != "exif_orientation")

        def pick(rng: random.Random) -> list[str]:
            return [rng.choice(dev)] if rng.random() < 0.5 else pick_hard_steps(rng)

        mb.build(
            str(_linked(src / "originals", originals)),
            str(_linked(src / "distractors", distractors)),
            str(out),
            seed,
            3,
            fams,
            cfgs,
            pick_steps=pick,
            log_every=0,
        )
    return Bench("lookalike", out / "images", out / "groups.json", out / "manifest.csv", out)


def _wallpapers() -> Bench:
    root = DATA / "wallpapers"
    manifest = WORK / "wallpapers-manifest.csv"  # its own manifest has no transform column
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("path,transform\n")
    return Bench("wallpapers", root, root / "groups.json", manifest, root)


def _calib(seed: int = 5) -> Bench:
    """The calibration split as a folder of files: clean instances (halves cut out) and two copies each."""
    import csv
    import json

    from engine.learn.augment import random_view
    from engine.learn.instances import load_instance, make_instances
    from engine.learn.splits import part

    out = WORK / "calib"
    if not (out / "groups.json").exists():
        images = out / "images"
        images.mkdir(parents=True, exist_ok=True)
        groups: dict[str, list[str]] = {}
        rows = []
        for n, inst in enumerate(make_instances(part(DATA, "calib"), 0.2, 0)):
            im = load_instance(inst)
            g = f"i{n:04d}"
            for v in range(3):
                rel = f"images/{g}-{v}.jpg"
                if v == 0:
                    view, fams = im, ["original"]
                else:
                    view, fams = random_view(im, random.Random(f"{seed}:{n}:{v}"))
                view.convert("RGB").save(out / rel, "JPEG", quality=90)
                groups.setdefault(g, []).append(rel)
                rows.append({"path": rel, "transform": "+".join(fams) if v else "original"})
        (out / "groups.json").write_text(json.dumps(groups))
        with open(out / "manifest.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["path", "transform"])
            w.writeheader()
            w.writerows(rows)
    return Bench("calib", out / "images", out / "groups.json", out / "manifest.csv", out)


def ensure_bench(name: str) -> Bench:
    if name == "calib":
        return _calib()
    if name == "wallpapers":
        return _wallpapers()
    if name == "lookalike":
        return _lookalike()
    if name.startswith("dev-seed"):
        return _dev(name, int(name.removeprefix("dev-seed")), hard=False)
    if name.startswith("hard-seed"):
        return _dev(name, int(name.removeprefix("hard-seed")), hard=True)
    raise ValueError(f"unknown bench {name!r}; known: {', '.join(NAMES)}")


if __name__ == "__main__":  # build them all: python bench/benches.py
    for n in sys.argv[1:] or NAMES:
        b = ensure_bench(n)
        print(n, b.images, sum(1 for _ in b.images.iterdir()))
