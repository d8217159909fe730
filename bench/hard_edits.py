"""Harder copy families for the benchmarks, in the shared ``make_bench.py`` transform signature.

Each family is ``f(im, rng, cfg) -> (im, params, save_spec | None)`` on an RGB PIL image, so
``make_bench.build(..., families=HARD_FAMILIES, cfgs=HARD_CFG, pick_steps=pick_hard_steps)`` makes a labelled
bench from them. They are written separately from the training augmentations (engine/learn/augment.py) on
purpose: a bench that reused the training code would measure memory, not generalisation. The screenshot
frames, watermarks and phone crops here are drawn differently from anything the model was trained on.
"""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageDraw, ImageFont, ImageOps

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def make_bench_module() -> ModuleType:
    """The shared make_bench.py, imported from ../shared/bench (called, never copied)."""
    name = "doppel_shared_make_bench"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SHARED / "bench" / "make_bench.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
)


def _font(size: int, which: int = 0) -> ImageFont.ImageFont:
    path = Path(_FONTS[which % len(_FONTS)])
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size=size)


def _fit(im: Image.Image, box_w: int, box_h: int) -> Image.Image:
    w, h = im.size
    f = min(box_w / w, box_h / h)
    return im.resize((max(8, round(w * f)), max(8, round(h * f))), Image.BICUBIC)


# ------------------------------------------------------------------------------------------------ geometry
def t_crop_hard(im, rng, c):
    """Keep 30-60% of the area anywhere in the picture (make_bench's crop with a harder range)."""
    return make_bench_module().t_crop(im, rng, {"area": c["area"], "offcenter_p": 0.7})


def t_phone_crop(im, rng, c):
    """A phone wallpaper cut from a landscape (9:16 or 9:19.5, full height) or a 16:9 strip from a portrait."""
    w, h = im.size
    aspect = rng.choice([9 / 16, 9 / 19.5])
    if w >= h:
        cw, ch = max(8, round(h * aspect)), h
    else:
        cw, ch = w, max(8, round(w * aspect))
    cw, ch = min(cw, w), min(ch, h)
    x0 = rng.randint(0, w - cw)
    y0 = rng.randint(0, h - ch)
    out = im.crop((x0, y0, x0 + cw, y0 + ch))
    return out, {"area": round(cw * ch / (w * h), 3), "box": [x0, y0, cw, ch]}, None


def t_tilt(im, rng, c):
    """Rotate 3-12 degrees; keep the whole picture on a filled canvas or crop to the inscribed rectangle."""
    mb = make_bench_module()
    d = mb.uni(rng, c["deg"]) * rng.choice([-1, 1])
    if rng.random() < 0.5:
        return mb.t_small_rotation(im, random.Random(rng.random()), {"deg": [(abs(d), abs(d))]})
    fill = rng.choice([(0, 0, 0), (255, 255, 255), (128, 128, 128)])
    return im.rotate(d, resample=Image.BICUBIC, expand=True, fillcolor=fill), {"deg": round(d, 2), "fill": fill}, None


def t_letterbox_wide(im, rng, c):
    """Bars to 1:1, 9:16, 16:9 or 21:9, sometimes with extra margin (make_bench's letterbox, wider choice)."""
    cfg = {
        "aspects": [(1, 1), (16, 9), (21, 9), (9, 16)],
        "colors": [(0, 0, 0), (255, 255, 255), (40, 40, 40)],
        "extra": 0.15,
    }
    return make_bench_module().t_letterbox(im, rng, cfg)


# ------------------------------------------------------------------------------------------------ screenshots
def _status_bar(d: ImageDraw.ImageDraw, W: int, y: int, hgt: int, dark: bool, rng: random.Random) -> None:
    ink = (240, 240, 240) if dark else (20, 20, 20)
    f = _font(max(8, int(hgt * 0.6)))
    d.text((int(W * 0.05), y + hgt * 0.15), f"{rng.randint(7, 23)}:{rng.randint(0, 59):02d}", font=f, fill=ink)
    for k in range(3):
        x = int(W * (0.8 + 0.05 * k))
        d.rectangle((x, y + hgt * 0.3, x + hgt * 0.5, y + hgt * 0.75), fill=ink)


