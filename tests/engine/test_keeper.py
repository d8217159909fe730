"""engine.keeper: the suggested keeper is the original (camera file, own folder), settings can still override."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from engine.imaging import read_info
from engine.keeper import camera_rank, copy_marks, pick_keeper
from engine.results import Member
from engine.scan import scan
from engine.settings import DEFAULT_KEEP_RULES, KEEP_RULES, ScanSettings, upgrade_keep_rules
from tests.conftest import generate_pixels

DAY = 86_400 * 10**9


def member(
    path: str,
    w: int = 100,
    h: int = 100,
    size: int = 1000,
    mtime_ns: int = 1_600_000_000 * 10**9,
    capture_time: str | None = None,
    camera: str | None = None,
    fmt: str = "JPEG",
) -> Member:
    return Member(path, size, mtime_ns, w, h, 1.0, capture_time=capture_time, camera=camera, fmt=fmt)


def camera_exif(make: str = "Canon", model: str = "Canon EOS 80D", when: str = "2021:06:01 12:00:00") -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model  # Make, Model
    exif.get_ifd(0x8769)[0x9003] = when  # Exif IFD: DateTimeOriginal
    return exif.tobytes()


def from_file(path: Path) -> Member:
    """A Member as the scan makes it: metadata read from the file itself."""
    info, st = read_info(str(path)), path.stat()
    return Member(
        str(path),
        st.st_size,
        st.st_mtime_ns,
        info.width,
        info.height,
        1.0,
        info.capture_time,
        info.camera,
        fmt=info.fmt,
    )


def set_mtime(path: Path, ns: int) -> None:
    os.utime(path, ns=(ns, ns))


# ---------------------------------------------------------------------------------------------- originals first


def test_camera_jpeg_beats_a_larger_heic_export(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    pixels = generate_pixels((96, 64), "noise", seed=1)
    jpeg = tmp_path / "DCIM" / "IMG_0001.JPG"
    jpeg.parent.mkdir()
    pixels.save(jpeg, quality=60, exif=camera_exif())
    export = tmp_path / "IMG_0001.heic"
    pixels.save(export, quality=100)  # an export: no camera EXIF, and larger than the camera's file
    assert export.stat().st_size > jpeg.stat().st_size
    ms = [from_file(jpeg), from_file(export)]
    assert pick_keeper(ms) == str(jpeg)
    assert pick_keeper(ms, ["resolution", "size"]) == str(export)  # what the old default did

    # an export that kept the EXIF: the original came first
    pixels.save(export, quality=100, exif=camera_exif())
    set_mtime(jpeg, 1_600_000_000 * 10**9)
    set_mtime(export, 1_600_000_000 * 10**9 + DAY)
    assert pick_keeper([from_file(export), from_file(jpeg)]) == str(jpeg)


def test_byte_copies_keep_the_camera_folder_not_the_backup(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    original = lib / "Pictures" / "Camera" / "IMG_0001.jpg"
    original.parent.mkdir(parents=True)
    generate_pixels((80, 60), "shapes").save(original, exif=camera_exif())
    backups = [lib / "Backup" / "IMG_0001.jpg", lib / "Pictures" / "Camera" / "IMG_0001 (1).jpg"]
    for b in backups:
        b.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, b)
        set_mtime(b, 1_500_000_000 * 10**9)  # restored backups may even look older
    result = scan(ScanSettings(roots=(str(lib),), exact_only=True, use_cache=False))
    [group] = result.groups
    assert group.keeper == str(original)
    assert {m.fmt for m in group.members} == {"JPEG"} and all(m.camera == "Canon EOS 80D" for m in group.members)


@pytest.mark.parametrize(
    "path, marks",
    [
        ("/home/u/Pictures/Camera/IMG_0001.jpg", 0),
        ("/home/u/Pictures/2020 (summer)/IMG_0001.jpg", 0),
        ("/home/u/Copyright/photocopy.jpg", 0),
        ("/home/u/Pictures/IMG_0001 copy.jpg", 1),
        ("/home/u/Pictures/Copy of IMG_0001.jpg", 1),
        ("/home/u/Pictures/IMG_0001 - Copy.jpg", 1),
        ("/home/u/Pictures/IMG_0001 (1).jpg", 1),
        ("/home/u/Pictures/IMG_0001-edited.jpg", 1),
        ("/home/u/BACKUP/IMG_0001.jpg", 1),
        ("/home/u/Old_Backups/2020/IMG_0001.jpg", 1),
        ("/home/u/Exports/IMG_0001.heic", 1),
        ("/home/u/Downloads/IMG_0001.jpg", 1),
        ("/home/u/Takeout/Google Photos/IMG_0001.jpg", 1),
        ("/home/u/WhatsApp Images/IMG-20230101-WA0001.jpg", 2),
        ("C:\\Users\\u\\Pictures\\Kopie von IMG_0001.jpg", 1),
    ],
)
def test_signs_of_a_copy_in_the_path(path: str, marks: int) -> None:
    assert copy_marks(path) == marks


def test_camera_rank_needs_exif_and_then_prefers_a_camera_format() -> None:
    shot = member("/a.jpg", camera="Canon EOS 80D")
    dated_png = member("/b.png", capture_time="2020-01-01T10:00:00", fmt="PNG")
    plain = member("/c.jpg")
    assert [camera_rank(m) for m in (shot, dated_png, plain)] == [0, 1, 2]
    assert pick_keeper([plain, dated_png, shot], ["camera"]) == "/a.jpg"
    # without EXIF the format proves nothing: a PNG screenshot and its JPEG re-save tie, resolution decides
    screenshot, resave = member("/s.png", 200, 100, fmt="PNG"), member("/s.jpg", 100, 50)
    assert pick_keeper([resave, screenshot]) == "/s.png"


def test_default_order_path_camera_resolution_oldest_size() -> None:
    base = dict(capture_time="2021-06-01T12:00:00", camera="Canon EOS 80D")
    original = member("/p/IMG_1.jpg", 4000, 3000, size=5_000_000, mtime_ns=DAY, **base)
    assert DEFAULT_KEEP_RULES == ("original_path", "camera", "resolution", "oldest", "size")
    # a larger file in a backup folder loses to the original
    assert pick_keeper([member("/p/backup/IMG_1.jpg", 4000, 3000, 9_000_000, **base), original]) == original.path
    # a smaller copy loses even when it looks older
    assert pick_keeper([member("/p/IMG_1s.jpg", 400, 300, 90_000, mtime_ns=1, **base), original]) == original.path
    # equal pixels: the older file, even when the newer is larger
    assert pick_keeper([member("/p/IMG_1r.jpg", 4000, 3000, 9_000_000, 2 * DAY, **base), original]) == original.path


def test_settings_still_override() -> None:
    ms = [member("/p/IMG_1.jpg", camera="X"), member("/p/Backup/IMG_1.jpg", size=5000, fmt="PNG")]
    assert pick_keeper(ms) == "/p/IMG_1.jpg"
    assert pick_keeper(ms, ["size"]) == "/p/Backup/IMG_1.jpg"
    assert pick_keeper(ms, DEFAULT_KEEP_RULES, ["/p/Backup"]) == "/p/Backup/IMG_1.jpg"  # a preferred folder first


def test_old_saved_default_becomes_the_new_one() -> None:
    assert upgrade_keep_rules(["resolution", "size", "oldest"]) == DEFAULT_KEEP_RULES
    assert upgrade_keep_rules(["size", "prettiest"]) == ("size",)
    assert upgrade_keep_rules([]) == DEFAULT_KEEP_RULES
    assert upgrade_keep_rules(["oldest", "resolution", "size"]) == ("oldest", "resolution", "size")


# ---------------------------------------------------------------------------------------------- single rules


def test_resolution_rule() -> None:
    ms = [member("/a/small.jpg", 100, 100, size=9999), member("/a/big.jpg", 200, 100)]
    assert pick_keeper(ms, ["resolution"]) == "/a/big.jpg"


def test_size_rule() -> None:
    ms = [member("/a/1.jpg", size=10), member("/a/2.jpg", size=20)]
    assert pick_keeper(ms, ["size"]) == "/a/2.jpg"


def test_oldest_and_newest_use_capture_time_then_mtime() -> None:
    shot_2010 = member("/a/exif2010.jpg", capture_time="2010-05-01T10:00:00", mtime_ns=1_700_000_000 * 10**9)
    copied_2005 = member("/a/noexif.jpg", mtime_ns=1_104_537_600 * 10**9)  # mtime 2005-01-01, no EXIF
    shot_2015 = member("/a/exif2015.jpg", capture_time="2015-01-01T00:00:00", mtime_ns=1_000)
    ms = [shot_2010, copied_2005, shot_2015]
    assert pick_keeper(ms, ["oldest"]) == "/a/noexif.jpg"
    assert pick_keeper(ms, ["newest"]) == "/a/exif2015.jpg"
    unknown = member("/a/unknown.jpg", mtime_ns=0)  # no time at all loses under both rules
    assert pick_keeper([unknown, shot_2010], ["oldest"]) == "/a/exif2010.jpg"
    assert pick_keeper([unknown, shot_2010], ["newest"]) == "/a/exif2010.jpg"


def test_unreadable_capture_time_falls_back_to_mtime() -> None:
    odd = member("/a/odd.jpg", capture_time="0000:00:00 00:00:00", mtime_ns=2 * 10**18)
    ok = member("/a/ok.jpg", mtime_ns=10**18)
    assert pick_keeper([odd, ok], ["oldest"]) == "/a/ok.jpg"


def test_shortest_path_rule() -> None:
    ms = [member("/photos/2020/copy of IMG_1.jpg"), member("/photos/IMG_1.jpg")]
    assert pick_keeper(ms, ["shortest_path"]) == "/photos/IMG_1.jpg"


def test_rules_apply_in_order_and_path_breaks_the_last_tie() -> None:
    ms = [member("/b.jpg", 100, 100, size=10), member("/a.jpg", 100, 100, size=10), member("/c.jpg", 50, 50, 99)]
    assert pick_keeper(ms, ["resolution", "size"]) == "/a.jpg"
    assert pick_keeper(ms, ["size", "resolution"]) == "/c.jpg"
    assert pick_keeper(ms, []) == "/a.jpg"
    assert pick_keeper(ms) == "/a.jpg"  # defaults: no copy marks or EXIF, so resolution, oldest, size decide


def test_preferred_folder_wins_before_the_rules() -> None:
    ms = [
        member("/photos/big.jpg", 4000, 3000),
        member("/archive/small.jpg", 10, 10),
        member("/archive2/tiny.jpg", 5, 5),
        member("/best/x.jpg", 1, 1),
    ]
    assert pick_keeper(ms, ["resolution"], ["/archive"]) == "/archive/small.jpg"
    assert pick_keeper(ms, ["resolution"], ["/archive/"]) == "/archive/small.jpg"
    assert pick_keeper(ms, ["resolution"], ["/arch"]) == "/photos/big.jpg"  # a prefix is not a folder
    assert pick_keeper(ms, ["resolution"], ["/best", "/archive"]) == "/best/x.jpg"  # earlier folder first
    assert pick_keeper(ms, ["resolution"], ["/nowhere"]) == "/photos/big.jpg"


def test_every_declared_rule_picks_its_own_member_and_unknown_is_rejected() -> None:
    """Each rule alone must choose a different member, so a rule that did nothing (or another rule's job) shows."""
    day = 86_400 * 10**9
    ms = [
        member("/lib/Photos/2020/holiday/IMG_0001.jpg", size=700, mtime_ns=5 * day),  # the only path without copy marks
        member("/lib/copy/cam.jpg", size=600, mtime_ns=4 * day, camera="Canon EOS 80D"),
        member("/lib/backup/2020/holiday/big.jpg", 4000, 3000, size=800, mtime_ns=6 * day),
        member("/lib/export/heavy.jpg", size=9000, mtime_ns=3 * day),
        member("/lib/copy/2020/old.jpg", size=500, mtime_ns=1 * day),
        member("/lib/copy/2020/new.jpg", size=400, mtime_ns=9 * day),
        member("/copy/a.jpg", size=300, mtime_ns=2 * day),
    ]
    expected = {
        "original_path": "/lib/Photos/2020/holiday/IMG_0001.jpg",
        "camera": "/lib/copy/cam.jpg",
        "resolution": "/lib/backup/2020/holiday/big.jpg",
        "size": "/lib/export/heavy.jpg",
        "oldest": "/lib/copy/2020/old.jpg",
        "newest": "/lib/copy/2020/new.jpg",
        "shortest_path": "/copy/a.jpg",
    }
    assert set(expected) == set(KEEP_RULES)  # a new rule needs its own case here
    for rule in KEEP_RULES:
        for order in (ms, ms[::-1]):  # not an accident of the input order
            assert pick_keeper(order, [rule]) == expected[rule], rule
    with pytest.raises(ValueError, match="prettiest"):
        pick_keeper(ms, ["resolution", "prettiest"])
    with pytest.raises(ValueError):
        pick_keeper([], ["size"])
