from __future__ import annotations

import csv
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, JpegImagePlugin

from engine import imaging
from engine.discovery import discover
from engine.imaging import DecodeError, load_for_model, load_full, load_thumbnail, read_info
from engine.settings import ScanSettings
from tests.conftest import finishes, png_chunk, unblock, write_bomb_png  # noqa: F401

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def close(pixel: tuple[int, ...], expected: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(pixel, expected, strict=True))


def exif_bytes(
    orientation: int | None = None, make: str | None = None, model: str | None = None, taken: str | None = None
) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    return exif.tobytes()


def reason_of(path: Path | str, func=load_for_model, *args) -> str:
    with pytest.raises(DecodeError) as err:
        func(str(path), *(args or ((32,) if func is load_for_model else ())))
    return err.value.reason


# --- the happy path -------------------------------------------------------------------------------------------


def test_load_for_model_squashes_whole_picture(make_image) -> None:
    path = make_image("wide.jpg", size=(120, 40), kind="shapes", quality=95)
    image, info = load_for_model(str(path), 30)
    assert image.mode == "RGB" and image.size == (30, 30)
    assert (info.width, info.height, info.fmt) == (120, 40, "JPEG")
    assert (info.capture_time, info.camera) == (None, None)
    # No crop: the red block in the top-left third and the blue disc are both still there, squashed.
    assert close(image.getpixel((3, 3)), RED)
    assert close(image.getpixel((20, 20)), BLUE)


def test_exif_orientation_6_swaps_size_and_rotates_pixels(make_image) -> None:
    # Stored 60x40 with red in the top-left; orientation 6 means "rotate 90 degrees clockwise to display",
    # so the upright picture is 40x60 with red in the top-right.
    path = make_image("rotated.jpg", size=(60, 40), kind="shapes", quality=95, exif=exif_bytes(orientation=6))
    assert (read_info(str(path)).width, read_info(str(path)).height) == (40, 60)

    full = load_full(str(path))
    assert full.size == (40, 60)
    assert close(full.getpixel((36, 3)), RED) and close(full.getpixel((3, 3)), WHITE)

    image, info = load_for_model(str(path), 32)
    assert (info.width, info.height) == (40, 60)
    assert close(image.getpixel((29, 2)), RED) and close(image.getpixel((2, 2)), WHITE)

    thumb = load_thumbnail(str(path), 30)
    assert thumb.size == (20, 30)
    assert close(thumb.getpixel((18, 1)), RED)


def test_exif_orientation_survives_draft(make_image) -> None:
    path = make_image("big_rotated.jpg", size=(1600, 800), kind="shapes", exif=exif_bytes(orientation=8))
    image, info = load_for_model(str(path), 64)
    assert (info.width, info.height) == (800, 1600)
    # Orientation 8 (rotate 90 counter-clockwise): the stored top-left corner ends up bottom-left.
    assert close(image.getpixel((4, 60)), RED) and close(image.getpixel((60, 4)), WHITE)


def test_capture_time_and_camera_from_exif(make_image) -> None:
    exif = exif_bytes(make="Canon ", model="Canon EOS R5\x00", taken="2021:07:04 12:34:56")
    path = make_image("meta.jpg", exif=exif)
    for info in (read_info(str(path)), load_for_model(str(path), 16)[1]):
        assert info.capture_time == "2021-07-04T12:34:56"
        assert info.camera == "Canon EOS R5"
    other = make_image("meta2.jpg", exif=exif_bytes(make="FUJIFILM", model="X-T4", taken="0000:00:00 00:00:00"))
    assert read_info(str(other)).camera == "FUJIFILM X-T4"
    assert read_info(str(other)).capture_time is None


