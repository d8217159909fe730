"""GUI test fixtures: offscreen Qt, private Doppel directories, generated photos, a window with a trash recorder."""

from __future__ import annotations

import os
import shutil

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402
from gui_helpers import copy, make_photo  # noqa: E402

# the offscreen platform, not our code (a menu opened from the keyboard asks to grab it)
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def doppel_dirs(tmp_path, monkeypatch):
    """The tests never touch the real user's settings, cache, labels or action log."""
    for name in ("DATA", "CONFIG", "CACHE"):
        monkeypatch.setenv(f"DOPPEL_{name}_DIR", str(tmp_path / f"doppel-{name.lower()}"))


@pytest.fixture
def photos(tmp_path):
    """photos/: a.png with two byte copies, b.png with one, c.png alone -> 2 exact groups, 3 removable files."""
    root = tmp_path / "photos"
    a = make_photo(root / "a.png", 1)
    b = make_photo(root / "b.png", 2)
    make_photo(root / "c.png", 3)
    copy(a, root / "copies" / "a copy.png")
    copy(a, root / "more" / "a again.png")
    copy(b, root / "copies" / "b copy.png")
    return root


class TrashRecorder:
    """Stands in for send2trash: records the path and moves the file aside, like a trash would."""

    def __init__(self, bin_dir) -> None:
        self.paths: list[str] = []
        self.bin = bin_dir

    def __call__(self, path: str) -> None:
        self.paths.append(path)
        self.bin.mkdir(exist_ok=True)
        shutil.move(path, self.bin / f"{len(self.paths)}-{os.path.basename(path)}")


@pytest.fixture
def trash(tmp_path):
    return TrashRecorder(tmp_path / "trash-bin")


@pytest.fixture
def window(qtbot, trash):
    from gui.mainwindow import MainWindow
    from gui.settings import AppSettings

    w = MainWindow(
        settings=AppSettings(exact_only=True, use_cache=False), trash=trash, confirm=lambda *args, **kwargs: True
    )
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
    assert not w.runner.busy
