"""Make ``resources/samples/``: the small licence-clean folder the ``--self-test`` scans.

Photos come from the Debian ``lomiri-wallpapers`` package (CC-BY-4.0 / CC0-1.0 only, see ATTRIBUTION.md),
downscaled so the folder stays small; one image is drawn here from a fixed seed. The derived files are an
exact copy, a resized copy and a re-encode, so the expected groups exercise both the byte-identical path and
the model. Run it again only to change the samples; the committed files, not this script, are the reference.

    python packaging/make_samples.py [--source ../shared/data/wallpapers]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "samples"
LONG_SIDE = 640

# sample name -> (file in the wallpapers set, author, licence)
PHOTOS = {
    "mountain.jpg": (
        "images/lomiri-wallpapers-16.04/aitzgorri_by_Aitzol_Berasategi.jpg",
        "Aitzol Berasategi, 2018",
        "CC-BY-4.0",
    ),
    "wine.jpg": ("images/lomiri-wallpapers-16.04/Wine_by_Jakkub_Mede.jpg", "Jakub Mede, 2018", "CC-BY-4.0"),
    "sunset.jpg": (
        "images/lomiri-wallpapers-16.04/sunset_by_Aitzol_Berasategi.jpg",
        "Aitzol Berasategi, 2018",
        "CC-BY-4.0",
    ),
    "seeding.jpg": (
        "images/lomiri-wallpapers-16.04/seeding_by_Clements_Engelhardt.jpg",
        "Clemens Engelhardt, 2018",
        "CC0-1.0",
    ),
}

LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def _shrink(src: Path) -> Image.Image:
    im = Image.open(src).convert("RGB")
    im.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    return im


def _generated(seed: int = 6) -> Image.Image:
    """An abstract picture (overlapping translucent shapes on a gradient), unlike any of the photos."""
    rng = random.Random(seed)
    w, h = 480, 360
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = (40 + x * 120 // w, 30 + y * 90 // h, 160 - x * 60 // w)
    layer = Image.new("RGBA", (w, h))
    draw = ImageDraw.Draw(layer)
    for _ in range(18):
        x0, y0 = rng.randrange(-40, w), rng.randrange(-40, h)
        size = rng.randrange(30, 160)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), 150)
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x0 + size, y0 + size), fill=colour)
        else:
            draw.rectangle((x0, y0, x0 + size, y0 + size * 2 // 3), fill=colour)
    im = Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB")
    return im.filter(ImageFilter.GaussianBlur(0.6))


def make(source: Path) -> dict:
    images = OUT / "images"
    if images.exists():
        shutil.rmtree(images)
    (images / "copies").mkdir(parents=True)
    (images / "small").mkdir()

    for name, (rel, _author, _licence) in PHOTOS.items():
        _shrink(source / rel).save(images / name, quality=88, optimize=True)

    # group 1: the original, a byte-identical copy and a half-size copy
    shutil.copyfile(images / "mountain.jpg", images / "copies" / "mountain (copy).jpg")
    with Image.open(images / "mountain.jpg") as im:
        im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS).save(
            images / "small" / "mountain_320.jpg", quality=85
        )
    # group 2: the original and a lossy WebP re-encode at the same size
    with Image.open(images / "wine.jpg") as im:
        im.save(images / "wine_reencoded.webp", quality=60)
    # singles: two unrelated photos and a drawn picture
    _generated().save(images / "generated.png", optimize=True)

    expected = {
        "root": "images",
        "groups": [
            ["copies/mountain (copy).jpg", "mountain.jpg", "small/mountain_320.jpg"],
            ["wine.jpg", "wine_reencoded.webp"],
        ],
        "singles": ["generated.png", "seeding.jpg", "sunset.jpg"],
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    _write_attribution()
    return expected


def _write_attribution() -> None:
    lines = [
        "# Sample images: sources and licences",
        "",
        "`images/` is the folder `Doppel --self-test` scans (made by `packaging/make_samples.py`).",
        "",
        "Photographs from the Debian package `lomiri-wallpapers` 20.04.0-2 (directory `16.04/`), upstream",
        "https://gitlab.com/ubports/development/core/lomiri-wallpapers . Changes: downscaled to at most"
        f" {LONG_SIDE} px on the long side and re-saved as JPEG; the derived files listed below are further copies.",
        "",
        "| file(s) | original | author | licence |",
        "|---|---|---|---|",
    ]
    derived = {
        "mountain.jpg": "`mountain.jpg`, `copies/mountain (copy).jpg`, `small/mountain_320.jpg` (half size)",
        "wine.jpg": "`wine.jpg`, `wine_reencoded.webp` (WebP re-encode)",
    }
    for name, (rel, author, licence) in PHOTOS.items():
        files = derived.get(name, f"`{name}`")
        lines.append(f"| {files} | `{Path(rel).name}` | {author} | [{licence}]({LICENCE_URLS[licence]}) |")
    lines += [
        "",
        "`generated.png` was drawn by `packaging/make_samples.py` (Doppel's own, same licence as the project).",
        "",
    ]
    (OUT / "ATTRIBUTION.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--source",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "wallpapers",
        help="the Debian wallpapers folder (default: ../shared/data/wallpapers)",
    )
    args = ap.parse_args()
    expected = make(args.source)
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(json.dumps(expected, indent=2))
    print(f"{OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