def t_screenshot(im, rng, c):
    """The photo inside a phone gallery, a chat, or a browser window, at 30-90% of the canvas area."""
    kind = rng.choice(["phone", "chat", "browser"])
    frac = math.sqrt(rng.uniform(*c["fill"]))
    if kind == "browser":
        W, H = rng.choice([(1280, 800), (1366, 768), (1024, 768)])
    else:
        W, H = rng.choice([(720, 1280), (750, 1334), (720, 1560)])
    scale = max(im.size[0] / W, im.size[1] / H, 0.25)
    W, H = round(W * scale), round(H * scale)
    dark = rng.random() < 0.4
    bg = (18, 18, 18) if dark else (250, 250, 250)
    canvas = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(canvas)
    bar = max(8, round(H * 0.035))
    # the photo at the drawn fraction of the canvas area, then the chrome around it
    photo = _fit(im, round(W * frac), round(H * frac))
    pw, ph = photo.size
    if kind == "phone":
        _status_bar(d, W, 0, bar, dark, rng)
        x, y = (W - pw) // 2, (H - ph) // 2
        d.rectangle((0, H - 2 * bar, W, H), fill=(40, 40, 40) if dark else (230, 230, 230))
    elif kind == "chat":
        _status_bar(d, W, 0, bar, dark, rng)
        d.rectangle((0, bar, W, 3 * bar), fill=(7, 94, 84) if rng.random() < 0.5 else (36, 112, 180))
        d.text((2 * bar, 1.4 * bar), rng.choice(["Mum", "Alex", "Family", "Team"]), font=_font(bar), fill="white")
        x = W - pw - bar if rng.random() < 0.5 else bar
        y = rng.randint(3 * bar + 4, max(3 * bar + 4, H - ph - 3 * bar))
        d.rounded_rectangle(
            (x - bar // 2, y - bar // 2, x + pw + bar // 2, y + ph + bar),
            radius=bar // 2,
            fill=(220, 248, 198) if not dark else (5, 97, 98),
        )
        d.text(
            (x, y + ph + 2),
            f"{rng.randint(7, 23)}:{rng.randint(0, 59):02d}",
            font=_font(bar // 2 + 4),
            fill=(90, 90, 90),
        )
    else:
        d.rectangle((0, 0, W, 2 * bar), fill=(222, 225, 230) if not dark else (53, 54, 58))
        d.rounded_rectangle((bar * 4, bar // 3, W * 0.35, 2 * bar), radius=bar // 3, fill=bg)
        d.rounded_rectangle(
            (bar, 2.3 * bar, W - bar, 3.7 * bar), radius=bar // 2, fill=(241, 243, 244) if not dark else (32, 33, 36)
        )
        d.text(
            (2 * bar, 2.5 * bar),
            "https://photos.example.com/album/" + str(rng.randint(1000, 9999)),
            font=_font(bar, 2),
            fill=(60, 60, 60) if not dark else (200, 200, 200),
        )
        x = rng.randint(bar, max(bar, W - pw - bar))
        y = rng.randint(4 * bar, max(4 * bar, H - ph))
    canvas.paste(photo, (x, y))
    q = rng.choice([None, 80, 90])
    save = {"format": "PNG"} if q is None else {"format": "JPEG", "quality": q}
    return canvas, {"kind": kind, "area": round(pw * ph / (W * H), 3)}, save


# ------------------------------------------------------------------------------------------------ watermarks
def t_watermark(im, rng, c):
    """A translucent mark: one big diagonal word, a repeated tile, or a corner logo with a name."""
    base = im.convert("RGBA")
    w, h = base.size
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    kind = rng.choice(["diagonal", "tiled", "corner"])
    alpha = rng.randint(60, 140)
    col = rng.choice([(255, 255, 255), (0, 0, 0), (200, 30, 30)])
    text = rng.choice(["PREVIEW", "© studio", "SAMPLE", "stockpix", "DRAFT", "@my.photos"])
    if kind == "diagonal":
        size = max(10, round(min(w, h) * 0.18))
        f = _font(size, 1)
        tw, th = d.textbbox((0, 0), text, font=f)[2:]
        tile = Image.new("RGBA", (tw + 4, th + 4), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((2, 2), text, font=f, fill=(*col, alpha))
        tile = tile.rotate(rng.uniform(20, 45), expand=True)
        layer.paste(tile, ((w - tile.size[0]) // 2, (h - tile.size[1]) // 2), tile)
    elif kind == "tiled":
        size = max(8, round(min(w, h) * 0.06))
        f = _font(size)
        step_x, step_y = max(20, size * 6), max(16, size * 3)
        for yy in range(0, h, step_y):
            for xx in range(-(yy // 2) % step_x - step_x, w, step_x):
                d.text((xx, yy), text, font=f, fill=(*col, alpha // 2 + 20))
    else:
        size = max(8, round(min(w, h) * 0.07))
        r = size
        x0 = rng.choice([r, w - 7 * size])
        y0 = rng.choice([r, h - 2 * r - 2])
        d.ellipse((x0, y0, x0 + 2 * r, y0 + 2 * r), fill=(*col, alpha + 60))
        d.text((x0 + 2 * r + 4, y0 + r // 3), text, font=_font(size), fill=(*col, alpha + 60))
    out = Image.alpha_composite(base, layer).convert("RGB")
    return out, {"kind": kind, "alpha": alpha, "text": text}, None


HARD_CFG = {
    "crop_hard": {"area": (0.30, 0.60)},
    "phone_crop": {},
    "tilt": {"deg": (3.0, 12.0)},
    "letterbox_wide": {},
    "screenshot": {"fill": (0.30, 0.90)},
    "watermark": {},
}
HARD_FAMILIES = {
    "crop_hard": t_crop_hard,
    "phone_crop": t_phone_crop,
    "tilt": t_tilt,
    "letterbox_wide": t_letterbox_wide,
    "screenshot": t_screenshot,
    "watermark": t_watermark,
}


def composite_families() -> tuple[dict, dict]:
    """The hard families plus make_bench's dev families, for chains of 2-3 edits ("composite")."""
    mb = make_bench_module()
    fams = {**mb.DEV_FAMILIES, **HARD_FAMILIES}
    fams.pop("exif_orientation")  # needs the original bytes: not chainable
    cfgs = {**mb.DEV_CFG, **HARD_CFG}
    return fams, cfgs


# mild edits that go with a geometric one in a composite; the geometric ones are at most one per chain
_MILD = ["jpeg", "downscale", "color", "gamma", "grayscale", "blur", "webp", "caption", "watermark", "hflip"]
_GEOMETRIC = ["crop_hard", "phone_crop", "tilt", "letterbox_wide", "screenshot", "rotate", "squash"]


def pick_hard_steps(rng: random.Random) -> list[str]:
    """One hard family alone (60%) or a composite of 2-3 edits with at most one geometric edit, last a format."""
    if rng.random() < 0.6:
        return [rng.choice(sorted(HARD_FAMILIES))]
    n = rng.choice([2, 3])
    steps = [rng.choice(_GEOMETRIC)]
    while len(steps) < n:
        s = rng.choice(_MILD)
        if s not in steps:
            steps.append(s)
    rng.shuffle(steps)
    for fmt in ("jpeg", "webp"):  # an encoding step chooses the file format, so it goes last
        if fmt in steps:
            steps.remove(fmt)
            steps.append(fmt)
    return steps


def build_hard_bench(originals: Path, distractors: Path | None, out: Path, seed: int, per_original: int) -> None:
    """A labelled bench of hard copies (families above, composites) with make_bench's builder."""
    fams, cfgs = composite_families()
    make_bench_module().build(
        str(originals),
        str(distractors) if distractors else None,
        str(out),
        seed,
        per_original,
        fams,
        cfgs,
        pick_steps=pick_hard_steps,
        log_every=0,
    )


def _demo(path: str) -> None:  # pragma: no cover - a look at each family: python bench/hard_edits.py photo.jpg
    im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    fams, cfgs = composite_families()
    tiles = []
    for name in HARD_FAMILIES:
        out, _, _ = fams[name](im, random.Random(name), cfgs[name])
        tiles.append(_fit(out, 256, 256))
    sheet = Image.new("RGB", (256 * len(tiles), 256), (128, 128, 128))
    for n, t in enumerate(tiles):
        sheet.paste(t, (256 * n, 0))
    sheet.save("/tmp/hard_edits.png")


if __name__ == "__main__":  # pragma: no cover
    _demo(sys.argv[1])
