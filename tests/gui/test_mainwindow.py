"""Full flows through the real window: scan, review, auto-mark, trash (recorded), cancel, changed files."""

from __future__ import annotations

import os

from gui_helpers import copy, make_photo
from PySide6.QtCore import Qt

from engine.fileops import read_log
from gui.settings import load_settings

SCAN_TIMEOUT_MS = 30000


def scan(qtbot, window) -> str:
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=SCAN_TIMEOUT_MS) as blocker:
        assert window.scanner.start()
    return blocker.args[0]


def group_paths(window) -> list[set[str]]:
    return [{m.path for m in g.members} for g in window.model.groups]


def test_scan_review_automark_and_trash(qtbot, window, photos, trash):
    (photos / "empty.jpg").write_bytes(b"")  # reported in the skipped-files panel
    assert window.folders.add_folder(str(photos))
    assert scan(qtbot, window) == "done"
    assert window.messages.problems.counts()[0] == 1 and window.messages.problems.skipped.item(0, 0).text().endswith(
        "empty.jpg"
    )
    assert window.messages.button.text().startswith("Skipped: 1")
    groups = group_paths(window)
    assert sorted(len(g) for g in groups) == [2, 3]
    assert all(os.path.basename(p).startswith(("a", "b")) for g in groups for p in g)
    assert window.group_view.members.rowCount() == len(window.model.group(0).members)
    assert "2</b> groups" in window.summary.text()
    assert load_settings().folders[0].path == str(photos)  # persisted

    window.marks.auto_mark("oldest")
    marked = window.model.marked
    assert len(marked) == 3 and "marked: <b>3</b>" in window.summary.text()
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000) as blocker:
        assert window.file_actions.trash_marked()
    report = blocker.args[0]
    assert set(trash.paths) == marked and len(trash.paths) == 3
    assert {o.path for o in report.done} == marked
    for g in groups:  # every group kept exactly one file
        assert sum(os.path.exists(p) for p in g) == 1
    assert window.model.rowCount() == 0 and not window.model.marked
    assert [(e["action"], e["status"]) for e in read_log()] == [("trash", "intent")] * 3 + [("trash", "done")] * 3


def test_keyboard_marks_and_compare(qtbot, window, photos):
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    window.group_view.setFocus()
    first = window.navigation.current_member()
    keeper = window.model.group(window.navigation.current_group_row()).keeper
    qtbot.keyClick(window.group_view, Qt.Key.Key_Right)
    second = window.navigation.current_member()
    assert second.path != first.path
    qtbot.keyClick(window.group_view, Qt.Key.Key_Space)
    assert window.model.is_marked(second.path)
    qtbot.keyClick(window.group_view, Qt.Key.Key_Space)
    assert not window.model.is_marked(second.path)
    qtbot.keyClick(window.group_view, Qt.Key.Key_Delete)
    assert window.model.is_marked(second.path)
    row = window.navigation.current_group_row()
    qtbot.keyClick(window.group_view, Qt.Key.Key_Down)
    assert window.navigation.current_group_row() == row + 1
    qtbot.keyClick(window.group_view, Qt.Key.Key_Up)
    assert window.navigation.current_group_row() == row
    qtbot.keyClick(window.group_view, Qt.Key.Key_Return)
    assert window.pairs.compare is not None and window.pairs.compare.isVisible()
    assert window.pairs.compare.a.path == keeper
    qtbot.waitUntil(window.pairs.compare.images_loaded, timeout=10000)


def test_protected_folder_is_never_marked(qtbot, window, photos):
    window.folders.add_folder(str(photos / "copies"), protected=True)
    window.folders.add_folder(str(photos / "more"))
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    window.marks.auto_mark("newest")
    assert window.model.marked
    assert not any(p.startswith(str(photos / "copies")) for p in window.model.marked)
    copy_path = str(photos / "copies" / "b copy.png")
    assert not window.model.set_mark(copy_path, True)


def test_changed_file_is_skipped_not_deleted(qtbot, window, photos, trash):
    window.folders.add_folder(str(photos))
    scan(qtbot, window)
    window.marks.auto_mark("suggested")
    marked = sorted(window.model.marked)
    changed = marked[0]
    with open(changed, "ab") as fh:
        fh.write(b"edited after the scan")
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000) as blocker:
        window.file_actions.trash_marked()
    report = blocker.args[0]
    assert changed not in trash.paths and os.path.exists(changed)
    assert set(trash.paths) == set(marked[1:])
    assert [o.path for o in report.skipped] == [changed]
    assert any("changed since the scan" in t for t in window.messages.problems.message_texts())
    assert window.messages.banner.isVisible()


def test_cancel_midway_leaves_the_app_usable(qtbot, window, tmp_path):
    many = tmp_path / "many"
    base = make_photo(many / "base.png", 5, size=(300, 200))
    for n in range(600):
        copy(base, many / f"sub{n % 20}" / f"copy{n}.png")
    window.folders.add_folder(str(many))
    assert window.scanner.start()
    task = window.scanner.task
    with qtbot.waitSignal(task.progress, timeout=SCAN_TIMEOUT_MS):
        pass
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=1000) as blocker:
        window.scanner.cancel()
    assert blocker.args == ["cancelled"]
    assert window.scan_button.isEnabled() and not window.progress.isVisible()
    qtbot.waitUntil(lambda: task.done.is_set(), timeout=1500)  # the engine stopped within a second or so
    # usable: a second scan runs to the end
    window.folders.remove_selected()
    assert scan(qtbot, window) == "done"
    assert window.model.rowCount() == 1 and len(window.model.group(0).members) == 601


def test_scan_without_folders_is_a_message(qtbot, window):
    assert not window.scanner.start()
    assert window.messages.banner.isVisible() and "Add at least one folder" in window.messages.banner.text()


def test_bad_folder_error_is_a_message(qtbot, window, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    window.folders.add_folder(str(gone))
    gone.rmdir()
    assert scan(qtbot, window) == "failed"
    assert "scan failed" in window.messages.banner.text()
    assert window.scan_button.isEnabled()


def test_menu_shortcuts_reach_the_controllers(qtbot, window, photos, trash):
    """Ctrl+R, Ctrl+M, Ctrl+Shift+M and Ctrl+Del typed into the window do what the menus say."""
    window.folders.add_folder(str(photos))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.tree.setFocus()
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=SCAN_TIMEOUT_MS) as blocker:
        qtbot.keyClick(window.tree, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["done"] and window.model.rowCount() == 2
    qtbot.keyClick(window.tree, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert len(window.model.marked) == 3
    qtbot.keyClick(window.tree, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.model.marked
    window.marks.auto_mark("suggested")
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000):
        qtbot.keyClick(window.tree, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert len(trash.paths) == 3
