"""Camera RAW files (DNG, CR2, CR3, NEF, ARW, ORF, RW2, RAF) read through rawpy, LibRaw's Python binding.

Most RAW files carry a JPEG the camera rendered; when it is as large as the caller needs and frames the whole
sensor picture, it is used as is (decoded at reduced scale like any JPEG, so a RAW costs about what its camera
JPEG costs). Otherwise LibRaw demosaics the sensor data, at half size when that is enough. Either way the picture
comes back as a Pillow image that carries :class:`RawMeta` in ``im.info[RAW_INFO]``: the full picture's upright
size, the format and the EXIF, which :mod:`engine.imaging` reports instead of the preview's.

Recognising a RAW: RAF, CR3, ORF, RW2 and CR2 by their first bytes; DNG, NEF and ARW start like any TIFF, so a
TIFF-looking file is a RAW when its name says so (and LibRaw opens it; when LibRaw refuses one, the caller may
still try it as a TIFF).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image

from engine import exif
from engine.results import ImageInfo

RAW_EXTENSIONS: dict[str, str] = {
    ".dng": "DNG",
    ".cr2": "CR2",
    ".cr3": "CR3",
    ".nef": "NEF",
    ".arw": "ARW",
    ".orf": "ORF",
    ".rw2": "RW2",
    ".raf": "RAF",
}
RAW_FORMATS: frozenset[str] = frozenset(RAW_EXTENSIONS.values())
RAW_INFO = "doppel.raw"  # the key of RawMeta in the info of an image open_raw returns
EXIF_HEAD = 1 << 20  # a RAW's own EXIF is read from this many first bytes (IFD0 and the EXIF IFD come first)
PREVIEW_SLACK = 0.95  # a preview this close to the sensor picture's size counts as full size
ASPECT_SLACK = 0.03  # and its aspect ratio must be this close, or it is another framing (16:9 of a 4:3 sensor)

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}  # LibRaw's flip to EXIF's orientation
_RETAGGED = {b"IIRO": b"II*\x00", b"IIRS": b"II*\x00", b"IIU\x00": b"II*\x00", b"MMOR": b"MM\x00*"}


class RawError(Exception):
    """A RAW file that cannot be used; ``reason`` is short and user-facing. ``unsupported``: LibRaw does not
    recognise the file at all (a TIFF named .dng may still open as a TIFF)."""

    def __init__(self, reason: str, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unsupported = unsupported


@dataclass(frozen=True)
class RawMeta:
    info: ImageInfo  # the whole picture: upright size, format ("DNG", "NEF"...), capture time, camera
    orientation: int  # the EXIF orientation still to apply to the pixels returned (1: already upright)


def raw_format(head: bytes, path: str) -> str | None:
    """The RAW format of a file from its first bytes (64 are enough) and its name; None for anything else."""
    ext = os.path.splitext(path)[1].lower()
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "RAF"
    if head[4:8] == b"ftyp" and head[8:12] == b"crx ":
        return "CR3"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if head[:4] == b"IIU\x00":
        return "RW2"
    if head[:4] in _TIFF_MAGIC:
        if head[8:10] == b"CR" and head[:2] == b"II":
            return "CR2"
        return RAW_EXTENSIONS.get(ext)
    return None


def is_raw_name(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in RAW_EXTENSIONS


def _rawpy() -> Any:
    try:
        import rawpy
    except ImportError as exc:  # a build without it: RAW files are skipped with this reason
        raise RawError("RAW support is not installed (the rawpy package)") from exc
    return rawpy


def _reason(rawpy: Any, exc: Exception) -> RawError:
    if isinstance(exc, rawpy.LibRawFileUnsupportedError):
        return RawError("not a RAW file LibRaw can read", unsupported=True)
    if isinstance(exc, (rawpy.LibRawIOError, rawpy.LibRawDataError)):
        return RawError("truncated or corrupt RAW data")
    if isinstance(exc, rawpy.LibRawTooBigError):
        return RawError("image too large for LibRaw")
    return RawError(f"cannot decode the RAW data: {str(exc).strip() or type(exc).__name__}")


def _own_exif(data: bytes) -> Image.Exif:
    """The RAW's own TIFF tags (make, model, the EXIF IFD), when it is TIFF-based; an empty Exif otherwise."""
    head = data[:EXIF_HEAD]
    head = _RETAGGED.get(head[:4], head[:4]) + head[4:]  # ORF and RW2 are TIFF under another magic number
    found = Image.Exif()
    if head[:4] in _TIFF_MAGIC:
        try:
            found.load(head)
        except exif.BAD_DATA:
            return Image.Exif()
    return found


