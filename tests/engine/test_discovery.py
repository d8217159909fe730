from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from engine import discovery, imaging
from engine.discovery import BadRootError, discover, sniff_bytes, sniff_format
from engine.progress import Cancelled, CancelToken, Progress
from engine.results import REASON_TOO_LONG, SkippedFile, os_error_reason
from engine.settings import ScanSettings
from engine.userfiles import NotRegularFileError
from tests.conftest import finishes, unblock

DEFAULT = ScanSettings()


def names(files: list, root: Path) -> list[str]:
    return [os.path.relpath(f.path, root).replace(os.sep, "/") for f in files]


# --- sniffing -------------------------------------------------------------------------------------------------


def test_jpeg_named_png_is_sniffed_as_jpeg(make_image) -> None:
    path = make_image("photo.png", fmt="JPEG")
    assert sniff_format(str(path)) == "JPEG"


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.jpg", "JPEG", "JPEG"),
        ("a.png", "PNG", "PNG"),
        ("a.webp", "WEBP", "WEBP"),
        ("a.gif", "GIF", "GIF"),
        ("a.bmp", "BMP", "BMP"),
        ("a.tif", "TIFF", "TIFF"),
    ],
)
def test_sniff_real_files(make_image, name: str, fmt: str, expected: str) -> None:
    assert sniff_format(str(make_image(name, fmt=fmt))) == expected


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00" * 16


def test_sniff_isobmff_brands() -> None:
    assert sniff_bytes(ftyp(b"heic", b"mif1", b"heic")) == "HEIF"
    assert sniff_bytes(ftyp(b"mif1", b"heic")) == "HEIF"
    assert sniff_bytes(ftyp(b"isom", b"mp41")) is None  # an MP4 video is not a photo
    expected_avif = "AVIF" if discovery._pillow_has_avif() else None
    assert sniff_bytes(ftyp(b"avif", b"mif1", b"miaf")) == expected_avif
    assert sniff_bytes(ftyp(b"mif1", b"avif", b"miaf")) == expected_avif


def test_sniff_rejects_lookalikes(tmp_path: Path) -> None:
    assert sniff_bytes(b"BM is how this README starts") is None
    assert sniff_bytes(b"") is None
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    assert sniff_format(str(text)) is None


# --- what discovery finds -------------------------------------------------------------------------------------


