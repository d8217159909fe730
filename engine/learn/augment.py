"""The augmentation suite that makes training positives: what a real photo library does to one picture.

Each transform is ``f(image, rng) -> image`` on an RGB PIL image, drawn from a ``random.Random`` so a view is
reproducible from (seed, photo, view index). :func:`random_view` composes one to three of them, then an
encoding round trip (JPEG at many qualities, PNG, WebP, HEIC, GIF palette). Rotations by 90/180/270 degrees
and grayscale are the families the raw ImageNet features miss, so they are drawn more often than the rest.
"""

from __future__ import annotations

import io
import math
import os
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image, random.Random], Image.Image]

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_WORDS = (
    "IMG_2041",
    "Summer",
    "Holiday 2018",
    "(c) Photo",
    "DSC_0042",
    "with Anna",
    "12/08/2016",
    "Paris",
    "copy",
    "shared via app",
    "Best day ever",
    "watermark",
    "sample",
    "2021-05-03 14:22",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _rgb(im: Image.Image) -> Image.Image:
    return im if im.mode == "RGB" else im.convert("RGB")


def _random_colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.choice([(0, 0, 0), (255, 255, 255), (rng.randrange(256), rng.randrange(256), rng.randrange(256))])


# ------------------------------------------------------------------------------------------------ geometry
def crop(im: Image.Image, rng: random.Random) -> Image.Image:
    """Keep 25-95% of the area, centred or anywhere, with a mild aspect change (v1 kept 45-95% and missed
    the small crops people make)."""
    w, h = im.size
    area = rng.uniform(0.25, 0.95)
    r = rng.uniform(-0.3, 0.3) * (1 - area)
    fw = min(1.0, math.sqrt(area) * (1 + r))
    fh = min(1.0, area / fw)
    cw, ch = max(8, round(w * fw)), max(8, round(h * fh))
    if rng.random() < 0.5:
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
    else:
        x0, y0 = (w - cw) // 2, (h - ch) // 2
    return im.crop((x0, y0, x0 + cw, y0 + ch))


def phone_crop(im: Image.Image, rng: random.Random) -> Image.Image:
    """A phone-shaped cut: a tall strip of a landscape (9:16 to 9:21, full height) or a wide strip of a portrait."""
    w, h = im.size
    aspect = rng.uniform(9 / 21, 9 / 16)
    if w >= h:
        cw, ch = min(w, max(8, round(h * aspect))), h
    else:
        cw, ch = w, min(h, max(8, round(w * aspect)))
    x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return im.crop((x0, y0, x0 + cw, y0 + ch))


def downscale(im: Image.Image, rng: random.Random) -> Image.Image:
    f = rng.uniform(0.2, 0.75)
    w, h = im.size
    return im.resize(
        (max(8, round(w * f)), max(8, round(h * f))),
        rng.choice(
            [Image.Resampling.LANCZOS, Image.Resampling.BILINEAR, Image.Resampling.NEAREST, Image.Resampling.BICUBIC]
        ),
    )


def aspect(im: Image.Image, rng: random.Random) -> Image.Image:
    """Squash or stretch one axis (a resize that ignored the aspect ratio)."""
    f = rng.uniform(0.55, 0.9)
    w, h = im.size
    return im.resize(
        (max(8, round(w * f)), h) if rng.random() < 0.5 else (w, max(8, round(h * f))), Image.Resampling.LANCZOS
    )


def rotate90(im: Image.Image, rng: random.Random) -> Image.Image:
    return im.transpose(rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270]))


