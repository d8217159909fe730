"""Decoding photos: fast downscaled decode for the model, EXIF orientation, metadata, thumbnails, full views.

Every public function turns any failure on a bad file into :class:`DecodeError` with a short reason the user can
read, so a scan of 100,000 files never dies on one broken JPEG. Truncated files are reported, never decoded as
grey (``ImageFile.LOAD_TRUNCATED_IMAGES`` stays off), and sizes are checked on the header before any pixel is
decoded, so a decompression bomb costs nothing.
"""

from __future__ import annotations

import math
import os
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, cast

import numpy as np
from PIL import Image, ImageStat, UnidentifiedImageError

from engine.exif import ORIENTATION_TAG, TRANSPOSE, camera, capture_time, exif_of, orientation
from engine.png import BAND_MIN_PIXELS, load_reduced, open_image, reduce_factor
from engine.raw import RawError, open_raw, raw_format, raw_meta
from engine.results import ImageInfo, os_error_reason
from engine.userfiles import NotRegularFileError, open_regular

# Our own guard rejects oversized images with a reason; Pillow's warning would only add noise on stderr.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
_PILLOW_MODULES = r"PIL\."

MAX_PIXELS = 200_000_000
"""Largest image (width * height, before any draft) we agree to decode. Change it here; PIL's guard follows."""

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")
"""Pillow plugins we let near user files: what discovery sniffs, nothing with a looser parser. (Multi-picture
camera JPEGs come back from the JPEG plugin as "MPO".)"""

_FORMAT_NAMES = {"MPO": "JPEG"}  # camera JPEGs with an embedded preview open as MPO; to the user they are JPEGs
_WHITE, _BLACK = (255, 255, 255), (0, 0, 0)

_heif_lock = threading.Lock()
_heif_registered = False
_open_formats_cache: list[str] | None = None


