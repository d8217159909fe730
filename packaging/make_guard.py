"""Make ``resources/guard/``: the fixed guard set every fine-tuned version must not lose on (engine/learn/guard.py).

Made like the model benches (bench/benches.py), with the shared ``make_bench.py`` builder, from the 60 CC0
clothing photos of the data split's "guard" part (engine/learn/splits.py: never trained on, never in a bench):

* 30 originals, each with 2 copies: half ordinary edits (make_bench's dev families), half hard ones
  (bench/hard_edits.py: crops of 30-60%, phone crops, screenshots, watermarks, tilts, composites);
* 22 photos alone, as distractors: people's clothes on the same beds, floors and doors, so most pairs of
  different photos look alike;
* 8 photos cut into two non-overlapping halves, each half a file of its own (scaled to the set's long side):
  "two different photos of one room", the hardest look-alikes. The whole photo is not in the set, so a half
  has no original to be a crop of.

Deterministic (fixed seed; make_bench draws per file name). Files stay small: a long side of at most 256 px,
JPEG q85 where a file had to be shrunk. Run it again only to change the set; the committed files, not this
script, are the reference (fine-tuned versions recorded their guard numbers on them).

    python packaging/make_guard.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.hard_edits import composite_families, make_bench_module, pick_hard_steps  # noqa: E402
from engine.learn.splits import part  # noqa: E402

OUT = ROOT / "resources" / "guard"
SEED = 11
ORIGINALS, HALVED = 30, 8  # of the 60; the rest are distractors
COPIES = 2
LONG_SIDE = 256
QUALITY = 85
HALF = "half"  # the manifest's transform for a half of a photo

ATTRIBUTION = """# Guard set: sources and licence

`images/` is the fixed set fine-tuning is checked on and never trains on (`engine/learn/guard.py`), made by
`packaging/make_guard.py` from 60 photos of the clothing-dataset by Alexey Grigorev and contributors
(https://github.com/alexeygrigorev/clothing-dataset): people's own phone photos of clothes, released under
[CC0-1.0](https://creativecommons.org/publicdomain/zero/1.0/) (public domain dedication). The photos were
taken from `../shared/data/train-extra/clothing/` (EXIF orientation applied, long side 256, JPEG q80), the
data split's "guard" part (`engine/learn/splits.py`).

Changes: {originals} photos have {copies} edited copies each (made by the benchmarks' builder, the edits listed
in `manifest.csv`); {halved} photos were cut into two halves, each scaled to a long side of {long_side} px;
files with a longer side were shrunk to {long_side} px. The copies and halves are derived works of CC0 photos
and carry no further conditions.

`groups.json` lists which files are one picture (an original and its copies); every other pair is two
different photos. `manifest.csv` says how each file was made (`original`, the edits, `distractor`, `{half}`).
"""


def _halves(src: Path, out: Path) -> list[Path]:
    """The two halves of a photo across its long side, each scaled up to the set's long side."""
    with Image.open(src) as im:
        im = im.convert("RGB")
    w, h = im.size
    boxes = [(0, 0, w // 2, h), (w // 2, 0, w, h)] if w >= h else [(0, 0, w, h // 2), (0, h // 2, w, h)]
    paths = []
    for name, box in zip(("a", "b"), boxes):
        half = im.crop(box)
        f = LONG_SIDE / max(half.size)
        half = half.resize((round(half.width * f), round(half.height * f)), Image.Resampling.LANCZOS)
        path = out / f"{src.stem}-half{name}.jpg"
        half.save(path, quality=QUALITY)
        paths.append(path)
    return paths


def _shrink(path: Path) -> None:
    """A copy whose long side is over the limit (screenshots, letterboxes) shrunk to it, in its own format."""
    with Image.open(path) as im:
        if max(im.size) <= LONG_SIDE:
            return
        fmt = im.format
        im = im.convert("RGB")
    im.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    kw = {"quality": QUALITY} if fmt in ("JPEG", "WEBP") else {}
    im.save(path, fmt, **kw)


def build(data: Path, out: Path = OUT) -> dict[str, int]:
    photos = sorted(part(data, "guard", ("clothing",)).get("clothing", []))
    if len(photos) != ORIGINALS + HALVED + 22:
        raise SystemExit(f"expected 60 guard photos under {data}, found {len(photos)}")
    order = photos[:]
    random.Random(SEED).shuffle(order)
    originals, halved, alone = order[:ORIGINALS], order[ORIGINALS : ORIGINALS + HALVED], order[ORIGINALS + HALVED :]
    mb = make_bench_module()
    fams, cfgs = composite_families()
    dev = sorted(k for k in mb.DEV_FAMILIES if k != "exif_orientation")  # needs the original bytes: not chainable
    turn = iter(range(10**6))

    def pick(rng: random.Random) -> list[str]:  # copies alternate: an ordinary edit, then a hard one
        return [rng.choice(dev)] if next(turn) % 2 == 0 else pick_hard_steps(rng)

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        (src / "originals").mkdir()
        (src / "distractors").mkdir()
        for p in originals:
            shutil.copyfile(p, src / "originals" / p.name)
        for p in alone:
            shutil.copyfile(p, src / "distractors" / p.name)
        half_of = {h.stem: p.stem for p in halved for h in _halves(p, src / "distractors")}
        built = src / "built"
        originals_dir, distractors_dir = str(src / "originals"), str(src / "distractors")
        mb.build(originals_dir, distractors_dir, str(built), SEED, COPIES, fams, cfgs, pick, log_every=0)
        for f in (built / "images").iterdir():
            _shrink(f)
        rows = list(csv.DictReader(open(built / "manifest.csv", newline="")))
        for r in rows:
            stem = Path(r["source"]).stem
            if stem in half_of:
                r["transform"], r["params"] = HALF, json.dumps({"photo": half_of[stem]})
        with open(built / "manifest.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(built, out)
    text = ATTRIBUTION.format(originals=ORIGINALS, copies=COPIES, halved=HALVED, long_side=LONG_SIDE, half=HALF)
    (out / "ATTRIBUTION.md").write_text(text, encoding="utf-8")
    groups = json.loads((out / "groups.json").read_text())
    return {
        "files": sum(len(v) for v in groups.values()),
        "groups": len(groups),
        "copy_pairs": sum(len(v) * (len(v) - 1) // 2 for v in groups.values()),
        "bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    print(build(ap.parse_args().data))


if __name__ == "__main__":
    main()
