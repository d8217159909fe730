"""Threshold slider, "not a duplicate" labels, move + undo, settings persistence, the compare view's tools."""

from __future__ import annotations

import os

from gui_helpers import fake_result, make_photo
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from engine.labels import LabelStore
from engine.results import Member
from engine.settings import ScanSettings
from gui.settings import AppSettings, Folder, load_settings, save_settings


def load_fake(window, result, threshold=0.8):
    results = window.results
    results.scan_result, results.scan_settings, results.threshold = result, ScanSettings(), threshold
    window.slider.setEnabled(True)
    results.refresh_groups()


def test_threshold_regroups_without_rescan(qtbot, window, tmp_path):
    result = fake_result(tmp_path)
    load_fake(window, result)
    assert [len(g.members) for g in window.model.groups] == [3]
    with qtbot.waitSignal(window.results.groupsChanged, timeout=2000):
        window.slider.slider.setValue(88)  # debounced, like a drag
    assert window.results.threshold == 0.88
    assert [len(g.members) for g in window.model.groups] == [2]
    window.results.set_threshold(0.95)
    assert window.model.rowCount() == 0
    assert load_settings().threshold == 0.95


def test_not_a_duplicate_splits_the_group_and_is_stored(qtbot, window, tmp_path):
    result = fake_result(tmp_path)
    load_fake(window, result)
    a, b, c = list(result.catalog)
    with qtbot.waitSignal(window.pairs.labelStored, timeout=5000):
        window.pairs.label_pair(a, b, False)
    with qtbot.waitSignal(window.pairs.labelStored, timeout=5000):
        window.pairs.label_pair(b, c, True)
    assert frozenset((a, b)) in window.results.not_duplicates
    assert all({a, b} - {m.path for m in g.members} for g in window.model.groups)
    store = LabelStore()
    assert store.not_duplicate_pairs(result.catalog) == {frozenset((a, b))}
    assert [p.is_duplicate for p in store.pairs()] == [False, True]


def test_move_and_undo(qtbot, window, photos, tmp_path):
    window.folders.add_folder(str(photos))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=30000):
        window.scanner.start()
    window.marks.auto_mark("suggested")
    marked = window.model.marked
    dest = tmp_path / "moved-here"
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000):
        assert window.file_actions.move_marked(str(dest))
    assert sorted(os.listdir(dest)) == sorted(os.path.basename(p) for p in marked)
    assert window.model.rowCount() == 0 and window.menu_actions.undo.isEnabled()
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000):
        assert window.file_actions.undo_move()
    assert all(os.path.exists(p) for p in marked) and not os.listdir(dest)
    assert window.model.rowCount() == 2 and not window.menu_actions.undo.isEnabled()


def test_settings_round_trip(tmp_path):
    s = AppSettings(
        folders=[Folder("/p", True)],
        exclude=["*.tmp"],
        threshold=0.7,
        device="cpu",
        backend="openvino",
        keep_rules=["size", "oldest"],
        cache_path=str(tmp_path / "c.db"),
        mark_rule="newest",
    )
    save_settings(s)
    assert load_settings() == s
    scan_settings = s.to_scan_settings()
    assert scan_settings.roots == ("/p",) and scan_settings.min_score == 0.2 and scan_settings.device == "cpu"
    assert scan_settings.backend == "openvino"
    (tmp_path / "broken.json").write_text("{not json")
    assert load_settings(tmp_path / "broken.json") == AppSettings()


def test_settings_restore_into_a_new_window(qtbot, tmp_path, trash):
    from gui.mainwindow import MainWindow

    folder = tmp_path / "kept"
    folder.mkdir()
    save_settings(AppSettings(folders=[Folder(str(folder), True)], exclude=["*.tmp"], mark_rule="size"))
    w = MainWindow(trash=trash)
    qtbot.addWidget(w)
    assert [(f.path, f.protected) for f in w.folders.folders()] == [(str(folder), True)]
    assert w.folders.exclude_patterns() == ["*.tmp"] and w.menu_actions.rule_combo.currentData() == "size"
    w.shutdown()


def test_compare_view_tools(qtbot, window, tmp_path):
    big = make_photo(tmp_path / "pair" / "big.png", 4, size=(400, 300))
    from PIL import Image

    Image.open(big).resize((200, 150)).save(tmp_path / "pair" / "small.png")
    small = str(tmp_path / "pair" / "small.png")
    members = [Member(p, os.path.getsize(p), os.stat(p).st_mtime_ns, *Image.open(p).size, 0.97) for p in (big, small)]
    from gui.views.compare_view import CompareView

    view = CompareView(window.full_images, window.runner)
    qtbot.addWidget(view)
    view.show()
    view.set_pair(*members)
    qtbot.waitUntil(view.images_loaded, timeout=10000)
    view.actual_size()
    assert view.left.transform().m11() == 1.0 and view.right.transform().m11() == 2.0  # same size on screen
    event = QWheelEvent(
        QPointF(50, 50),
        QPointF(50, 50),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.left.wheelEvent(event)
    assert abs(view.left.transform().m11() - 1.25) < 1e-6 and abs(view.right.transform().m11() - 2.5) < 1e-6
    view.left.horizontalScrollBar().setValue(view.left.horizontalScrollBar().maximum())
    assert view.right.horizontalScrollBar().value() == view.right.horizontalScrollBar().maximum()
    view.fit()
    assert view.fit_mode
    view.swap()
    assert view.a.path == small and view.b.path == big
    view.toggle_flicker()
    assert view.mode == "flicker" and not view.right.isVisible()
    view._flicker_step()
    assert "right" in view.mode_label.text()
    view.toggle_difference()
    assert view.mode == "diff" and not view.flicker_timer.isActive()
    qtbot.waitUntil(lambda: view._diff is not None, timeout=10000)
    assert view.left.image_width() == 200
    labels = []
    view.notDuplicate.connect(lambda a, b: labels.append((a, b)))
    view._not_dup()
    assert labels == [(small, big)]
    view.close()
