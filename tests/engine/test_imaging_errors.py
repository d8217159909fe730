"""engine/imaging.py on bad files: every failure is a DecodeError with a clear reason (not a supported image,
empty, truncated, decompression bombs, permissions, vanished, FIFOs), and what a failure says about the file
for the cache and the groups. Good files: test_imaging.py."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from engine import imaging
from engine.discovery import discover
from engine.imaging import DecodeError, load_for_model, load_full, load_thumbnail, read_info
from engine.settings import ScanSettings
from tests.conftest import finishes, unblock, write_bomb_png


def reason_of(path: Path | str, func=load_for_model, *args) -> str:
    with pytest.raises(DecodeError) as err:
        func(str(path), *(args or ((32,) if func is load_for_model else ())))
    return err.value.reason


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