class DecodeError(Exception):
    """A file that cannot be used as an image; ``reason`` is short and user-facing.

    ``read`` is the (size, mtime_ns) of the file whose content failed to decode, from ``fstat`` on the opened
    file: a cache keys the failure by it. It is None when the failure says nothing about the content (the file
    could not be read, changed while it was read, memory ran out): such a failure must not be remembered.
    ``unreadable`` says the file could not be read as it was found (vanished, permission, I/O error, not a
    regular file, changed): it must not stand in a group for the bytes that were hashed.
    """

    def __init__(self, reason: str, read: tuple[int, int] | None = None, unreadable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.read = read
        self.unreadable = unreadable


def _register_heif() -> None:
    """pillow-heif is optional and slow-ish to import, so it is loaded on the first decode, once."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            try:
                import pillow_heif
            except ImportError:  # optional: HEIF files then fail as "not a supported image"
                pass
            else:
                pillow_heif.register_heif_opener()
            _heif_registered = True


def _quiet_pillow() -> None:
    """Pillow warns (UserWarning) about malformed metadata it then skips ("Corrupt EXIF data", "Truncated File
    Read"): metadata is best effort here and a bad file is reported as skipped, so on stderr that is only noise.

    Checked at each decode, not set once at import: ``warnings.catch_warnings`` around an import (pytest does
    that) puts the filters back as they were when it leaves.
    """
    for action, _, category, module, _ in warnings.filters:
        if action == "ignore" and category is UserWarning and module is not None and module.pattern == _PILLOW_MODULES:
            return
    warnings.filterwarnings("ignore", category=UserWarning, module=_PILLOW_MODULES)


def _open_formats() -> list[str]:
    """The supported formats this Pillow can open (HEIF needs pillow-heif, AVIF needs Pillow >= 11.2)."""
    global _open_formats_cache
    if _open_formats_cache is None:
        _register_heif()
        Image.init()
        _open_formats_cache = [f for f in SUPPORTED_FORMATS if f in Image.OPEN]
    return _open_formats_cache


def _bomb_reason(width: int, height: int) -> str:
    return f"image too large: {width}x{height} pixels (decompression bomb guard)"


def _reason(exc: BaseException) -> str:
    """Map whatever a decoder raised to a reason a user can act on."""
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotRegularFileError)):
        return os_error_reason(exc)
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        found = re.search(r"\((\d+) pixels\)", str(exc))  # PIL's message names the pixel count, not the sides
        return f"image too large: {found.group(1) if found else 'too many'} pixels (decompression bomb guard)"
    if isinstance(exc, RawError):
        return exc.reason
    if isinstance(exc, UnidentifiedImageError):
        return "not a supported image"
    text = str(exc).strip()
    if isinstance(exc, EOFError) or "truncated" in text.lower():
        return "truncated image data"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode"
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_error_reason(exc)
    return f"corrupt image: {text or type(exc).__name__}"


@contextmanager
def _opened(
    path: str, want: tuple[int, int] | None = None, pixels: bool = True, fit: bool = False
) -> Iterator[Image.Image]:
    """Open ``path`` lazily (header only) and turn every failure inside the block into :class:`DecodeError`.

    Only regular files are opened (engine.userfiles): a FIFO swapped in after discovery cannot block a worker.
    A camera RAW comes from :mod:`engine.raw`, sized for ``want`` (the smallest (width, height) the caller uses,
    or with ``fit`` the box it fits the picture into; None: full size; ``pixels=False``: metadata only).
    """
    formats = _open_formats()
    _quiet_pillow()
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL's own (lower) limit would otherwise refuse what ours allows
    try:
        fh = open_regular(path)
    except Exception as exc:
        raise DecodeError(_reason(exc), unreadable=True) from exc
    with fh:
        st = os.fstat(fh.fileno())
        read = (st.st_size, st.st_mtime_ns)
        try:
            if st.st_size == 0:
                raise DecodeError("empty file (0 bytes)")
            fmt = raw_format(fh.read(64), path)
            fh.seek(0)
            raw = _open_raw(fh, fmt, want, pixels, fit) if fmt else None
            with raw if raw is not None else open_image(fh, formats) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise DecodeError(_bomb_reason(width, height))
                yield im
        except Exception as exc:  # plugins raise all of exif.BAD_DATA and more on bad data; the contract is DecodeError
            error = exc if isinstance(exc, DecodeError) else DecodeError(_reason(exc))
            if not _unchanged(fh, read):
                error.reason, error.unreadable = "file changed during the scan", True
            elif isinstance(exc, OSError) and exc.errno is not None:  # an I/O error, not the content's fault
                error.unreadable = True
            elif not isinstance(exc, MemoryError):
                error.read = read
            if error is exc:
                raise
            raise error from exc


def _open_raw(fh: BinaryIO, fmt: str, want: tuple[int, int] | None, pixels: bool, fit: bool) -> Image.Image | None:
    """The RAW's picture; None for a TIFF that LibRaw does not recognise although its name says RAW (Pillow's)."""
    data = fh.read()
    try:
        return open_raw(data, fmt, want, MAX_PIXELS, pixels, fit)
    except RawError as exc:
        if not (exc.unsupported and data[:4] in (b"II*\x00", b"MM\x00*")):
            raise
    fh.seek(0)
    return None


def _exif(im: Image.Image, header_only: bool = False) -> Image.Exif:
    """The image's EXIF; for a RAW, just the orientation still to apply to the pixels :mod:`engine.raw` gave."""
    meta = raw_meta(im)
    if meta is None:
        return exif_of(im, header_only)
    out = Image.Exif()
    out[ORIENTATION_TAG] = meta.orientation
    return out


def _unchanged(fh: BinaryIO, read: tuple[int, int]) -> bool:
    """The open file still has the size and mtime it had when opened (it was not rewritten while we read it)."""
    try:
        st = os.fstat(fh.fileno())
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == read


def _info(im: Image.Image, exif: Image.Exif, size: tuple[int, int]) -> ImageInfo:
    """``size`` is the full (pre-draft) size; width and height are swapped for rotated orientations."""
    meta = raw_meta(im)
    if meta is not None:
        return meta.info
    width, height = size
    if orientation(exif) in (5, 6, 7, 8):
        width, height = height, width
    fmt = im.format or ""
    return ImageInfo(width, height, _FORMAT_NAMES.get(fmt, fmt), capture_time(exif), camera(exif))


def _load_small(im: Image.Image, size: tuple[int, int]) -> tuple[Image.Image, bool]:
    """The pixels, no smaller than the caller's resize needs and often much smaller than the file, and whether
    ``im`` itself was decoded (False: its metadata after the pixels was not read the usual way).

    JPEGs decode at reduced scale (draft); large PNGs a band at a time (engine.png); other large images are reduced
    right after decoding, before the colour conversions copy them at full size.
    """
    _draft(im, size)
    banded = load_reduced(im, size)
    if banded is not None:
        return banded, False
    im.load()
    factor = reduce_factor(im.size, size)
    if im.width * im.height >= BAND_MIN_PIXELS and factor != (1, 1) and im.mode in ("L", "LA", "RGB", "RGBA"):
        return im.reduce(factor), True
    return im, True


def _draft(im: Image.Image, size: tuple[int, int]) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale; draft keeps both sides >= ``size``, so no detail is lost."""
    if im.format in ("JPEG", "MPO"):
        im.draft("RGB", (max(1, size[0]), max(1, size[1])))


def _scale_16bit(im: Image.Image) -> Image.Image:
    """High-bit-depth greyscale to 8 bits: 16-bit by >> 8, wider or float data by its own range."""
    arr = np.asarray(im)
    if im.mode == "F" or arr.dtype.kind == "f":
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        hi, lo = float(arr.max(initial=0.0)), float(arr.min(initial=0.0))
        if lo >= 0.0 and hi <= 1.0:
            arr = arr * 255.0
        elif lo < 0.0 or hi > 255.0:
            arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    else:
        arr = arr.astype(np.int64)
        hi, lo = int(arr.max(initial=0)), int(arr.min(initial=0))
        if im.mode.startswith("I;16") or (lo >= 0 and 255 < hi <= 65535):
            arr = arr >> 8
        elif lo < 0 or hi > 255:
            arr = (arr - lo) * 255 // (hi - lo)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; transparency is composited on white, as a viewer would show it."""
    mode = im.mode
    try:
        if mode == "RGB":
            return im
        if mode.startswith("I") or mode == "F":
            return _scale_16bit(im).convert("RGB")
        if mode in ("P", "PA", "LA", "RGBa"):
            has_alpha = mode != "P" or "transparency" in im.info
            im = im.convert("RGBA" if has_alpha else "RGB")
        if im.mode == "RGBA":
            return _flatten(im)
        return im.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV, RGBX
    except ValueError as exc:  # a mode Pillow cannot convert: the file is valid, we just cannot show it
        raise DecodeError(f"unsupported colour mode: {mode}") from exc


def _flatten(im: Image.Image) -> Image.Image:
    alpha = im.getchannel("A")
    lo, hi = cast(tuple[int, int], alpha.getextrema())  # one band: (min, max)
    if lo == 255:
        return im.convert("RGB")
    out = Image.new("RGB", im.size, _WHITE)
    out.paste(im, mask=alpha)
    if hi - lo > 16 and max(ImageStat.Stat(out).stddev) < 2.0:
        # White-on-transparent overlays (desktop textures) come out blank on white; their pattern shows on black.
        out = Image.new("RGB", im.size, _BLACK)
        out.paste(im, mask=alpha)
    return out


def _oriented(im: Image.Image, value: int) -> Image.Image:
    method = TRANSPOSE.get(value)
    return im.transpose(method) if method is not None else im


INPUT_MODES = ("squash", "pad")
PAD_GREY = (127, 127, 127)  # zero after the network's (pixel - 127) / 128: the bars carry no signal


def fit_square(rgb: Image.Image, size: int, mode: str = "squash") -> Image.Image:
    """The whole picture in a ``size`` x ``size`` square: squashed, or ("pad") aspect kept on grey bars.

    Padding keeps a crop's content undistorted against its original (a phone-shaped cut of a landscape is
    stretched three-fold by squashing); squashing spends every pixel on content. Both commute with the EXIF
    rotation (the bars are centred), so the image is fitted first and rotated at the small size.
    """
    if mode == "squash":
        return rgb.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if mode != "pad":
        raise ValueError(f"unknown input mode {mode!r}; known: {', '.join(INPUT_MODES)}")
    w, h = rgb.size
    f = size / max(w, h, 1)
    nw, nh = min(size, max(1, round(w * f))), min(size, max(1, round(h * f)))
    small = rgb.resize((nw, nh), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if (nw, nh) == (size, size):
        return small
    canvas = Image.new("RGB", (size, size), PAD_GREY)
    canvas.paste(small, ((size - nw) // 2, (size - nh) // 2))
    return canvas


def load_for_model(path: str, size: int, mode: str = "squash") -> tuple[Image.Image, ImageInfo]:
    """The whole picture fitted into ``size`` x ``size`` RGB by ``mode`` (never cropped: a crop could cut away
    the difference).

    JPEGs are decoded at reduced scale by libjpeg, so a 12-megapixel photo costs a fraction of a full decode.
    """
    with _opened(path, (size, size)) as im:
        full_size = im.size
        pixels, decoded = _load_small(im, (size, size))
        exif = _exif(im, header_only=not decoded)
        info = _info(im, exif, full_size)
        small = fit_square(_to_rgb(pixels), size, mode)
        return _oriented(small, orientation(exif)), info


def read_info(path: str) -> ImageInfo:
    """Size (after orientation), format and EXIF metadata from the header alone; no pixel is decoded."""
    with _opened(path, pixels=False) as im:
        return _info(im, _exif(im, header_only=True), im.size)


def load_thumbnail(path: str, max_side: int) -> Image.Image:
    """RGB, upright, aspect kept, longest side at most ``max_side`` (never upscaled): for the GUI's lists."""
    with _opened(path, (max_side, max_side), fit=True) as im:
        width, height = im.size
        ratio = min(1.0, max_side / max(width, height, 1))
        pixels, decoded = _load_small(im, (math.ceil(width * ratio), math.ceil(height * ratio)))
        exif = _exif(im, header_only=not decoded)
        rgb = _to_rgb(pixels)
        rgb.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
        return _oriented(rgb, orientation(exif))


def load_full(path: str) -> Image.Image:
    """RGB, upright, full resolution (bomb-guarded): for the GUI's side-by-side compare."""
    with _opened(path) as im:
        im.load()
        exif = _exif(im)
        return _oriented(_to_rgb(im), orientation(exif))
