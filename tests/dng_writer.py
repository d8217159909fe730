"""Small DNG files for tests, written by hand: LibRaw opens them, Pillow sees them as TIFFs.

A DNG here is IFD0 (a 16 x 12 RGB thumbnail, the camera's make and model, the DNG tags LibRaw needs, the EXIF
IFD with the capture time) with SubIFDs: the sensor data (16-bit RGGB Bayer, uncompressed) and, optionally, the
camera's JPEG preview. tifffile would need imagecodecs to write a JPEG-compressed IFD, hence this writer.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

BYTE, ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 1, 2, 3, 4, 5, 10
_FORMATS = {BYTE: "B", SHORT: "H", LONG: "I", RATIONAL: "II", SRATIONAL: "ii"}
_SIZES = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8}

Ref = tuple[str, int]  # ("blob", n): where blobs[n] is written; ("ifd", n): where IFD n is written


def _pack(typ: int, values) -> bytes:
    if typ == ASCII:
        return values.encode() + b"\0"
    if typ in (RATIONAL, SRATIONAL):
        return b"".join(struct.pack("<" + _FORMATS[typ], *v) for v in values)
    return struct.pack(f"<{len(values)}{_FORMATS[typ]}", *values)


def _ifd_size(entries: dict) -> int:
    """Bytes of an IFD with its out-of-line values (the offsets it will hold do not change its size)."""
    size = 2 + 12 * len(entries) + 4
    for typ, values in entries.values():
        if typ not in (ASCII, RATIONAL, SRATIONAL):
            values = [0 if isinstance(v, tuple) else v for v in values]
        n = len(_pack(typ, values))
        size += n + (n & 1) if n > 4 else 0
    return size


def write_tiff(path: Path, ifds: list[dict], blobs: list[bytes]) -> None:
    """A little-endian TIFF: the blobs first, then the IFDs (only IFD0 is in the main chain)."""
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    blob_at = []
    for b in blobs:
        blob_at.append(len(out))
        out += b + (b"\0" if len(b) & 1 else b"")
    ifd_at, pos = [], len(out)
    for entries in ifds:
        ifd_at.append(pos)
        pos += _ifd_size(entries)

    def resolve(v):
        if isinstance(v, tuple) and v[0] == "blob":
            return blob_at[v[1]]
        if isinstance(v, tuple) and v[0] == "ifd":
            return ifd_at[v[1]]
        return v

    for k, entries in enumerate(ifds):
        items = sorted(entries.items())
        head = bytearray(struct.pack("<H", len(items)))
        extra = bytearray()
        extra_at = ifd_at[k] + 2 + 12 * len(items) + 4
        for tag, (typ, values) in items:
            if typ not in (ASCII, RATIONAL, SRATIONAL):
                values = [resolve(v) for v in values]
            data = _pack(typ, values)
            count = len(data) // _SIZES[typ]
            if len(data) <= 4:
                head += struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\0")
            else:
                head += struct.pack("<HHII", tag, typ, count, extra_at + len(extra))
                extra += data + (b"\0" if len(data) & 1 else b"")
        head += struct.pack("<I", 0)
        assert len(out) == ifd_at[k]
        out += head + extra
    struct.pack_into("<I", out, 4, ifd_at[0])
    Path(path).write_bytes(bytes(out))


def bayer(picture: Image.Image) -> np.ndarray:
    """The RGGB mosaic a sensor would record of ``picture`` (12-bit values in 16-bit words)."""
    rgb = np.asarray(picture.convert("RGB"), dtype=np.uint16) * 16
    h, w = rgb.shape[:2]
    cfa = np.zeros((h, w), "<u2")
    cfa[0::2, 0::2] = rgb[0::2, 0::2, 0]
    cfa[0::2, 1::2] = rgb[0::2, 1::2, 1]
    cfa[1::2, 0::2] = rgb[1::2, 0::2, 1]
    cfa[1::2, 1::2] = rgb[1::2, 1::2, 2]
    return cfa


def jpeg_bytes(picture: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    picture.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def make_dng(
    path: Path,
    picture: Image.Image,
    preview: tuple[int, int] | None = None,
    orientation: int = 1,
    when: str | None = "2024:05:06 07:08:09",
    make: str = "Doppel",
    model: str = "TestCam 1",
) -> Path:
    """A DNG of ``picture`` (the sensor data), with the camera's JPEG preview at ``preview`` size (None: none;
    the IFD0 thumbnail is then the only preview, far too small to use), ``orientation`` as EXIF numbers it."""
    w, h = picture.size
    cfa = bayer(picture)
    thumb = np.asarray(picture.convert("RGB").resize((16, 12)), np.uint8)
    blobs = [thumb.tobytes(), cfa.tobytes()]
    ifd0 = {
        254: (LONG, [1]),
        256: (LONG, [16]),
        257: (LONG, [12]),
        258: (SHORT, [8, 8, 8]),
        259: (SHORT, [1]),
        262: (SHORT, [2]),
        271: (ASCII, make),
        272: (ASCII, model),
        273: (LONG, [("blob", 0)]),
        274: (SHORT, [orientation]),
        277: (SHORT, [3]),
        278: (LONG, [12]),
        279: (LONG, [len(blobs[0])]),
        284: (SHORT, [1]),
        50706: (BYTE, [1, 4, 0, 0]),  # DNGVersion
        50707: (BYTE, [1, 1, 0, 0]),  # DNGBackwardVersion
        50708: (ASCII, f"{make} {model}"),  # UniqueCameraModel
        50721: (SRATIONAL, [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]),  # ColorMatrix1
        50778: (SHORT, [21]),  # CalibrationIlluminant1: D65
        50728: (RATIONAL, [(1, 1), (1, 1), (1, 1)]),  # AsShotNeutral
    }
    raw = {
        254: (LONG, [0]),
        256: (LONG, [w]),
        257: (LONG, [h]),
        258: (SHORT, [16]),
        259: (SHORT, [1]),
        262: (SHORT, [32803]),  # CFA
        273: (LONG, [("blob", 1)]),
        277: (SHORT, [1]),
        278: (LONG, [h]),
        279: (LONG, [len(blobs[1])]),
        284: (SHORT, [1]),
        33421: (SHORT, [2, 2]),  # CFARepeatPatternDim
        33422: (BYTE, [0, 1, 1, 2]),  # CFAPattern: RGGB
        50714: (SHORT, [0]),  # BlackLevel
        50717: (SHORT, [4095]),  # WhiteLevel
    }
    ifds = [ifd0, raw]
    subifds = [("ifd", 1)]
    if preview is not None:
        blobs.append(jpeg_bytes(picture.resize(preview)))
        ifds.append(
            {
                254: (LONG, [1]),
                256: (LONG, [preview[0]]),
                257: (LONG, [preview[1]]),
                258: (SHORT, [8, 8, 8]),
                259: (SHORT, [7]),  # JPEG
                262: (SHORT, [6]),  # YCbCr
                273: (LONG, [("blob", 2)]),
                277: (SHORT, [3]),
                278: (LONG, [preview[1]]),
                279: (LONG, [len(blobs[2])]),
                284: (SHORT, [1]),
            }
        )
        subifds.append(("ifd", 2))
    ifd0[330] = (LONG, subifds)
    if when:
        ifds.append({36867: (ASCII, when)})  # DateTimeOriginal
        ifd0[34665] = (LONG, [("ifd", len(ifds) - 1)])
    write_tiff(path, ifds, blobs)
    return Path(path)
