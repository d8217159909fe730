"""Smaller pieces: folder drag and drop, progress text with time left, the Help menu, the model-based scan."""

from __future__ import annotations

import os

import pytest
from gui_helpers import make_photo
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from gui.views.folder_panel import FolderPanel
from gui.views.progress_panel import ProgressPanel


def test_drop_folders_on_the_panel(qtbot, tmp_path):
    panel = FolderPanel()
    qtbot.addWidget(panel)
    (tmp_path / "one").mkdir()
    (tmp_path / "file.txt").write_text("not a folder")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "one")), QUrl.fromLocalFile(str(tmp_path / "file.txt"))])
    event = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(panel.changed):
        panel.dropEvent(event)
    assert [f.path for f in panel.folders()] == [str(tmp_path / "one")]
    assert not panel.add_folder(str(tmp_path / "one"))  # no duplicates
    panel.list.item(0).setCheckState(Qt.CheckState.Checked)
    assert panel.folders()[0].protected
    panel.list.setCurrentRow(0)
    panel.remove_selected()
    assert panel.folders() == []


def test_progress_shows_phase_count_and_time_left(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.start()
    panel.update_progress("embed", 10, 100)
    assert panel.label.text() == "Analysing images: 10 / 100"
    panel._phase_start -= 10  # 10 items took 10 s: 90 left take about 90 s
    panel.update_progress("embed", 10, 100)
    assert "about 1 min 30 s left" in panel.label.text()
    assert panel.bar.maximum() == 100 and panel.bar.value() == 10
    panel.update_progress("discover", 1234, 0)
    assert panel.label.text() == "Finding images: 1,234" and panel.bar.maximum() == 0


def test_help_menu_lists_shortcuts(window):
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert "Keyboard shortcuts" in [a.text() for a in menus["Help"].actions()]
    from gui.menus import SHORTCUTS

    keys = " ".join(k for k, _ in SHORTCUTS)
    for key in ("Space", "Delete", "Enter", "Up / Down", "Left / Right"):
        assert key in keys


@pytest.mark.slow
def test_model_scan_groups_a_resized_copy_and_respects_not_a_duplicate(qtbot, window, tmp_path):
    """The real network: a downscaled copy is grouped; after "not a duplicate" a rescan keeps them apart."""
    from PIL import Image

    folder = tmp_path / "model-photos"
    original = make_photo(folder / "original.png", 7, size=(320, 240))
    Image.open(original).resize((160, 120)).save(folder / "small.jpg", quality=90)
    make_photo(folder / "other.png", 11, size=(320, 240))
    window.settings.exact_only = False
    window.folders.add_folder(str(folder))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=120000) as blocker:
        window.scanner.start()
    assert blocker.args == ["done"], window.messages.banner.text()
    assert window.slider.isEnabled() and window.slider.slider.minimum() <= 20
    small = str(folder / "small.jpg")
    assert any({original, small} <= {m.path for m in g.members} for g in window.model.groups)
    with qtbot.waitSignal(window.pairs.labelStored, timeout=10000):
        window.pairs.label_pair(original, small, False)
    assert not any({original, small} <= {m.path for m in g.members} for g in window.model.groups)
    os.rename(small, folder / "renamed.jpg")  # the label follows the content
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=120000):
        window.scanner.start()
    renamed = str(folder / "renamed.jpg")
    assert not any({original, renamed} <= {m.path for m in g.members} for g in window.model.groups)


def test_many_emits_keep_true_alive(qtbot):
    """PySide6 6.12.0's emit() drops a reference to True per call; gui.signals.emit puts it back."""
    import sys

    from gui.signals import _Probe, emit

    probe = _Probe()
    seen = []
    probe.ping.connect(lambda: seen.append(1))
    before = sys.getrefcount(True)
    for _ in range(5000):
        emit(probe.ping)
    assert len(seen) == 5000 and abs(sys.getrefcount(True) - before) < 50  # not one per emit


def test_app_main_opens_the_window_with_folders(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from gui import app as gui_app

    shown = []

    def fake_exec(self=None) -> int:
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "doppel-main" and w.isVisible()]
        shown.extend(windows)
        for w in windows:
            w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    (tmp_path / "pics").mkdir()
    assert gui_app.main(["--folder", str(tmp_path / "pics")]) == 0
    assert len(shown) == 1 and [f.path for f in shown[0].folders.folders()] == [str(tmp_path / "pics")]


def test_settings_dialog_edits_a_copy(qtbot):
    from gui.dialogs.settings_dialog import SettingsDialog
    from gui.settings import AppSettings

    original = AppSettings(threshold=None, device="auto", keep_rules=["resolution", "size"])
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    dialog.model_default.setChecked(False)
    dialog.threshold.setValue(0.73)
    dialog.device.setCurrentText("cpu")
    dialog.backend.setCurrentText("torch")
    dialog.rules.item(0).setCheckState(Qt.CheckState.Unchecked)  # drop "resolution"
    dialog.preferred.setText("/a; /b")
    dialog.cache_path.setText("/tmp/doppel-cache.sqlite3")
    dialog.exact_only.setChecked(True)
    assert dialog.verify.isChecked()  # the geometric check is on by default
    dialog.verify.setChecked(False)
    edited = dialog.result_settings()
    assert (edited.threshold, edited.device, edited.keep_rules) == (0.73, "cpu", ["size"])
    assert edited.backend == "torch" and original.backend == "auto"
    assert edited.preferred_folders == ["/a", "/b"] and edited.cache_path == "/tmp/doppel-cache.sqlite3"
    assert edited.exact_only and original.threshold is None and not original.exact_only
    assert not edited.verify and original.verify and not edited.to_scan_settings().verify
