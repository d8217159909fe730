"""Trash / move / undo of the marked files, on the task runner so the GUI never waits on the disk.

The work is in ``engine.fileops``, which re-checks each file against the scan first and never removes the last
member of a group; a file it leaves alone is listed in the Messages panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.fileops import ActionReport, TrashFn, move_files, trash_files, undo_moves
from engine.results import Member
from gui.controllers.results import ResultsController
from gui.dialogs.confirm import confirm_action
from gui.format import human_bytes
from gui.itemmodels.results_model import ResultsModel
from gui.settings import SettingsStore
from gui.signals import emit
from gui.views.messages import Messages
from gui.workers import TaskHandle, TaskRunner, ThumbnailLoader

VERBS = {"trash": "Moved to the trash", "move": "Moved", "undo-move": "Moved back"}


class FileActionsController(QObject):
    """``confirm(parent, action, count, size, dest="")`` asks before files are touched; ``trash`` stands in for
    send2trash (None: the system trash). Dialogs open over ``parent``."""

    actionFinished = Signal(object)  # engine.fileops.ActionReport, or None when the action failed
    undoAvailable = Signal(bool)

    def __init__(
        self,
        model: ResultsModel,
        runner: TaskRunner,
        results: ResultsController,
        settings: SettingsStore,
        messages: Messages,
        loaders: Sequence[ThumbnailLoader] = (),
        confirm: Callable[..., bool] = confirm_action,
        trash: TrashFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.runner, self.results = model, runner, results
        self.settings, self.messages, self.loaders = settings, messages, tuple(loaders)
        self.confirm, self.trash, self.dialog_parent = confirm, trash, parent
        self.last_moves: list[tuple[str, str]] = []
        self.task: TaskHandle | None = None

    def _marked_or_say(self) -> list[Member]:
        members = self.model.marked_members()
        if not members:
            self.messages.status("Nothing is marked. Mark files with Space or Delete, or use Auto-mark.", 5000)
        return members

    def _busy(self) -> bool:
        if self.task is not None and self.task.running:
            self.messages.status("Another file action is still running.", 5000)
            return True
        return False

    def trash_marked(self) -> bool:
        members = self._marked_or_say()
        if not members or self._busy():
            return False
        if not self.confirm(self.dialog_parent, "trash", len(members), sum(m.size for m in members)):
            return False
        groups, trash, protected = self.model.groups, self.trash, self.settings.current.protected_folders
        self._run("trash", lambda p: trash_files(members, groups, trash=trash, protected=protected, progress=p))
        return True

    def choose_move_folder(self) -> str:
        start = self.settings.current.last_move_folder
        return QFileDialog.getExistingDirectory(self.dialog_parent, "Move marked files to", start)

    def move_marked(self, dest: str | None = None) -> bool:
        members = self._marked_or_say()
        if not members or self._busy():
            return False
        dest = dest or self.choose_move_folder()
        if not dest:
            return False
        if not self.confirm(self.dialog_parent, "move", len(members), sum(m.size for m in members), dest):
            return False
        self.settings.current.last_move_folder = dest
        self.settings.save()
        groups, protected = self.model.groups, self.settings.current.protected_folders
        self._run("move", lambda p: move_files(members, dest, groups, protected=protected, progress=p))
        return True

    def undo_move(self) -> bool:
        if not self.last_moves or self._busy():
            return False
        moves = list(self.last_moves)
        self._run("undo", lambda _p: undo_moves(moves))
        return True

    def _run(self, name: str, work: Callable) -> None:
        self.task = self.runner.run(name, work, on_done=self._done, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.task = None
        self.messages.error(message)
        emit(self.actionFinished, None)

    def _done(self, report: ActionReport) -> None:
        self.task = None
        if report.action == "undo-move":
            restored = {o.dest for o in report.done if o.dest}
            self.results.files_restored(restored)
            self.last_moves = [(a, b) for a, b in self.last_moves if a not in restored]
        else:
            gone = {o.path for o in report.done}
            self.results.files_removed(gone)
            for loader in self.loaders:
                loader.forget(gone)
            if report.action == "move":
                self.last_moves = report.moves
        emit(self.undoAvailable, bool(self.last_moves))
        for o in report.skipped:
            self.messages.add_message(o.message)
        self.model.set_marks(self.model.marked - {o.path for o in report.done})
        self.results.refresh_groups()
        undo = report.action == "undo-move"
        size = sum(self.results.size_of(o.dest if undo else o.path) for o in report.done)
        text = f"{VERBS[report.action]}: {len(report.done)} files ({human_bytes(size)})."
        if report.skipped:
            self.messages.warn(text + f" {len(report.skipped)} skipped (see Messages): {report.skipped[0].message}")
        else:
            self.messages.status(text, 10000)
        emit(self.actionFinished, report)