def test_read_info_decodes_no_pixels(make_image, monkeypatch) -> None:
    jpeg = make_image("a.jpg", size=(80, 60))
    png = make_image("a.png", size=(70, 50))

    def no_load(self):
        raise AssertionError("read_info decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_load)
    assert (read_info(str(jpeg)).width, read_info(str(jpeg)).height) == (80, 60)
    assert read_info(str(png)) == imaging.ImageInfo(70, 50, "PNG")


def test_jpeg_decoded_at_reduced_scale_with_draft(make_image, monkeypatch) -> None:
    big_jpeg = make_image("12mp.jpg", size=(4000, 3000), quality=85)
    calls: list[tuple] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        calls.append((mode, size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    image, info = load_for_model(str(big_jpeg), 224)
    assert calls == [("RGB", (224, 224), (500, 375))]  # 1/8 scale: never the full 12 megapixels
    assert image.size == (224, 224) and (info.width, info.height) == (4000, 3000)
    assert load_thumbnail(str(big_jpeg), 256).size == (256, 192)
    assert calls[1][2] == (500, 375)  # a 256 px thumbnail needs only 1/8 too (long side 500 >= 256)
    assert load_full(str(big_jpeg)).size == (4000, 3000)


# --- colour modes and formats ---------------------------------------------------------------------------------


def _p_with_transparency(path: Path) -> None:
    im = Image.new("P", (40, 30), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(0, (0, 0, 20, 30))
    im.save(path, transparency=0)


def _la(path: Path) -> None:
    alpha = Image.new("L", (40, 30), 255)
    alpha.paste(0, (0, 0, 20, 30))
    Image.merge("LA", (Image.new("L", (40, 30), 0), alpha)).save(path)


def _i16(path: Path) -> None:
    arr = np.full((30, 40), 0x8000, np.uint16)
    arr[:, :20] = 0xFFFF
    Image.fromarray(arr).save(path)
    assert Image.open(path).mode.startswith("I")


def _gif(path: Path) -> None:
    frames = [Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)


@pytest.mark.parametrize(
    ("name", "writer", "left", "right"),
    [
        ("cmyk.jpg", lambda p: Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(p), RED, RED),
        ("palette.png", _p_with_transparency, WHITE, RED),
        ("la.png", _la, WHITE, (0, 0, 0)),
        ("deep.png", _i16, (255, 255, 255), (128, 128, 128)),
        ("anim.gif", _gif, RED, RED),
        ("plain.bmp", lambda p: Image.new("RGB", (40, 30), BLUE).save(p), BLUE, BLUE),
        ("plain.tif", lambda p: Image.new("RGB", (40, 30), RED).save(p), RED, RED),
        ("lossless.webp", lambda p: Image.new("RGBA", (40, 30), (0, 0, 255, 255)).save(p, lossless=True), BLUE, BLUE),
        ("bits.png", lambda p: Image.new("1", (40, 30), 1).save(p), WHITE, WHITE),
        ("float.tif", lambda p: Image.fromarray(np.full((30, 40), 0.5, np.float32)).save(p), (128,) * 3, (128,) * 3),
    ],
)
def test_every_mode_becomes_rgb(tmp_path: Path, name: str, writer, left, right) -> None:
    path = tmp_path / name
    writer(path)
    image, info = load_for_model(str(path), 16)
    assert image.mode == "RGB" and image.size == (16, 16)
    assert (info.width, info.height) == (40, 30)
    assert close(image.getpixel((2, 8)), left, tol=3), image.getpixel((2, 8))
    assert close(image.getpixel((13, 8)), right, tol=3), image.getpixel((13, 8))
    assert load_thumbnail(str(path), 20).mode == "RGB" and load_full(str(path)).mode == "RGB"


def test_transparency_composited_on_white_unless_that_blanks_the_picture(tmp_path: Path) -> None:
    half = Image.new("RGBA", (40, 30), (255, 0, 0, 255))
    half.paste((0, 0, 0, 0), (0, 0, 20, 30))
    half.save(tmp_path / "half.png")
    image, _ = load_for_model(str(tmp_path / "half.png"), 16)
    assert image.getpixel((2, 8)) == WHITE and close(image.getpixel((13, 8)), RED, tol=3)

    # A white texture drawn only with alpha (desktop overlay wallpapers) would be blank on white.
    alpha = np.zeros((30, 40), np.uint8)
    alpha[:, 20:] = 200
    overlay = Image.new("RGBA", (40, 30), WHITE + (0,))
    overlay.putalpha(Image.fromarray(alpha))
    overlay.save(tmp_path / "overlay.png")
    image, _ = load_for_model(str(tmp_path / "overlay.png"), 16)
    assert close(image.getpixel((2, 8)), (0, 0, 0), tol=3) and close(image.getpixel((13, 8)), (200,) * 3, tol=3)


def test_multi_picture_jpeg_is_a_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "camera.jpg"  # cameras embed a preview as a second picture; Pillow calls that MPO
    Image.new("RGB", (80, 60), RED).save(path, format="MPO", save_all=True, append_images=[Image.new("RGB", (8, 6))])
    image, info = load_for_model(str(path), 16)
    assert (info.width, info.height, info.fmt) == (80, 60, "JPEG")
    assert close(image.getpixel((8, 8)), RED, tol=3)


def test_heif_roundtrip(make_image, tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "photo.heic"
    try:
        Image.new("RGB", (64, 48), RED).save(path, quality=90)
    except Exception as exc:  # noqa: BLE001 - wheels built without an encoder
        pytest.skip(f"pillow_heif cannot write HEIF here: {exc}")
    image, info = load_for_model(str(path), 32)
    assert (info.width, info.height, info.fmt) == (64, 48, "HEIF")
    assert close(image.getpixel((16, 16)), RED)


# --- bad files ------------------------------------------------------------------------------------------------


def test_text_named_jpg_is_not_supported(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("these are not pixels\n" * 10)
    assert reason_of(path) == "not a supported image"
    assert reason_of(path, read_info) == "not a supported image"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert reason_of(path) == "empty file (0 bytes)"


@pytest.mark.parametrize("name", ["cut.jpg", "cut.png"])
def test_truncated_image_is_reported_not_decoded_grey(make_image, name: str) -> None:
    path = make_image(name, size=(300, 200), kind="noise")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert reason_of(path) == "truncated image data"
    assert reason_of(path, load_full) == "truncated image data"
    assert read_info(str(path)).width == 300  # the header is intact


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    path = write_bomb_png(tmp_path / "bomb.png")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        reason = reason_of(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reason == "image too large: 20000x20000 pixels (decompression bomb guard)"
    assert time.perf_counter() - started < 1.0
    assert peak < 5_000_000  # the 1.2 GB the header promises was never allocated
    for func in (read_info, load_full):
        assert reason_of(path, func).startswith("image too large")
    assert reason_of(path, load_thumbnail, 64).startswith("image too large")


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pil_bomb_warning_as_error_is_still_a_decode_error(tmp_path: Path) -> None:
    reason = reason_of(write_bomb_png(tmp_path / "bomb.png"))
    assert reason.startswith("image too large") and "decompression bomb guard" in reason


def test_max_pixels_is_configurable(make_image, monkeypatch) -> None:
    path = make_image("a.png", size=(64, 48))
    monkeypatch.setattr(imaging, "MAX_PIXELS", 1000)
    assert reason_of(path) == "image too large: 64x48 pixels (decompression bomb guard)"


def test_permission_denied(make_image, monkeypatch) -> None:
    path = make_image("locked.jpg")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(imaging, "open_regular", denied)  # the module's opener; works as root too
    assert reason_of(path) == "permission denied"
    assert reason_of(path, read_info) == "permission denied"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_is_permission_denied(make_image) -> None:
    path = make_image("locked.jpg")
    path.chmod(0)
    try:
        assert reason_of(path) == "permission denied"
    finally:
        path.chmod(0o644)


def test_file_deleted_after_discovery_has_vanished(make_image, tmp_path: Path) -> None:
    path = make_image("gone.jpg")
    files, _ = discover([str(tmp_path)], ScanSettings())
    path.unlink()
    assert reason_of(files[0].path) == "file vanished during the scan"


@pytest.mark.parametrize(
    "garbage",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 40,
        b"\x89PNG\r\n\x1a\n" + b"\xff" * 40,
        b"GIF89a" + b"\x01" * 20,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20,
    ],
)
def test_corrupt_headers_only_raise_decode_error(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "bad.img"
    path.write_bytes(garbage)
    for func in (load_for_model, read_info, load_full):
        assert reason_of(path, func)


def test_decode_error_wraps_the_cause(tmp_path: Path) -> None:
    with pytest.raises(DecodeError) as err:
        load_for_model(str(tmp_path / "missing.jpg"), 8)
    assert isinstance(err.value.__cause__, FileNotFoundError)
    assert str(err.value) == err.value.reason


# --- what a failure says about the file (the cache and the groups read it) -----------------------------------


def test_a_content_failure_carries_what_was_read(make_image) -> None:
    path = make_image("cut.jpg", size=(300, 200))
    path.write_bytes(path.read_bytes()[:2000])
    st = path.stat()
    with pytest.raises(DecodeError) as err:
        load_for_model(str(path), 32)
    assert err.value.read == (st.st_size, st.st_mtime_ns) and not err.value.unreadable


def test_failures_to_read_carry_nothing_to_remember(make_image, tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(DecodeError) as gone:
        load_for_model(str(tmp_path / "missing.jpg"), 8)
    path = make_image("locked.jpg")
    monkeypatch.setattr(imaging, "open_regular", lambda p: (_ for _ in ()).throw(PermissionError(13, "denied", p)))
    with pytest.raises(DecodeError) as denied:
        load_for_model(str(path), 8)
    for err in (gone.value, denied.value):
        assert err.read is None and err.unreadable


def test_a_file_rewritten_while_it_is_read_is_not_blamed_on_its_content(make_image, monkeypatch) -> None:
    path = make_image("busy.jpg")
    real_open = imaging.open_image

    def open_then_rewrite(fh, formats):
        with open(path, "ab") as out:  # a copy still being written
            out.write(b"more")
        return real_open(fh, formats)

    monkeypatch.setattr(imaging, "open_image", open_then_rewrite)
    monkeypatch.setattr(Image.Image, "load", lambda self: (_ for _ in ()).throw(OSError("broken data stream")))
    with pytest.raises(DecodeError) as err:
        load_for_model(str(path), 8)
    assert err.value.reason == "file changed during the scan"
    assert err.value.read is None and err.value.unreadable


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_photo_replaced_by_a_fifo_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    try:
        outcome = finishes(lambda: load_for_model(str(fifo), 8))
    finally:
        unblock(fifo)
    assert isinstance(outcome, DecodeError)
    assert outcome.reason == "not a regular file: a named pipe (FIFO)" and outcome.unreadable


def test_corrupt_exif_warning_does_not_reach_stderr(tmp_path: Path) -> None:
    """Pillow warns "Corrupt EXIF data" (a UserWarning) and skips it: metadata is best effort, so no noise."""
    import struct
    import warnings

    ifd = struct.pack("<2sHI", b"II", 42, 8) + struct.pack("<H", 3) + struct.pack("<HHI4s", 0x010F, 2, 4, b"Abc\x00")
    path = tmp_path / "badexif.jpg"
    Image.new("RGB", (16, 16)).save(path, exif=b"Exif\x00\x00" + ifd)  # says 3 tags, holds 1
    with warnings.catch_warnings(record=True) as caught:
        info = read_info(str(path))
        load_for_model(str(path), 8)
    assert info.camera == "Abc"
    assert [str(w.message) for w in caught] == []


# --- real photos ----------------------------------------------------------------------------------------------


def test_real_wallpapers_decode(wallpapers: Path) -> None:
    with open(wallpapers / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    picked = {}
    for row in rows:
        picked.setdefault(row["format"], row)  # one JPEG, one PNG, one WebP
    assert set(picked) == {"JPEG", "PNG", "WEBP"}
    for fmt, row in picked.items():
        image, info = load_for_model(str(wallpapers / row["path"]), 224)
        assert image.size == (224, 224) and image.mode == "RGB"
        assert (info.width, info.height, info.fmt) == (int(row["width"]), int(row["height"]), fmt)
        assert np.asarray(image).std() > 5  # a real picture, not a flat fill
        thumb = load_thumbnail(str(wallpapers / row["path"]), 128)
        assert max(thumb.size) == 128
