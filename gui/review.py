"""The main window's reviewing half: marks, trash / move / undo, pair labels and the compare view.

A mixin for :class:`gui.mainwindow.MainWindow`; the work itself is in ``engine.marking``, ``engine.fileops`` and
``engine.labels``, run on the window's :class:`~gui.workers.TaskRunner` so the GUI never waits on the disk.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine.fileops import ActionReport, move_files, trash_files, undo_moves
from engine.marking import auto_mark
from engine.results import Member
from gui.format import human_bytes
from gui.signals import emit
from gui.views.compare_view import CompareView

if TYPE_CHECKING:
    from gui.mainwindow import MainWindow

    _Base = MainWindow
else:
    _Base = object


class ReviewMixin(_Base):
    compare: CompareView | None
    last_moves: list[tuple[str, str]]
    action_task: object | None

    # ---- marks -----------------------------------------------------------------------------------------------
    def auto_mark(self, rule: str | None = None) -> int:
        rule = rule or self.settings.mark_rule
        marks = auto_mark(self.model.groups, rule, self.settings.preferred_folders, self.settings.protected_folders)
        self.model.set_marks(marks)
        self.statusBar().showMessage(f"Marked {len(self.model.marked)} files, keeping one per group.", 5000)
        return len(self.model.marked)

    def clear_marks(self) -> None:
        self.model.set_marks(())

    def toggle_current_mark(self) -> None:
        m = self.current_member()
        if m is not None:
            self.model.toggle_mark(m.path)

    def mark_current(self) -> None:
        """Mark and move on to the next member, so Delete, Delete, ... walks through a group."""
        m = self.current_member()
        if m is None:
            return
        if self.model.set_mark(m.path, True):
            row = self.group_view.currentIndex().row()
            self.group_view.set_current_row(row + 1)

    # ---- file actions ----------------------------------------------------------------------------------------
    def _marked_or_say(self) -> list[Member]:
        members = self.model.marked_members()
        if not members:
            self.statusBar().showMessage("Nothing is marked. Mark files with Space or Delete, or use Auto-mark.", 5000)
        return members

    def _busy_with_action(self) -> bool:
        if self.action_task is not None and self.action_task.running:
            self.statusBar().showMessage("Another file action is still running.", 5000)
            return True
        return False

    def trash_marked(self) -> bool:
        members = self._marked_or_say()
        if not members or self._busy_with_action():
            return False
        if not self.confirm(self, "trash", len(members), sum(m.size for m in members)):
            return False
        groups, trash, protected = self.model.groups, self.trash, self.settings.protected_folders
        self.action_task = self.runner.run(
            "trash",
            lambda p: trash_files(members, groups, trash=trash, protected=protected, progress=p),
            on_done=self._action_done,
            on_error=self._action_failed,
        )
        return True

    def choose_move_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Move marked files to", self.settings.last_move_folder)

    def move_marked(self, dest: str | None = None) -> bool:
        members = self._marked_or_say()
        if not members or self._busy_with_action():
            return False
        dest = dest or self.choose_move_folder()
        if not dest:
            return False
        if not self.confirm(self, "move", len(members), sum(m.size for m in members), dest):
            return False
        self.settings.last_move_folder = dest
        self.save_settings()
        groups, protected = self.model.groups, self.settings.protected_folders
        self.action_task = self.runner.run(
            "move",
            lambda p: move_files(members, dest, groups, protected=protected, progress=p),
            on_done=self._action_done,
            on_error=self._action_failed,
        )
        return True

    def undo_move(self) -> bool:
        if not self.last_moves or self._busy_with_action():
            return False
        moves = list(self.last_moves)
        self.action_task = self.runner.run(
            "undo", lambda _p: undo_moves(moves), on_done=self._action_done, on_error=self._action_failed
        )
        return True

    def _action_failed(self, message: str) -> None:
        self.action_task = None
        self.show_error(message)
        emit(self.actionFinished, None)

    def _action_done(self, report: ActionReport) -> None:
        self.action_task = None
        if report.action == "undo-move":
            restored = {o.dest for o in report.done if o.dest}
            self.removed -= restored
            self.last_moves = [(a, b) for a, b in self.last_moves if a not in restored]
        else:
            gone = {o.path for o in report.done}
            self.removed |= gone
            self.thumbs.forget(gone)
            self.full_images.forget(gone)
            if report.action == "move":
                self.last_moves = report.moves
        self.undo_action.setEnabled(bool(self.last_moves))
        for o in report.skipped:
            self.problems.add_message(o.message)
        self._update_problems_button()
        self.model.set_marks(self.model.marked - {o.path for o in report.done})
        self.refresh_groups()
        verb = {"trash": "Moved to the trash", "move": "Moved", "undo-move": "Moved back"}[report.action]
        size = sum(self._size_of(o.dest if report.action == "undo-move" else o.path) for o in report.done)
        text = f"{verb}: {len(report.done)} files ({human_bytes(size)})."
        if report.skipped:
            text += f" {len(report.skipped)} skipped (see Messages): {report.skipped[0].message}"
            self.banner.setText(text)
            self.banner.show()
        self.statusBar().showMessage(text, 10000)
        emit(self.actionFinished, report)

    def _size_of(self, path: str) -> int:
        m = self.scan_result.catalog.get(path) if self.scan_result else None
        return m.size if m else 0

    # ---- pairs -----------------------------------------------------------------------------------------------
    def current_pair(self) -> tuple[Member, Member] | None:
        """The keeper and the current member (the reference, or the next member, when the keeper is current)."""
        row = self.current_group_row()
        m = self.current_member()
        if row < 0 or m is None:
            return None
        g = self.model.group(row)
        keeper = next(x for x in g.members if x.path == g.keeper)
        if m.path != keeper.path:
            return keeper, m
        other = next((x for x in g.members if x.path == g.reference and x.path != m.path), None)
        other = other or next((x for x in g.members if x.path != m.path), None)
        return (m, other) if other else None

    def open_compare(self) -> CompareView | None:
        pair = self.current_pair()
        if pair is None:
            return None
        if self.compare is None:
            self.compare = CompareView(self.full_images, self.runner, self)
            self.compare.setWindowFlag(Qt.WindowType.Window, True)
            self.compare.notDuplicate.connect(lambda a, b: self.label_pair(a, b, False))
            self.compare.isDuplicate.connect(lambda a, b: self.label_pair(a, b, True))
        self.compare.set_pair(*pair)
        self.compare.show()
        self.compare.raise_()
        return self.compare

    def label_current(self, is_duplicate: bool) -> None:
        pair = self.current_pair()
        if pair is not None:
            self.label_pair(pair[0].path, pair[1].path, is_duplicate)

    def label_pair(self, a: str, b: str, is_duplicate: bool) -> None:
        """Store the label (hashing both files, on a pool thread); "not a duplicate" also splits the group now."""
        store = self.labels

        def done(_pair) -> None:
            names = f"{os.path.basename(a)} and {os.path.basename(b)}"
            if is_duplicate:
                self.statusBar().showMessage(f"Remembered: {names} are duplicates.", 5000)
            else:
                self.not_duplicates.add(frozenset((a, b)))
                self.statusBar().showMessage(
                    f"Remembered: {names} are not duplicates; they will not be grouped again.", 8000
                )
                self.refresh_groups()
            emit(self.labelStored, a, b, is_duplicate)

        self.runner.run(
            "label",
            lambda _p: store.add(a, b, is_duplicate),
            on_done=done,
            on_error=lambda msg: self.show_error(f"Could not store the label: {msg}"),
        )