def _capture_time(own: Image.Exif, preview: Image.Exif, timestamp: object) -> str | None:
    found = exif.capture_time(own) or exif.capture_time(preview)
    if found is None and isinstance(timestamp, datetime) and timestamp.year > 1970:
        found = timestamp.isoformat()  # LibRaw's reading of the capture time, for RAWs Pillow cannot parse
    return found


def _thumb(raw: Any, rawpy: Any) -> Image.Image | None:
    """The embedded preview, lazily opened (a JPEG) or as pixels (a bitmap); None when there is none usable."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError, rawpy.LibRawError):
        return None
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            return Image.open(io.BytesIO(thumb.data), formats=["JPEG"])
        data = np.asarray(thumb.data)
        if data.ndim == 3 and data.shape[2] == 3 and data.dtype == np.uint8:
            return Image.fromarray(data)
    except exif.BAD_DATA:
        pass
    return None


def _covers(preview: tuple[int, int], full: tuple[int, int], want: tuple[int, int] | None, fit: bool) -> bool:
    """The preview frames the whole picture and is as large as the caller needs: both sides at least ``want``'s
    (the model's square), or the picture fitted into ``want`` (``fit``: a thumbnail), or full size (None)."""
    (pw, ph), (w, h) = preview, full
    if pw <= 0 or ph <= 0 or abs(pw / ph - w / h) > ASPECT_SLACK * (w / h):
        return False
    if want is None:
        need = (w, h)
    elif fit:
        scale = min(1.0, want[0] / w, want[1] / h)
        need = (round(w * scale), round(h * scale))
    else:
        need = (min(want[0], w), min(want[1], h))
    return pw >= need[0] * PREVIEW_SLACK and ph >= need[1] * PREVIEW_SLACK


def _half_is_enough(full: tuple[int, int], want: tuple[int, int] | None, fit: bool) -> bool:
    """LibRaw's half-size demosaic (each 2x2 sensor block one pixel: 4x faster) gives what the caller needs."""
    (w, h) = full
    if want is None:
        return False
    if fit:
        return min(want[0] / w, want[1] / h) <= 0.5
    return want[0] <= w // 2 and want[1] <= h // 2


def open_raw(
    data: bytes, fmt: str, want: tuple[int, int] | None, max_pixels: int, pixels: bool = True, fit: bool = False
) -> Image.Image:
    """The picture in ``data`` with :class:`RawMeta` in ``info[RAW_INFO]``; ``want``: the smallest (width,
    height) the caller will use (``fit``: the box it fits the picture into), None for full resolution;
    ``pixels=False`` for the metadata alone.

    Raises RawError (with the reason; a picture over ``max_pixels`` too) or MemoryError.
    """
    rawpy = _rawpy()
    raw = rawpy.RawPy()
    try:
        raw.open_buffer(io.BytesIO(data))
        w, h, flip = raw.sizes.width, raw.sizes.height, raw.sizes.flip
        if w * h > max_pixels:
            raise RawError(f"image too large: {w}x{h} pixels (decompression bomb guard)")
        orientation = _FLIP_TO_ORIENTATION.get(flip, 1)
        preview = _thumb(raw, rawpy)
        own = _own_exif(data)
        preview_exif = exif.exif_of(preview) if preview is not None and preview.format == "JPEG" else Image.Exif()
        upright = (h, w) if orientation in (6, 8) else (w, h)
        info = ImageInfo(
            upright[0],
            upright[1],
            fmt,
            _capture_time(own, preview_exif, raw.other.timestamp),
            exif.camera(own) or exif.camera(preview_exif),
        )
        if not pixels:
            im = Image.new("RGB", (1, 1))
        elif preview is not None and _covers(preview.size, (w, h), want, fit):
            im = preview
        else:
            half = _half_is_enough((w, h), want, fit)
            rgb = raw.postprocess(half_size=half, use_camera_wb=True, output_bps=8)  # flip applied
            im, orientation = Image.fromarray(np.ascontiguousarray(rgb)), 1
        im.info[RAW_INFO] = RawMeta(info, orientation)
        return im
    except (rawpy.LibRawUnsufficientMemoryError, rawpy.LibRawMemPoolOverflowError) as exc:
        raise MemoryError("not enough memory to decode") from exc
    except rawpy.LibRawError as exc:
        raise _reason(rawpy, exc) from exc
    finally:
        raw.close()


def raw_meta(im: Image.Image) -> RawMeta | None:
    meta = im.info.get(RAW_INFO)
    return meta if isinstance(meta, RawMeta) else None
