"""EXIF as Doppel reads it: orientation, capture time and camera, best effort (bad metadata never costs a picture).

Shared by :mod:`engine.imaging` (every Pillow format) and :mod:`engine.raw` (a RAW's own TIFF tags, or its
embedded preview's EXIF).
"""

from __future__ import annotations

import struct
from datetime import datetime

from PIL import Image

ORIENTATION_TAG = 0x0112
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
MAKE, MODEL = 0x010F, 0x0110
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

BAD_DATA = (
    OSError,
    ValueError,
    SyntaxError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)
"""What Pillow's parsers raise on malformed data (metadata is best effort: bad EXIF never costs the picture)."""


def exif_of(im: Image.Image, header_only: bool = False) -> Image.Exif:
    """EXIF, where ``header_only`` stops PNG's getexif() from decoding every pixel to look for an eXIf after IDAT."""
    try:
        if header_only and im.format == "PNG" and "exif" not in im.info:
            return Image.Exif()
        return im.getexif()
    except BAD_DATA:
        return Image.Exif()


def orientation(exif: Image.Exif) -> int:
    try:
        value = int(exif.get(ORIENTATION_TAG, 1))
    except BAD_DATA:
        return 1
    return value if value in TRANSPOSE else 1


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def capture_time(exif: Image.Exif) -> str | None:
    try:
        raw = _text(exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL))
        if raw is None:
            return None
        return datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except BAD_DATA:  # "0000:00:00 00:00:00", garbage, or an unreadable IFD
        return None


def camera(exif: Image.Exif) -> str | None:
    try:
        make, model = _text(exif.get(MAKE)), _text(exif.get(MODEL))
    except BAD_DATA:
        return None
    if make and model and model.lower().startswith(make.lower()):
        return model  # "Canon" + "Canon EOS R5" reads better as "Canon EOS R5"
    return " ".join(p for p in (make, model) if p) or None
