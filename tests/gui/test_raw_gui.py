"""A camera RAW in the app: decoded (thumbnail included), grouped with its JPEG, kept or marked by the setting."""

from __future__ import annotations

import pytest
from dng_writer import make_dng
from PIL import Image

from tests.conftest import generate_pixels


@pytest.fixture
def raw_window(qtbot, trash):
    from gui.mainwindow import MainWindow
    from gui.settings import AppSettings

    w = MainWindow(settings=AppSettings(use_cache=False), trash=trash, confirm=lambda *a, **k: True, save=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


def test_a_raw_is_decoded_and_grouped_with_its_jpeg(qtbot, raw_window, tmp_path, wallpapers) -> None:
    window = raw_window
    photo = Image.open(sorted((wallpapers / "images").rglob("*.jpg"))[0]).convert("RGB").resize((480, 320))
    lib = tmp_path / "lib"
    lib.mkdir()
    dng = make_dng(lib / "IMG_0007.DNG", photo, preview=(480, 320))
    photo.save(lib / "IMG_0007.JPG", quality=90)
    generate_pixels((480, 320), "shapes").save(lib / "drawing.png")
    window.folders.add_folder(str(lib))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=120000) as blocker:
        assert window.scanner.start()
    assert blocker.args[0] == "done" and window.messages.problems.counts()[0] == 0
    (group,) = window.model.groups
    assert {m.path for m in group.members} == {str(dng), str(lib / "IMG_0007.JPG")}
    raw = next(m for m in group.members if m.path == str(dng))
    assert (raw.fmt, raw.width, raw.height, raw.capture_time) == ("DNG", 480, 320, "2024-05-06T07:08:09")

    window.navigation.select_member(str(dng))
    side = window.group_view.delegate.decode_side
    qtbot.waitUntil(lambda: window.thumbs.get(str(dng), side) is not None, timeout=20000)
    thumb = window.thumbs.get(str(dng), side)
    assert max(thumb.width(), thumb.height()) == min(side, 480) and thumb.pixelColor(5, 5).isValid()

    assert window.marks.auto_mark("suggested") == 0  # the default keeps both of one shot
    window.store.current.raw_jpeg = "jpeg"
    assert window.marks.auto_mark("size") == 1  # "size" would keep the RAW; the setting keeps the JPEG
    assert window.model.marked == {str(dng)} and window.model.group(0).keeper == str(lib / "IMG_0007.JPG")