def mirror(im: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.mirror(im) if rng.random() < 0.8 else ImageOps.flip(im)


def _inscribed(w: float, h: float, ang: float) -> tuple[float, float]:
    """Largest axis-aligned rectangle inside a w x h rectangle rotated by ``ang`` radians."""
    long, short = max(w, h), min(w, h)
    s, c = abs(math.sin(ang)), abs(math.cos(ang))
    if short <= 2 * s * c * long or abs(s - c) < 1e-10:
        x = 0.5 * short
        return (x / s, x / c) if w >= h else (x / c, x / s)
    cos2 = c * c - s * s
    return (w * c - h * s) / cos2, (h * c - w * s) / cos2


def small_rotation(im: Image.Image, rng: random.Random) -> Image.Image:
    """Rotate 1-14 degrees; either crop to the inscribed rectangle or keep the corners filled."""
    deg = rng.uniform(1.0, 14.0) * rng.choice([-1, 1])
    w, h = im.size
    if rng.random() < 0.7:
        r = im.rotate(deg, resample=Image.Resampling.BICUBIC, expand=True)
        wr, hr = _inscribed(w, h, math.radians(deg))
        W, H = r.size
        return r.crop((round((W - wr) / 2), round((H - hr) / 2), round((W + wr) / 2), round((H + hr) / 2)))
    return im.rotate(deg, resample=Image.Resampling.BICUBIC, expand=rng.random() < 0.5, fillcolor=_random_colour(rng))


# ------------------------------------------------------------------------------------------------ colour
def colour(im: Image.Image, rng: random.Random) -> Image.Image:
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.65, 1.35))
    im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.65, 1.35))
    im = ImageEnhance.Color(im).enhance(rng.uniform(0.5, 1.5))
    if rng.random() < 0.3:  # a white-balance shift
        gains = [rng.uniform(0.85, 1.15) for _ in range(3)]
        im = Image.merge("RGB", [b.point(lambda v, g=g: min(255, int(v * g))) for b, g in zip(im.split(), gains)])
    return im


def gamma(im: Image.Image, rng: random.Random) -> Image.Image:
    g = rng.uniform(0.6, 1.6)
    lut = [min(255, round(255 * (i / 255) ** g)) for i in range(256)]
    return im.point(lut * 3)


def grayscale(im: Image.Image, rng: random.Random) -> Image.Image:
    g = ImageOps.grayscale(im)
    if rng.random() < 0.2:  # sepia-like toning also counts
        return ImageOps.colorize(g, (20, 10, 0), (255, 240, 200))
    return g.convert("RGB")


def blur(im: Image.Image, rng: random.Random) -> Image.Image:
    return im.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 2.5)))


