"""Camera RAWs through rawpy: DNGs made here, decoded from their preview or their sensor data, found by discovery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rawpy
from dng_writer import make_dng
from PIL import Image

from engine import imaging
from engine.discovery import discover, sniff_bytes, sniff_format
from engine.imaging import DecodeError
from engine.raw import raw_format
from engine.settings import ScanSettings
from tests.conftest import generate_pixels

PICTURE = generate_pixels((320, 240), "shapes")  # red block top-left, blue disc lower right, white elsewhere


def demosaics(monkeypatch) -> list[bool]:
    """Record LibRaw's demosaics (their half_size): a decode that has none used the camera's preview."""
    calls: list[bool] = []

    class Spy(rawpy.RawPy):
        def postprocess(self, *args, **kwargs):
            calls.append(bool(kwargs.get("half_size")))
            return super().postprocess(*args, **kwargs)

    monkeypatch.setattr(rawpy, "RawPy", Spy)
    return calls


def colour_at(im: Image.Image, fx: float, fy: float) -> tuple[int, ...]:
    return im.convert("RGB").getpixel((int(im.width * fx), int(im.height * fy)))


def test_libraw_opens_the_dngs_the_tests_make(tmp_path: Path) -> None:
    path = make_dng(tmp_path / "a.dng", PICTURE, preview=(320, 240))
    with rawpy.imread(str(path)) as raw:
        assert (raw.sizes.width, raw.sizes.height) == (320, 240)
        assert raw.extract_thumb().format == rawpy.ThumbFormat.JPEG


def test_metadata_comes_from_the_raw_not_its_preview(tmp_path: Path) -> None:
    path = make_dng(tmp_path / "IMG_1.dng", PICTURE, preview=(160, 120), orientation=6)
    info = imaging.read_info(str(path))
    assert (info.width, info.height, info.fmt) == (240, 320, "DNG")  # the sensor's size, upright (rotated 90)
    assert info.capture_time == "2024-05-06T07:08:09" and info.camera == "Doppel TestCam 1"


def test_the_preview_is_used_when_it_is_large_enough(tmp_path: Path, monkeypatch) -> None:
    path = make_dng(tmp_path / "a.dng", PICTURE, preview=(320, 240))
    calls = demosaics(monkeypatch)
    small, info = imaging.load_for_model(str(path), 64)
    assert small.size == (64, 64) and info.width == 320 and not calls
    assert colour_at(small, 0.1, 0.1)[0] > 200 and colour_at(small, 0.1, 0.1)[2] < 60  # the red block
    thumb = imaging.load_thumbnail(str(path), 256)
    assert thumb.size == (256, 192)
    assert imaging.load_full(str(path)).size == (320, 240)  # full size: the preview is the whole picture
    assert calls == []


def test_the_preview_is_turned_upright_by_the_raws_orientation(tmp_path: Path, monkeypatch) -> None:
    path = make_dng(tmp_path / "a.dng", PICTURE, preview=(320, 240), orientation=6)  # 90 degrees clockwise
    calls = demosaics(monkeypatch)
    thumb = imaging.load_thumbnail(str(path), 200)
    assert thumb.size == (150, 200) and calls == []
    assert colour_at(thumb, 0.9, 0.1)[0] > 200  # the top-left red block is now top right


def test_without_a_usable_preview_the_sensor_data_is_demosaicked(tmp_path: Path) -> None:
    path = make_dng(tmp_path / "a.dng", PICTURE, preview=None, orientation=6)  # a 16x12 thumbnail only
    small, info = imaging.load_for_model(str(path), 64)
    assert (info.width, info.height) == (240, 320)
    full = imaging.load_full(str(path))
    assert full.size == (240, 320)  # upright, full resolution
    arr = np.asarray(full, dtype=np.int32).sum(axis=2)
    # white paper is the brightest; the red block (now top right) and the blue disc (now lower left) are darker
    assert arr[10, 230] < arr[160, 120] and arr[240, 60] < arr[160, 120]
    thumb = imaging.load_thumbnail(str(path), 100)  # half-size demosaic is enough for a small thumbnail
    assert max(thumb.size) == 100


def test_a_preview_smaller_than_needed_gives_way_to_the_sensor_data(tmp_path: Path, monkeypatch) -> None:
    path = make_dng(tmp_path / "a.dng", PICTURE, preview=(80, 60))
    calls = demosaics(monkeypatch)
    imaging.load_thumbnail(str(path), 80)
    assert calls == []  # 80x60 is all an 80-pixel thumbnail needs
    assert imaging.load_for_model(str(path), 64)[0].size == (64, 64)
    assert calls == [True]  # 60 rows are fewer than the model's 64: half of 320x240 is enough
    imaging.load_thumbnail(str(path), 200)
    assert calls == [True, False]  # a 200-pixel thumbnail needs more than half of 320x240


def test_broken_raws_are_reported_like_other_formats(tmp_path: Path) -> None:
    good = make_dng(tmp_path / "good.dng", PICTURE, preview=(320, 240)).read_bytes()
    truncated = tmp_path / "cut.dng"
    truncated.write_bytes(good[: len(good) // 3])
    with pytest.raises(DecodeError) as err:
        imaging.load_for_model(str(truncated), 64)
    assert err.value.reason and err.value.read is not None  # a fault of the content: remembered like one
    junk = tmp_path / "junk.nef"
    junk.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(DecodeError, match="not a supported image|not a RAW file"):
        imaging.read_info(str(junk))


def test_a_tiff_named_like_a_raw_is_read_as_a_tiff(tmp_path: Path) -> None:
    path = tmp_path / "scan.dng"
    PICTURE.save(path, "TIFF")
    info = imaging.read_info(str(path))
    assert (info.width, info.height, info.fmt) == (320, 240, "TIFF")
    assert imaging.load_for_model(str(path), 32)[0].size == (32, 32)


@pytest.mark.parametrize(
    "head, name, fmt",
    [
        (b"FUJIFILMCCD-RAW 0201FF383501", "x.raf", "RAF"),
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom", "x.cr3", "CR3"),
        (b"IIRO\x08\x00\x00\x00", "x.orf", "ORF"),
        (b"IIU\x00\x18\x00\x00\x00", "x.rw2", "RW2"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", "x.cr2", "CR2"),
        (b"II*\x00\x08\x00\x00\x00", "x.nef", "NEF"),  # TIFF-based: the name decides
        (b"MM\x00*\x00\x00\x00\x08", "x.ARW", "ARW"),
        (b"II*\x00\x08\x00\x00\x00", "x.tif", None),
        (b"\xff\xd8\xff\xe1", "x.dng", None),  # a JPEG named .dng is a JPEG
    ],
)
def test_raw_formats_by_content_and_by_name(head: bytes, name: str, fmt: str | None) -> None:
    assert raw_format(head, name) == fmt


def test_discovery_finds_raws_and_reports_unreadable_ones(tmp_path: Path) -> None:
    make_dng(tmp_path / "shot.DNG", PICTURE, preview=(160, 120))
    (tmp_path / "empty.cr3").write_bytes(b"")
    (tmp_path / "notes.orf").write_bytes(b"not a raw at all")
    entries, skipped = discover([str(tmp_path)], ScanSettings())
    assert [(Path(e.path).name, e.fmt) for e in entries] == [("shot.DNG", "DNG")]
    assert {Path(s.path).name for s in skipped} == {"empty.cr3", "notes.orf"}
    assert sniff_format(str(tmp_path / "shot.DNG")) == "DNG" and sniff_bytes(b"II*\x00") == "TIFF"
