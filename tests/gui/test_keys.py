"""Keys typed as a user types them: Esc cancels a scan after a menu was used, Left / Right walk a group in the list."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu

from engine.progress import Progress


class EndlessScan:
    """A scan that runs until it is cancelled, so the test decides when it ends."""

    def scan(self, settings, progress: Progress, labels=None):
        wait = threading.Event()
        while True:
            progress.check()
            wait.wait(0.01)


def _start_endless_scan(qtbot, window, tmp_path) -> None:
    window.folders.add_folder(str(tmp_path))
    window.scanner.service = EndlessScan()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.scanner.start()


def test_esc_cancels_after_a_menu_was_opened_and_closed(qtbot, window, tmp_path) -> None:
    _start_endless_scan(qtbot, window, tmp_path)
    window.tree.setFocus()
    qtbot.keyClick(window.tree, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # opens the File menu
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)  # closes the menu, scan goes on
    assert QApplication.activePopupWidget() is None and window.scanner.scanning
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=2000) as ended:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # wherever the keyboard went
    assert ended.args == ["cancelled"]


def test_esc_cancels_with_focus_anywhere_in_the_window(qtbot, window, tmp_path) -> None:
    for widget in (window.folders.exclude, window.group_view, window.slider.slider):
        _start_endless_scan(qtbot, window, tmp_path)
        widget.setFocus()
        with qtbot.waitSignal(window.scanner.scanEnded, timeout=2000) as ended:
            qtbot.keyClick(widget, Qt.Key.Key_Escape)
        assert ended.args == ["cancelled"], widget


def test_left_right_in_the_list_move_between_members(qtbot, window, photos) -> None:
    window.folders.add_folder(str(photos))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=30000):
        window.scanner.start()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.tree.setFocus()
    group = window.model.group(window.navigation.current_group_row())
    paths = [m.path for m in group.members]
    assert window.navigation.current_member().path == paths[0]
    qtbot.keyClick(window.tree, Qt.Key.Key_Right)
    assert window.navigation.current_member().path == paths[1]
    assert (
        window.model.member_at(window.navigation.to_source(window.tree.currentIndex())).path == paths[1]
    )  # the list follows
    qtbot.keyClick(window.tree, Qt.Key.Key_Right)
    qtbot.keyClick(window.tree, Qt.Key.Key_Right)  # past the end: stays on the last member
    assert window.navigation.current_member().path == paths[-1]
    qtbot.keyClick(window.tree, Qt.Key.Key_Left)
    assert window.navigation.current_member().path == paths[-2]
    assert window.navigation.current_group_row() == window.model.group_row_of(paths[0])
