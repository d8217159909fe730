"""Draw Doppel's icon: two overlapping photo frames, the back one tilted. Writes icons/doppel.svg and doppel.png.

Original artwork made by this script (no third-party art). The SVG and the PNG share one geometry on a
256-unit canvas; the PNG is drawn with Pillow at 4x and downsampled for smooth edges.

    python packaging/make_icon.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent / "icons"
SIZE = 256
SS = 4  # supersampling factor for the PNG

# (centre x, centre y, width, height, rotation in degrees, frame colour, picture colours)
BACK = (112, 108, 150, 118, -10, "#d8dee9", ("#5e81ac", "#81a1c1", "#ebcb8b"))
FRONT = (146, 150, 150, 118, 6, "#ffffff", ("#88c0d0", "#a3be8c", "#ebcb8b"))
BORDER = 10
SHADOW = "#2e3440"


def _corners(cx: float, cy: float, w: float, h: float, deg: float) -> list[tuple[float, float]]:
    a = math.radians(deg)
    ca, sa = math.cos(a), math.sin(a)
    pts = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def _local(cx: float, cy: float, deg: float, x: float, y: float) -> tuple[float, float]:
    a = math.radians(deg)
    return cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)


def _frame_shapes(frame) -> list[tuple[str, str, list[tuple[float, float]] | tuple[float, float, float]]]:
    """Shapes of one framed photo, back to front: ("poly"|"circle", colour, points | (x, y, r))."""
    cx, cy, w, h, deg, frame_colour, (sky, hill, sun) = frame
    iw, ih = w - 2 * BORDER, h - 2 * BORDER
    shapes = [
        ("poly", SHADOW, _corners(cx + 3, cy + 4, w, h, deg)),
        ("poly", frame_colour, _corners(cx, cy, w, h, deg)),
        ("poly", sky, _corners(cx, cy, iw, ih, deg)),
    ]
    sx, sy = _local(cx, cy, deg, iw * 0.22, -ih * 0.18)
    shapes.append(("circle", sun, (sx, sy, ih * 0.14)))
    # a mountain line across the lower half of the picture, inside the inner rectangle
    ridge = [(-0.5, 0.5), (-0.5, 0.1), (-0.2, -0.15), (0.05, 0.12), (0.25, -0.02), (0.5, 0.2), (0.5, 0.5)]
    shapes.append(("poly", hill, [_local(cx, cy, deg, u * iw, v * ih) for u, v in ridge]))
    return shapes


def shapes() -> list:
    return _frame_shapes(BACK) + _frame_shapes(FRONT)


def svg() -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
        "  <title>Doppel</title>",
    ]
    for kind, colour, geo in shapes():
        if kind == "poly":
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in geo)
            opacity = ' fill-opacity="0.35"' if colour == SHADOW else ""
            parts.append(f'  <polygon points="{pts}" fill="{colour}"{opacity}/>')
        else:
            x, y, r = geo
            parts.append(f'  <circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(size: int = SIZE) -> Image.Image:
    big = Image.new("RGBA", (SIZE * SS, SIZE * SS), (0, 0, 0, 0))
    for kind, colour, geo in shapes():
        layer = Image.new("RGBA", big.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        fill = rgb + ((90,) if colour == SHADOW else (255,))
        if kind == "poly":
            draw.polygon([(x * SS, y * SS) for x, y in geo], fill=fill)
        else:
            x, y, r = geo
            draw.ellipse(((x - r) * SS, (y - r) * SS, (x + r) * SS, (y + r) * SS), fill=fill)
        big = Image.alpha_composite(big, layer)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "doppel.svg").write_text(svg(), encoding="utf-8")
    png().save(OUT / "doppel.png", optimize=True)
    print(f"wrote {OUT / 'doppel.svg'} and {OUT / 'doppel.png'}")


if __name__ == "__main__":
    main()