def test_finds_images_by_content_sorted_absolute(make_image, tmp_path: Path, monkeypatch) -> None:
    make_image("b/z.jpg")
    make_image("b/a.png")
    make_image("a.webp", fmt="WEBP")
    make_image("no_extension", fmt="PNG")
    (tmp_path / "notes.jpg").write_text("hello")  # an image name with text inside: reported, not grouped
    (tmp_path / "data.bin").write_bytes(b"\x00" * 100)
    monkeypatch.chdir(tmp_path.parent)
    files, skipped = discover([tmp_path.name], DEFAULT)  # a relative root still gives absolute paths
    assert names(files, tmp_path) == ["a.webp", "b/a.png", "b/z.jpg", "no_extension"]
    assert all(os.path.isabs(f.path) for f in files)
    assert [f.fmt for f in files] == ["WEBP", "PNG", "JPEG", "PNG"]
    first = files[0]
    st = os.stat(first.path)
    assert (first.size, first.mtime_ns, first.dev, first.inode) == (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
    assert [(os.path.basename(s.path), s.reason.split(" (")[0]) for s in skipped] == [("notes.jpg", "not an image")]


def test_empty_files_reported_only_when_named_like_images(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "empty.txt").write_bytes(b"")
    files, skipped = discover([str(tmp_path)], DEFAULT)
    assert files == []
    assert skipped == [SkippedFile(str(tmp_path / "empty.jpg"), "empty file (0 bytes)")]


def test_unreadable_files_reported_when_named_like_images(make_image, tmp_path: Path, monkeypatch) -> None:
    locked = str(make_image("locked.jpg"))
    gone = str(make_image("gone.png"))
    other = str(tmp_path / "locked.dat")
    Path(other).write_bytes(b"x")
    real_sniff = discovery.sniff_format

    def sniff(path: str) -> str | None:
        if path in (locked, other):
            raise PermissionError(13, "Permission denied", path)
        if path == gone:
            raise FileNotFoundError(2, "No such file", path)
        return real_sniff(path)

    monkeypatch.setattr(discovery, "sniff_format", sniff)
    make_image("fine.jpg")
    files, skipped = discover([str(tmp_path)], DEFAULT)
    assert names(files, tmp_path) == ["fine.jpg"]
    assert skipped == [SkippedFile(gone, "file vanished during the scan"), SkippedFile(locked, "permission denied")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_file_reported(make_image, tmp_path: Path) -> None:
    path = make_image("locked.jpg")
    path.chmod(0)
    try:
        files, skipped = discover([str(tmp_path)], DEFAULT)
    finally:
        path.chmod(0o644)
    assert files == []
    assert skipped == [SkippedFile(str(path), "permission denied")]


def test_unlistable_subfolder_reported(make_image, tmp_path: Path, monkeypatch) -> None:
    make_image("ok/a.jpg")
    make_image("locked/b.jpg")
    locked = str(tmp_path / "locked")
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, skipped = discover([str(tmp_path)], DEFAULT)
    assert names(files, tmp_path) == ["ok/a.jpg"]
    assert skipped == [SkippedFile(locked, "folder cannot be listed: permission denied")]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that stores raw bytes names")
def test_non_utf8_name_is_found_and_decodable(make_image, tmp_path: Path) -> None:
    source = make_image("source.jpg", kind="shapes")
    raw_name = os.path.join(os.fsencode(tmp_path), b"caf\xe9.jpg")
    fd = os.open(raw_name, os.O_WRONLY | os.O_CREAT, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(source.read_bytes())
    source.unlink()
    files, skipped = discover([str(tmp_path)], DEFAULT)
    assert skipped == []
    assert len(files) == 1
    assert isinstance(files[0].path, str)
    assert os.fsencode(files[0].path) == raw_name
    image, info = imaging.load_for_model(files[0].path, 32)
    assert image.size == (32, 32)
    assert (info.width, info.height) == (64, 48)


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_symlink_loop_terminates_and_linked_file_counted_once(make_image, tmp_path: Path) -> None:
    root = tmp_path / "root"
    real = make_image("root/a/real.jpg")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "link.jpg").symlink_to(real)
    outside = make_image("outside/far.jpg", seed=1)
    (root / "elsewhere").symlink_to(outside.parent, target_is_directory=True)

    files, _ = discover([str(root)], DEFAULT)
    assert names(files, root) == ["a/real.jpg", "elsewhere/far.jpg"]  # first path in sorted order wins

    files, _ = discover([str(root)], ScanSettings(follow_symlinks=False))
    assert names(files, root) == ["a/real.jpg"]


def test_overlapping_roots_count_each_file_once(make_image, tmp_path: Path) -> None:
    make_image("top.jpg")
    make_image("inner/deep.jpg", seed=1)
    files, _ = discover([str(tmp_path / "inner"), str(tmp_path), str(tmp_path) + os.sep], DEFAULT)
    assert names(files, tmp_path) == ["inner/deep.jpg", "top.jpg"]


def test_hidden_files_and_folders_skipped_by_default(make_image, tmp_path: Path) -> None:
    make_image("seen.jpg")
    make_image(".hidden.jpg", seed=1)
    make_image(".cache/inside.jpg", seed=2)
    assert names(discover([str(tmp_path)], DEFAULT)[0], tmp_path) == ["seen.jpg"]
    found = discover([str(tmp_path)], ScanSettings(include_hidden=True))[0]
    assert names(found, tmp_path) == [".cache/inside.jpg", ".hidden.jpg", "seen.jpg"]
    # A hidden folder chosen as a root is scanned: the user asked for it.
    assert names(discover([str(tmp_path / ".cache")], DEFAULT)[0], tmp_path) == [".cache/inside.jpg"]


def test_exclude_matches_names_and_paths_and_prunes_folders(make_image, tmp_path: Path, monkeypatch) -> None:
    make_image("keep.jpg")
    make_image("keep.tmp", fmt="JPEG")
    make_image("Thumbs/t.jpg")
    make_image("sub/Thumbs/t.jpg")
    make_image("sub/x.png")
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path):
        listed.append(os.path.basename(os.fspath(path)))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, _ = discover([str(tmp_path)], ScanSettings(exclude=("*.tmp", "*/Thumbs/*")))
    assert names(files, tmp_path) == ["keep.jpg", "sub/x.png"]
    assert "Thumbs" not in listed  # pruned, not walked and filtered

    files, _ = discover([str(tmp_path)], ScanSettings(include=("*.png", "*/Thumbs/*")))
    assert names(files, tmp_path) == ["Thumbs/t.jpg", "sub/Thumbs/t.jpg", "sub/x.png"]


def test_bad_roots_raise_one_line_errors(make_image, tmp_path: Path) -> None:
    with pytest.raises(BadRootError, match="not found") as missing:
        discover([str(tmp_path / "missing")], DEFAULT)
    assert "\n" not in str(missing.value)
    with pytest.raises(BadRootError, match="Not a folder"):
        discover([str(make_image("a.jpg"))], DEFAULT)
    assert isinstance(missing.value, ValueError)


def test_progress_reported_and_cancel_raises(tmp_path: Path) -> None:
    for i in range(1100):
        (tmp_path / f"{i:04}.txt").write_bytes(b"x")
    calls: list[tuple[str, int, int]] = []
    discover([str(tmp_path)], DEFAULT, Progress(lambda *a: calls.append(a)))
    assert len(calls) == 3 and all(c[0] == "discover" for c in calls)  # at 500, 1000 and the end

    token = CancelToken()
    seen: list[int] = []

    def cancel_on_first(phase: str, done: int, total: int) -> None:
        seen.append(done)
        token.cancel()

    with pytest.raises(Cancelled):
        discover([str(tmp_path)], DEFAULT, Progress(cancel_on_first, token))
    assert len(seen) == 1  # stopped at the next report, not at the end of the walk


def test_real_wallpapers(wallpapers: Path) -> None:
    files, skipped = discover([str(wallpapers)], DEFAULT)
    images = [f for f in files if "/images/" in f.path.replace(os.sep, "/")]
    expected = (wallpapers / "manifest.csv").read_text().count("\nimages/")
    assert len(images) == expected
    assert {f.fmt for f in images} == {"JPEG", "PNG", "WEBP"}
    assert skipped == []


# --- what is reported rather than dropped -------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and sockets")
def test_special_files_with_image_names_are_reported(make_image, tmp_path: Path, monkeypatch) -> None:
    import socket

    root = tmp_path / "lib"
    make_image("lib/real.jpg")
    os.mkfifo(root / "pipe.jpg")
    os.mkfifo(root / "pipe.txt")  # not named like an image: nothing to say
    os.symlink(root / "nowhere.jpg", root / "dangling.jpg")
    os.symlink(os.devnull, root / "device.png")
    monkeypatch.chdir(root)  # AF_UNIX paths are short: bind by a relative name
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("socket.webp")
        files, skipped = discover([str(root)], DEFAULT)
    assert names(files, root) == ["real.jpg"]
    assert {os.path.basename(s.path): s.reason for s in skipped} == {
        "dangling.jpg": discovery.REASON_BROKEN_LINK,
        "device.png": "not a regular file: a device",
        "pipe.jpg": "not a regular file: a named pipe (FIFO)",
        "socket.webp": "not a regular file: a socket",
    }
    unfollowed, skipped = discover([str(root)], ScanSettings(follow_symlinks=False))
    assert "dangling.jpg" not in {os.path.basename(s.path) for s in skipped}  # links are not followed: no news


@pytest.mark.skipif(sys.platform != "linux", reason="PATH_MAX of 4096 bytes is Linux's")
def test_folders_past_the_path_limit_are_reported(make_image, tmp_path: Path) -> None:
    """mkdir relative to an open folder goes deeper than any path can name; the walk must say where it stopped."""
    make_image("deep/top.jpg")
    fd = os.open(tmp_path / "deep", os.O_RDONLY)
    try:
        for level in range(25):  # 25 x 204 characters: well past 4096
            name = f"{level:02}" + "x" * 202
            os.mkdir(name, dir_fd=fd)
            fd, parent = os.open(name, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        with open(os.open("photo.jpg", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as fh:
            fh.write((tmp_path / "deep" / "top.jpg").read_bytes())
    finally:
        os.close(fd)
    files, skipped = discover([str(tmp_path / "deep")], DEFAULT)
    assert names(files, tmp_path / "deep") == ["top.jpg"]
    assert len(skipped) == 1
    assert skipped[0].reason == f"folder cannot be listed: {REASON_TOO_LONG}"
    assert len(os.fsencode(skipped[0].path)) > 4000


def test_an_empty_root_is_an_error_not_the_current_folder(make_image, tmp_path: Path, monkeypatch) -> None:
    make_image("here.jpg")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadRootError, match="No folder given"):
        discover([""], DEFAULT)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_sniffing_a_photo_swapped_for_a_fifo_does_not_block(tmp_path: Path) -> None:
    """Listed as a file a moment before, a FIFO when sniffed: open() would wait for a writer forever."""
    fifo = tmp_path / "b.jpg"
    os.mkfifo(fifo)
    try:
        outcome = finishes(lambda: sniff_format(str(fifo)))
    finally:
        unblock(fifo)
    assert isinstance(outcome, NotRegularFileError)
    assert os_error_reason(outcome) == "not a regular file: a named pipe (FIFO)"
