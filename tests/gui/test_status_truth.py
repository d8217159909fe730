"""What the window says is true: cancel and the cache, the model loading, files gone or folders taken off the list."""

from __future__ import annotations

import os

from gui_helpers import copy, make_photo
from PySide6.QtWidgets import QWidget
from test_keys import EndlessScan

from engine.settings import ScanSettings
from gui.scanning import LOADING, ScanService
from gui.views.progress_panel import ProgressPanel
from gui.workers import TaskRunner


def _scan(qtbot, window) -> None:
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=30000) as ended:
        window.scanner.start()
    assert ended.args == ["done"]


def test_cancel_mentions_the_cache_only_when_it_is_on(qtbot, window, tmp_path) -> None:
    window.folders.add_folder(str(tmp_path))
    window.scanner.service = EndlessScan()
    for use_cache, expected in ((False, "Scan cancelled."), (True, "what was analysed is cached")):
        window.settings.use_cache = use_cache
        assert window.scanner.start()
        window.scanner.cancel()
        message = window.statusBar().currentMessage()
        assert expected in message and ("cached" in message) == use_cache


def test_no_stale_hint_while_the_first_scan_runs(qtbot, window, tmp_path) -> None:
    assert "Add folders" in window.summary.text()
    window.folders.add_folder(str(tmp_path))
    window.scanner.service = EndlessScan()
    assert window.scanner.start()
    assert "Add folders" not in window.summary.text() and "Scanning" in window.summary.text()
    window.scanner.cancel()


def test_progress_never_sits_at_zero_of_n() -> None:
    panel = ProgressPanel()
    panel.start()
    panel.update_progress(LOADING, 0, 0)
    assert panel.label.text() == "Loading the model…" and panel.bar.maximum() == 0  # busy, not a count
    panel.update_progress("embed", 0, 77)
    assert "0 / 77" not in panel.label.text() and panel.label.text().startswith("Analysing images…")
    panel.update_progress("embed", 32, 77)
    assert panel.label.text().startswith("Analysing images: 32 / 77")


def test_a_scan_waiting_for_the_preload_says_the_model_is_loading(qtbot) -> None:
    service = ScanService()
    service._lock.acquire()  # stands in for the preload, in the middle of loading the network
    service._loading = True
    runner = TaskRunner(1)
    phases: list[str] = []
    try:
        task = runner.run(
            "scan",
            lambda p: service.scan(ScanSettings(roots=("/nowhere",)), p),
            on_progress=lambda phase, _d, _t: phases.append(phase),
        )
        qtbot.waitUntil(lambda: phases == [LOADING], timeout=5000)
        with qtbot.waitSignal(task.cancelled, timeout=2000):  # cancel works while it waits, too
            task.cancel()
    finally:
        service._lock.release()
        assert runner.shutdown()


def _two_folders(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    a = make_photo(one / "a.png", 1)
    copy(a, one / "a copy.png")
    b = make_photo(two / "b.png", 2)
    copy(b, two / "b copy.png")
    return one, two


def test_a_folder_taken_off_the_list_takes_its_groups_and_marks(qtbot, window, tmp_path) -> None:
    one, two = _two_folders(tmp_path)
    window.folders.add_folder(str(one))
    window.folders.add_folder(str(two))
    _scan(qtbot, window)
    window.marks.auto_mark("suggested")
    assert window.model.rowCount() == 2 and len(window.model.marked) == 2
    window.folders.list.setCurrentRow(1)  # "two"
    window.folders.remove_selected()
    assert [os.path.dirname(g.keeper) for g in window.model.groups] == [str(one)]
    assert all(p.startswith(str(one)) for p in window.model.marked) and len(window.model.marked) == 1
    window.folders.add_folder(str(two))  # back on the list: its files come back without a rescan
    assert window.model.rowCount() == 2


def test_files_deleted_outside_the_app_leave_when_it_is_activated(qtbot, window, photos) -> None:
    window.folders.add_folder(str(photos))
    _scan(qtbot, window)
    window.marks.auto_mark("suggested")
    b_group = window.model.group(window.model.group_row_of(str(photos / "b.png")))
    gone = [m.path for m in b_group.members if m.path in window.model.marked][0]
    os.remove(gone)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow)
    with qtbot.waitSignal(window.results.filesChecked, timeout=5000) as checked:
        window.activateWindow()  # the user comes back to the app
    assert checked.args == [1, 0]
    assert window.model.group_row_of(gone) == -1 and gone not in window.model.marked
    assert window.model.rowCount() == 1  # b's group had two files; one is left, so no group
    assert "1 listed files are gone" in window.statusBar().currentMessage()
