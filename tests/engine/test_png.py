"""PNG specifics: a damaged metadata chunk is dropped, not the picture; big PNGs are decoded a band at a time."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from engine import imaging, png
from engine.imaging import DecodeError, load_for_model, load_thumbnail, read_info
from tests.conftest import generate_pixels, png_chunk


def with_chunk(data: bytes, chunk: bytes, before: bytes = b"IDAT") -> bytes:
    at = data.index(before) - 4
    return data[:at] + chunk + data[at:]


def bad_crc(kind: bytes, payload: bytes) -> bytes:
    good = png_chunk(kind, payload)
    return good[:-4] + struct.pack(">I", (struct.unpack(">I", good[-4:])[0] + 1) & 0xFFFFFFFF)


def png_bytes(im: Image.Image, **save) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **save)
    return buf.getvalue()


# --- a bad checksum in a metadata chunk -----------------------------------------------------------------------


def test_bad_crc_in_an_ancillary_chunk_is_dropped_and_the_picture_decoded(tmp_path: Path) -> None:
    picture = generate_pixels((40, 30), "shapes")
    data = with_chunk(png_bytes(picture), bad_crc(b"tEXt", b"Comment\x00damaged in transit"))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    with pytest.raises(Exception, match="cannot identify"):
        Image.open(path)  # what Pillow alone says
    assert read_info(str(path)).width == 40
    image, info = load_for_model(str(path), 16)
    assert (info.width, info.height, info.fmt) == (40, 30, "PNG")
    expected = picture.resize((16, 16), Image.Resampling.BILINEAR, reducing_gap=2.0)
    assert np.array_equal(np.asarray(image), np.asarray(expected))
    assert imaging.load_full(str(path)).tobytes() == picture.tobytes()


def test_good_metadata_survives_the_repair(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "kept")
    data = with_chunk(png_bytes(generate_pixels((20, 20)), pnginfo=info), bad_crc(b"zTXt", b"x\x00\x00junk"))
    repaired = png.open_image(io.BytesIO(data), ["PNG"])
    assert repaired.text == {"Title": "kept"}


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("critical chunk (IHDR)", lambda d: d[:29] + bytes([d[29] ^ 1]) + d[30:]),
        ("truncated", lambda d: d[: len(d) * 2 // 3]),
    ],
)
def test_other_damage_still_fails(tmp_path: Path, name: str, damage) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(damage(png_bytes(generate_pixels((40, 30), "noise"))))
    with pytest.raises(DecodeError):
        load_for_model(str(path), 16)


# --- big PNGs, a band at a time -------------------------------------------------------------------------------


@pytest.fixture
def small_bands(monkeypatch) -> None:
    """Band even small test images, in bands of a few rows, so every band edge is crossed."""
    monkeypatch.setattr(png, "BAND_MIN_PIXELS", 1)
    monkeypatch.setattr(png, "_BAND_BYTES", 3000)


def make_png(mode: str, size: tuple[int, int] = (517, 333), **save) -> bytes:
    w, h = size
    rng = np.random.default_rng(len(mode))
    base = (np.add.outer(np.arange(h) * 3, np.arange(w)) % 256).astype(np.uint8)
    noise = rng.integers(0, 256, (h, w), dtype=np.uint8)
    im = Image.fromarray(np.stack([base, base[::-1], noise, (base // 2 + 100).astype(np.uint8)], -1), "RGBA")
    if mode.startswith("P"):
        im = im.convert("RGB").quantize(64)
    else:
        im = im.convert(mode)
    return png_bytes(im, **save)


@pytest.mark.parametrize(
    ("mode", "save"),
    [("RGB", {}), ("RGBA", {}), ("L", {}), ("LA", {}), ("P", {}), ("P", {"transparency": 3})],
)
def test_banded_decode_equals_whole_decode_then_reduce(small_bands, mode: str, save: dict) -> None:
    data = make_png(mode, **save)
    banded = png.load_reduced(Image.open(io.BytesIO(data)), (20, 20))
    whole = Image.open(io.BytesIO(data))
    whole.load()
    if whole.mode == "P":
        whole = whole.convert("RGBA" if "transparency" in whole.info else "RGB")
    expected = whole.reduce(png.reduce_factor(whole.size, (20, 20)))
    assert banded is not None and banded.mode == expected.mode and banded.size == expected.size
    assert np.array_equal(np.asarray(banded), np.asarray(expected))


def test_big_png_never_decodes_whole(small_bands, tmp_path: Path, monkeypatch) -> None:
    """The model input and the thumbnail come out of bands; a whole decode (4 bytes a pixel) never happens."""
    path = tmp_path / "big.png"
    picture = generate_pixels((900, 700), "shapes")
    path.write_bytes(png_bytes(picture))

    def no_whole_decode(self):
        raise AssertionError("decoded whole")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_whole_decode)
    image, info = load_for_model(str(path), 32)
    assert (info.width, info.height) == (900, 700) and image.size == (32, 32)
    expected = picture.resize((32, 32), Image.Resampling.BILINEAR, reducing_gap=2.0)
    assert np.abs(np.asarray(image, np.int16) - np.asarray(expected, np.int16)).mean() < 2
    assert load_thumbnail(str(path), 64).size == (64, 50)


def test_exif_after_the_image_data_is_still_read(small_bands, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: width and height swap
    data = png_bytes(generate_pixels((300, 200)))
    end = data.index(b"IEND") - 4
    path = tmp_path / "rotated.png"
    path.write_bytes(data[:end] + png_chunk(b"eXIf", exif.tobytes()) + data[end:])
    image, info = load_for_model(str(path), 16)
    assert (info.width, info.height) == (200, 300)


def test_truncated_big_png_is_reported(small_bands, tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    path.write_bytes(make_png("RGB")[:-5000])
    with pytest.raises(DecodeError, match="truncated"):
        load_for_model(str(path), 16)


def test_interlaced_and_16_bit_pngs_decode_whole(small_bands) -> None:
    data = make_png("RGB")
    ihdr = data[16:29]  # the IHDR payload after the signature and the chunk header; its last byte: interlace
    interlaced = data[:8] + png_chunk(b"IHDR", ihdr[:12] + b"\x01") + data[33:]  # Pillow writes no Adam7 itself
    for sample in (interlaced, png_bytes(Image.new("I;16", (64, 64), 300))):
        assert png.load_reduced(Image.open(io.BytesIO(sample)), (8, 8)) is None
