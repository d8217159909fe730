"""engine/imaging.py on good files: decoding for the model, EXIF orientation and metadata, reduced-scale JPEG
decoding, every colour mode and format becoming RGB, and real photos. Bad files: test_imaging_errors.py."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, JpegImagePlugin

from engine import imaging
from engine.imaging import load_for_model, load_full, load_thumbnail, read_info

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
