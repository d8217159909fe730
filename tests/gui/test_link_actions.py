"""Actions > Replace with hard / symbolic links through the confirmation, Undo, and the start-up recovery
(issue 14 item 2, issue 12 item 4)."""

from __future__ import annotations

import json
import os

from gui_helpers import fake_result

from engine.actionlog import default_log_path, read_log
from engine.scan import regroup
from engine.settings import ScanSettings
from gui.dialogs.confirm import confirmation_text


def scan(qtbot, window, photos) -> None:
    window.folders.add_folder(str(photos))
    with qtbot.waitSignal(window.scanner.scanEnded, timeout=30000):
        window.scanner.start()


class Confirm:
    """Answers yes and keeps what the dialog would have shown."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def __call__(self, _parent, action, count, size, dest="", near=0) -> bool:
        self.asked.append((action, count, near, confirmation_text(action, count, size, dest, near)))
        return True


def test_hard_links_through_the_menu_and_undo(qtbot, window, photos):
    confirm = Confirm()
    window.file_actions.confirm = confirm
    scan(qtbot, window, photos)
    groups = list(window.model.groups)
    window.marks.auto_mark("suggested")
    marked = set(window.model.marked)
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000) as blocker:
        window.menu_actions.hardlink.trigger()
    (action, count, near, text) = confirm.asked[0]
    assert (action, count, near) == ("hardlink", 3, 0) and "hard link" in text and "undo" in text
    assert {o.path for o in blocker.args[0].done} == marked
    for g in groups:
        assert len({os.stat(m.path).st_ino for m in g.members}) == 1  # every path in place, sharing the inode
    assert window.model.rowCount() == 0 and window.menu_actions.undo.isEnabled()
    assert [r["status"] for r in read_log()].count("done") == 3
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000):
        window.menu_actions.undo.trigger()
    assert all(os.stat(p).st_nlink == 1 for p in marked)
    assert window.model.rowCount() == 2 and not window.menu_actions.undo.isEnabled()


def test_symbolic_links_resolve_to_the_kept_copy(qtbot, window, photos):
    window.file_actions.confirm = Confirm()
    scan(qtbot, window, photos)
    keepers = {m.path: g.keeper for g in window.model.groups for m in g.members}
    window.marks.auto_mark("suggested")
    marked = set(window.model.marked)
    with qtbot.waitSignal(window.file_actions.actionFinished, timeout=10000):
        window.menu_actions.symlink.trigger()
    assert all(os.path.islink(p) and os.path.realpath(p) == keepers[p] for p in marked)


def test_near_duplicates_are_not_linked_and_the_user_is_told(qtbot, window, tmp_path):
    confirm = Confirm()
    window.file_actions.confirm = confirm
    result = fake_result(tmp_path)
    window.results.load(regroup(result, 0.8), ScanSettings())
    window.model.set_marks({m.path for g in window.model.groups for m in g.members if m.path != g.keeper})
    marked = set(window.model.marked)
    assert marked and not window.file_actions.link_marked("hardlink")
    assert confirm.asked == [] and "None of the marked files is byte-identical" in window.messages.banner.text()
    assert all(os.stat(p).st_nlink == 1 for p in result.catalog)


def test_the_confirmation_says_what_near_duplicates_would_lose():
    text = confirmation_text("symlink", 2, 2_000_000, near=1)
    assert "Replace 2 files" in text and "1 file marked differs" in text and "lose their own pixels" in text
    assert "breaks if the kept copy is later moved or deleted" in text


def test_start_up_settles_an_action_a_crash_interrupted(qtbot, tmp_path, trash):
    from gui.mainwindow import MainWindow
    from gui.settings import AppSettings

    src, dest = tmp_path / "lib" / "a.png", tmp_path / "to" / "a.png"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"moved before the crash")  # moved; the done line never written
    log = default_log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    intent = {"batch": "b", "n": 0, "action": "move", "status": "intent", "path": str(src), "dest": str(dest)}
    log.write_text(json.dumps(intent) + "\n")
    window = MainWindow(settings=AppSettings(exact_only=True, use_cache=False), trash=trash, save=False)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: any("interrupted" in t for t in window.messages.problems.message_texts()), timeout=5000)
        assert read_log()[-1]["status"] == "done" and read_log()[-1]["recovered"] is True
    finally:
        window.shutdown()
