"""PNG specifics: a bad checksum in a metadata chunk, and very large PNGs decoded a band at a time.

Pillow refuses a PNG whose header chunks fail their CRC, even an ancillary (metadata) chunk that viewers skip; its
only switch for that, ``ImageFile.LOAD_TRUNCATED_IMAGES``, would also turn truncated files into grey pictures.
:func:`open_image` instead retries such a file without the damaged ancillary chunks.

Pillow can only decode a PNG whole, at 4 bytes a pixel: a 196-megapixel PNG costs 785 MB before the first resize.
:func:`load_reduced` inflates the image data itself and hands Pillow's PNG decoder one band of rows at a time
(after the last unfiltered row of the band before, which the filters of the first row refer to), reducing each band
at once: the same pixels as decoding whole and then ``Image.reduce``, with a few megabytes held.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_HEADER_BYTES = 64 << 20  # chunks before the image data we are willing to hold when repairing a header
BAND_MIN_PIXELS = 16_000_000  # from here a whole decode (64 MB and up) is worth avoiding
REDUCING_GAP = 2  # keep at least twice the target size, as the callers' resize(reducing_gap=2.0) would
_BAND_BYTES = 8 << 20  # filtered bytes per band
_BANDED_RAWMODES = frozenset({"L", "LA", "RGB", "RGBA", "P"})  # 8 bits per sample: rows re-pack losslessly
_CHUNK_HEAD = struct.Struct(">I4s")


def open_image(fh: BinaryIO, formats: list[str] | tuple[str, ...]) -> Image.Image:
    """``Image.open`` that also opens a PNG whose only fault is a bad CRC in ancillary chunks (they are dropped)."""
    try:
        return Image.open(fh, formats=formats)
    except UnidentifiedImageError:
        repaired = _without_bad_ancillary_chunks(fh)
        if repaired is None:
            raise
        return Image.open(repaired, formats=["PNG"])


def _without_bad_ancillary_chunks(fh: BinaryIO) -> BinaryIO | None:
    """The file without the ancillary chunks (lower-case first letter) before the image data whose CRC fails.

    None when there is nothing such to drop, or when a critical chunk is damaged (then the file stays unreadable).
    """
    fh.seek(0)
    head = bytearray(fh.read(len(SIGNATURE)))
    if head != SIGNATURE:
        return None
    dropped = False
    while True:
        start = fh.tell()
        header = fh.read(_CHUNK_HEAD.size)
        if len(header) < _CHUNK_HEAD.size:
            return None
        length, cid = _CHUNK_HEAD.unpack(header)
        if cid == b"IDAT":
            break
        if length > MAX_HEADER_BYTES - len(head):
            return None
        data, crc = fh.read(length), fh.read(4)
        if len(data) < length or len(crc) < 4:
            return None
        if zlib.crc32(cid + data) == int.from_bytes(crc, "big"):
            head += header + data + crc
        elif cid[0] & 0x20:  # ancillary: at worst we lose some metadata
            dropped = True
        else:
            return None
    return io.BufferedReader(_Spliced(bytes(head), fh, start)) if dropped else None


class _Spliced(io.RawIOBase):
    """``head`` followed by ``fh`` from ``rest``: the repaired header without copying the image data."""

    def __init__(self, head: bytes, fh: BinaryIO, rest: int) -> None:
        super().__init__()
        self._head, self._fh, self._rest, self._pos = head, fh, rest, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += len(self._head) + self._fh.seek(0, io.SEEK_END) - self._rest
        self._pos = max(0, offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        view = memoryview(buffer).cast("B")
        if self._pos < len(self._head):
            part = self._head[self._pos : self._pos + len(view)]
            view[: len(part)] = part
        else:
            self._fh.seek(self._rest + self._pos - len(self._head))
            part = self._fh.read(len(view))
            view[: len(part)] = part
        self._pos += len(part)
        return len(part)


def reduce_factor(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The largest (x, y) reduction that keeps each side at least REDUCING_GAP times the target."""
    return tuple(max(1, s // max(1, t * REDUCING_GAP)) for s, t in zip(size, target))  # type: ignore[return-value]


def load_reduced(im: Image.Image, target: tuple[int, int]) -> Image.Image | None:
    """A large, plain PNG decoded band by band and reduced for ``target``; None for anything else (decode whole).

    The result is L, LA, RGB or RGBA (a palette image comes out as RGB, or RGBA with transparency); an eXIf chunk
    after the image data is put into ``im.info`` as a whole decode would.
    """
    w, h = im.size
    factor = reduce_factor(im.size, target)
    if not isinstance(im, ImageFile.ImageFile) or im.format != "PNG" or w * h < BAND_MIN_PIXELS:
        return None
    if factor == (1, 1) or im.info.get("interlace"):
        return None
    if getattr(im, "n_frames", 1) != 1 or len(im.tile) != 1 or im.fp is None:
        return None
    codec, extents, offset, rawmode = tuple(im.tile[0])[:4]
    if codec != "zip" or extents != (0, 0, w, h) or not isinstance(offset, int) or rawmode not in _BANDED_RAWMODES:
        return None
    assert isinstance(rawmode, str)
    row_bytes = w * Image.getmodebands(rawmode) + 1  # a filter-type byte, then the samples
    rows = max(1, _BAND_BYTES // row_bytes) // factor[1] * factor[1] or factor[1]
    out = None
    prior = b""
    y = 0
    for band in _filtered_rows(im, offset, row_bytes * rows):
        n = min(len(band) // row_bytes, h - y)  # rows past the height (junk after the image) are ignored
        if n <= 0:
            continue
        pixels = _decode_band(im.mode, rawmode, (w, n), prior, band[: n * row_bytes])
        prior = pixels.crop((0, n - 1, w, n)).tobytes("raw", rawmode)
        small = _reducible(im, pixels).reduce(factor)
        if out is None:
            out = Image.new(small.mode, (math.ceil(w / factor[0]), math.ceil(h / factor[1])))
        out.paste(small, (0, y // factor[1]))
        y += n
    if out is None or y < h:
        raise OSError("image file is truncated")  # no errno: about the content, as Pillow would say it
    return out


def _decode_band(mode: str, rawmode: str, size: tuple[int, int], prior: bytes, band: bytes) -> Image.Image:
    """Pillow's PNG decoder on one band; ``prior`` goes first as an unfiltered row for the filters to refer to.

    The decoder takes zlib data: the band is wrapped in stored (level 0) blocks, which costs a copy, no search.
    """
    width, rows = size
    if not prior:
        return Image.frombytes(mode, size, zlib.compress(band, 0), "zip", rawmode)
    pixels = Image.frombytes(mode, (width, rows + 1), zlib.compress(b"\x00" + prior + band, 0), "zip", rawmode)
    return pixels.crop((0, 1, width, rows + 1))


def _reducible(im: ImageFile.ImageFile, pixels: Image.Image) -> Image.Image:
    """Palette indices cannot be averaged: RGB(A) through the file's palette, as engine.imaging would convert."""
    if pixels.mode != "P":
        return pixels
    if im.palette is not None:
        pixels.putpalette(im.palette.palette, im.palette.rawmode or "RGB")
    transparency = im.info.get("transparency")
    if transparency is None:
        return pixels.convert("RGB")
    pixels.info["transparency"] = transparency
    return pixels.convert("RGBA")


def _filtered_rows(im: ImageFile.ImageFile, offset: int, size: int) -> Iterator[bytes]:
    """The inflated image data in pieces of ``size`` bytes (the last may be shorter), never much more in memory."""
    inflater = zlib.decompressobj()
    pending = bytearray()
    for data in _image_data(im, offset):
        while data:
            pending += inflater.decompress(data, size - len(pending))
            data = inflater.unconsumed_tail
            if len(pending) >= size:
                yield bytes(pending)
                pending.clear()
    pending += inflater.flush()
    for start in range(0, len(pending), size):
        yield bytes(pending[start : start + size])


def _image_data(im: ImageFile.ImageFile, offset: int) -> Iterator[bytes]:
    """The IDAT chunks' data from the first at ``offset``; then an eXIf after them goes into ``im.info``."""
    fp = im.fp
    assert fp is not None
    fp.seek(offset - _CHUNK_HEAD.size)
    cid = b""
    while len(header := fp.read(_CHUNK_HEAD.size)) == _CHUNK_HEAD.size:
        length, cid = _CHUNK_HEAD.unpack(header)
        if cid != b"IDAT":
            break
        remaining = length
        while remaining:
            piece = fp.read(min(remaining, 1 << 16))  # small: a partly inflated piece is copied as it waits
            if not piece:
                return
            remaining -= len(piece)
            yield piece
        fp.read(4)  # the CRC, which Pillow does not check for image data either
    else:
        return  # the file ended inside the image data
    while cid != b"IEND":
        if cid == b"eXIf" and length <= MAX_HEADER_BYTES:
            im.info["exif"] = b"Exif\x00\x00" + fp.read(length)
            fp.read(4)
        else:
            fp.seek(length + 4, io.SEEK_CUR)
        header = fp.read(_CHUNK_HEAD.size)
        if len(header) < _CHUNK_HEAD.size:
            return
        length, cid = _CHUNK_HEAD.unpack(header)