def noise(im: Image.Image, rng: random.Random) -> Image.Image:
    a = np.asarray(im, dtype=np.float32)
    g = np.random.default_rng(rng.randrange(1 << 30))
    noisy = a + g.normal(0.0, rng.uniform(3.0, 15.0), a.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def sharpen(im: Image.Image, rng: random.Random) -> Image.Image:
    return ImageEnhance.Sharpness(im).enhance(rng.uniform(1.5, 3.0))


# ------------------------------------------------------------------------------------------------ framing
def letterbox(im: Image.Image, rng: random.Random) -> Image.Image:
    """Pad to 1:1, 4:3, 3:4, 16:9 or 9:16 with bars, or add a plain border all round."""
    w, h = im.size
    fill = _random_colour(rng)
    if rng.random() < 0.3:
        b = max(1, round(min(w, h) * rng.uniform(0.02, 0.12)))
        return ImageOps.expand(im, border=b, fill=fill)
    aw, ah = rng.choice([(1, 1), (4, 3), (3, 4), (16, 9), (9, 16)])
    tw, th = (w, max(h, round(w * ah / aw))) if w * ah >= h * aw else (max(w, round(h * aw / ah)), h)
    if (tw, th) == (w, h):  # already that shape: make it wider instead
        tw = round(w * 1.3)
    canvas = Image.new("RGB", (tw, th), fill)
    canvas.paste(im, ((tw - w) // 2, (th - h) // 2))
    return canvas


def text_overlay(im: Image.Image, rng: random.Random) -> Image.Image:
    """A caption, date stamp or semi-transparent watermark."""
    w, h = im.size
    base = im.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    watermark = rng.random() < 0.4
    size = max(8, round(min(w, h) * (rng.uniform(0.1, 0.2) if watermark else rng.uniform(0.05, 0.1))))
    text = rng.choice(_WORDS)
    f = _font(size)
    tw, th = draw.textbbox((0, 0), text, font=f)[2:]
    x = rng.randint(0, max(0, w - int(tw)))  # whole pixels for a TrueType font; the stubs say float
    y = rng.randint(0, max(0, h - int(th)))
    alpha = rng.randint(70, 150) if watermark else 255
    col = _random_colour(rng)
    if not watermark and rng.random() < 0.5:
        draw.rectangle((x - 2, y - 2, x + tw + 2, y + th + 2), fill=(*_random_colour(rng), 200))
    draw.text((x, y), text, font=f, fill=(*col, alpha))
    return Image.alpha_composite(base, layer).convert("RGB")


def watermark(im: Image.Image, rng: random.Random) -> Image.Image:
    """A translucent mark repeated over the picture, or one large slanted word across it."""
    w, h = im.size
    base = im.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    text = rng.choice(_WORDS)
    col = (*_random_colour(rng), rng.randint(50, 130))
    if rng.random() < 0.5:
        size = max(8, round(min(w, h) * rng.uniform(0.04, 0.08)))
        f = _font(size)
        tw = int(draw.textbbox((0, 0), text, font=f)[2])
        dx, dy = tw + size * rng.randint(1, 4), size * rng.randint(2, 4)
        for y in range(0, h, dy):
            for x in range(-((y // dy) % 2) * dx // 2, w, dx):
                draw.text((x, y), text, font=f, fill=col)
        return Image.alpha_composite(base, layer).convert("RGB")
    size = max(8, round(min(w, h) * rng.uniform(0.12, 0.25)))
    f = _font(size)
    tw, th = (int(v) for v in draw.textbbox((0, 0), text, font=f)[2:])
    tile = Image.new("RGBA", (tw + 4, th + 4), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((2, 2), text, font=f, fill=col)
    tile = tile.rotate(rng.uniform(-50, 50), expand=True, resample=Image.Resampling.BICUBIC)
    base.alpha_composite(tile, (max(0, (w - tile.size[0]) // 2), max(0, (h - tile.size[1]) // 2)))
    return base.convert("RGB")


def screenshot(im: Image.Image, rng: random.Random) -> Image.Image:
    """The photo shown inside a larger window or phone frame: bars, panels and some UI text around it."""
    w, h = im.size
    scale = rng.uniform(0.5, 0.95)  # 25-90% of the canvas
    pw, ph = max(8, round(w * scale)), max(8, round(h * scale))
    photo = im.resize((pw, ph), Image.Resampling.BILINEAR)
    W, H = max(w, pw + 16), max(h, ph + 24)
    if rng.random() < 0.5:  # a phone screen or a desktop window rather than the photo's own shape
        W, H = (max(W, round(H * rng.uniform(0.45, 0.6))), H) if rng.random() < 0.5 else (W, max(H, round(W * 0.6)))
    bg = rng.choice([(255, 255, 255), (240, 240, 240), (30, 30, 30), (0, 0, 0), (45, 45, 60)])
    canvas = Image.new("RGB", (W, H), bg)
    draw = ImageDraw.Draw(canvas)
    bar = max(4, round(H * rng.uniform(0.04, 0.1)))
    draw.rectangle((0, 0, W, bar), fill=_random_colour(rng))
    if rng.random() < 0.6:
        draw.rectangle((0, H - bar, W, H), fill=_random_colour(rng))
    ink = (0, 0, 0) if sum(bg) > 300 else (230, 230, 230)
    f = _font(max(6, bar - 2))
    draw.text((4, H - bar), rng.choice(_WORDS), font=f, fill=ink)
    x = rng.randint(0, W - pw)
    y = rng.randint(min(bar, H - ph), H - ph)
    canvas.paste(photo, (x, y))
    return canvas


# ------------------------------------------------------------------------------------------------ encoding
def encode(im: Image.Image, rng: random.Random, fmt: str | None = None) -> Image.Image:
    """Round-trip through a file format; the decoded image is what a scan would see."""
    fmt = fmt or rng.choices(["JPEG", "PNG", "WEBP", "HEIF", "GIF"], weights=[60, 8, 15, 8, 9])[0]
    buf = io.BytesIO()
    if fmt == "JPEG":
        im.save(buf, "JPEG", quality=rng.randint(25, 95), subsampling=rng.choice([0, 1, 2]))
    elif fmt == "PNG":
        im.save(buf, "PNG")
    elif fmt == "WEBP":
        im.save(buf, "WEBP", quality=rng.randint(40, 95))
    elif fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
        im.save(buf, "HEIF", quality=rng.randint(40, 90))
    elif fmt == "GIF":
        im.convert("P", palette=Image.Palette.ADAPTIVE, colors=rng.choice([64, 128, 256])).save(buf, "GIF")
    else:
        raise ValueError(f"unknown format {fmt}")
    buf.seek(0)
    with Image.open(buf) as out:
        out.load()
        return out.convert("RGB")


# name -> (transform, weight when drawing a view's families)
FAMILIES: dict[str, tuple[Transform, float]] = {
    "rotate90": (rotate90, 3.0),
    "grayscale": (grayscale, 2.0),
    "crop": (crop, 2.5),
    "downscale": (downscale, 1.0),
    "aspect": (aspect, 0.7),
    "phone_crop": (phone_crop, 1.0),
    "watermark": (watermark, 0.8),
    "mirror": (mirror, 1.2),
    "small_rotation": (small_rotation, 1.0),
    "colour": (colour, 1.5),
    "gamma": (gamma, 1.0),
    "blur": (blur, 1.0),
    "noise": (noise, 0.7),
    "sharpen": (sharpen, 0.3),
    "letterbox": (letterbox, 1.2),
    "text": (text_overlay, 1.0),
    "screenshot": (screenshot, 1.2),
}


_CUTS = {"crop", "phone_crop"}


def random_base_aspect(im: Image.Image, rng: random.Random) -> Image.Image:
    """Training photos are square (squashed); give them a camera-like shape so framing behaves realistically."""
    w, h = im.size
    r = rng.choice([1.0, 4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3])
    return im if r == 1.0 else im.resize((round(w * r), h) if r > 1 else (w, round(h / r)), Image.Resampling.BILINEAR)


def random_view(
    im: Image.Image, rng: random.Random, families: dict[str, tuple[Transform, float]] = FAMILIES, max_ops: int = 3
) -> tuple[Image.Image, list[str]]:
    """A transformed copy: 1-``max_ops`` distinct families in random order, then a format round trip."""
    names = list(families)
    weights = [families[n][1] for n in names]
    k = rng.choices([1, 2, 3][:max_ops], weights=[0.45, 0.35, 0.2][:max_ops])[0]
    chosen: list[str] = []
    while len(chosen) < k:
        n = rng.choices(names, weights=weights)[0]
        # one cut per view: a crop of a phone crop keeps a sliver that is no longer the same picture
        if n not in chosen and not (n in _CUTS and _CUTS.intersection(chosen)):
            chosen.append(n)
    out = _rgb(im)
    for n in chosen:
        out = _rgb(families[n][0](out, rng))
    out = encode(out, rng)
    return out, chosen


def squash(im: Image.Image, size: int) -> np.ndarray:
    """What a "squash" model sees: the whole image squashed to size x size, bilinear (as engine.imaging does)."""
    return np.asarray(_rgb(im).resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def fit(im: Image.Image, size: int, mode: str = "pad") -> np.ndarray:
    """What inference sees, for either input mode of engine.imaging ("pad": aspect kept, grey bars)."""
    from engine.imaging import fit_square

    return np.asarray(fit_square(_rgb(im), size, mode), dtype=np.uint8)
