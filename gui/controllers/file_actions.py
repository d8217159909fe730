"""Trash / move / replace by links / undo of the marked files, on the task runner so the GUI never waits on the disk.

The work is in ``engine.fileops``, which re-checks each file against the scan first, never removes the last
member of a group and journals every step; a file it leaves alone is listed in the Messages panel. At start-up
:meth:`FileActionsController.recover` settles what a crash interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.fileops import ActionReport, TrashFn, byte_copies, link_files, move_files, recover, trash_files, undo
from engine.results import Member
from gui.controllers.results import ResultsController
from gui.dialogs.confirm import confirm_action
from gui.format import human_bytes
from gui.itemmodels.results_model import ResultsModel
from gui.settings import SettingsStore
from gui.signals import emit
from gui.views.folder_panel import pictures_folder
from gui.views.messages import Messages
from gui.workers import TaskHandle, TaskRunner, ThumbnailLoader

translate = QCoreApplication.translate

VERBS = {
    "trash": QT_TRANSLATE_NOOP("FileActions", "Moved to the trash"),
    "move": QT_TRANSLATE_NOOP("FileActions", "Moved"),
    "hardlink": QT_TRANSLATE_NOOP("FileActions", "Replaced by hard links"),
    "symlink": QT_TRANSLATE_NOOP("FileActions", "Replaced by symbolic links"),
}
UNDO_VERBS = {
    "trash": QT_TRANSLATE_NOOP("FileActions", "Restored from the trash"),
    "move": QT_TRANSLATE_NOOP("FileActions", "Moved back"),
    "hardlink": QT_TRANSLATE_NOOP("FileActions", "Given their own copies back"),
    "symlink": QT_TRANSLATE_NOOP("FileActions", "Given their own copies back"),
}


class FileActionsController(QObject):
    """``confirm(parent, action, count, size, dest="")`` asks before files are touched (link actions also pass
    ``near=``, the marked files that are not byte copies); ``trash`` stands in for send2trash (None: the system
    trash). Dialogs open over ``parent``."""

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
        self.last_undoable: list[dict] = []  # the done records of the last action, what Undo takes
        self.task: TaskHandle | None = None

    def _marked_or_say(self) -> list[Member]:
        members = self.model.marked_members()
        if not members:
            self.messages.status(
                translate("FileActions", "Nothing is marked. Mark files with Space or Delete, or use Auto-mark."), 5000
            )
        return members

    def _busy(self) -> bool:
        if self.task is not None and self.task.running:
            self.messages.status(translate("FileActions", "Another file action is still running."), 5000)
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
        start = self.settings.current.last_move_folder or pictures_folder()
        return QFileDialog.getExistingDirectory(
            self.dialog_parent, translate("FileActions", "Move marked files to"), start
        )

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

    def link_marked(self, kind: str) -> bool:
        """Replace the marked files by hard (``kind="hardlink"``) or symbolic links to the copy their group keeps.

        Only byte copies: the confirmation says how many marked files differ from their keeper and are skipped.
        """
        members = self._marked_or_say()
        if not members or self._busy():
            return False
        groups = self.model.groups
        exact = byte_copies(groups, (m.path for m in members))
        near = len(members) - len(exact)
        if not exact:
            self.messages.warn(
                translate(
                    "FileActions",
                    "None of the marked files is byte-identical to the copy its group keeps: a link would lose their "
                    "own pixels. Move them to the trash instead.",
                )
            )
            return False
        size = sum(m.size for m in members if m.path in exact)
        if not self.confirm(self.dialog_parent, kind, len(exact), size, near=near):
            return False
        trash, protected = self.trash, self.settings.current.protected_folders
        self._run(kind, lambda p: link_files(members, groups, kind=kind, trash=trash, protected=protected, progress=p))
        return True

    def undo_move(self) -> bool:
        """Undo the last trash (where the trash's place is known), move or link replacement."""
        if not self.last_undoable or self._busy():
            return False
        records = list(self.last_undoable)
        self._run("undo", lambda p: undo(records, progress=p))
        return True

    def recover(self) -> None:
        """Settle what a crash interrupted (from the action log), off the GUI thread; say so only if anything was."""

        def done(outcomes) -> None:
            for o in outcomes:
                self.messages.add_message(
                    translate("FileActions", "Recovered after an interrupted action: {message}").format(
                        message=o.message
                    )
                )
            if outcomes:
                self.messages.status(
                    translate(
                        "FileActions", "Settled {count} file actions a crash had interrupted (see Messages)."
                    ).format(count=len(outcomes))
                )

        self.runner.run("recover", lambda _p: recover(), on_done=done, on_error=self.messages.error)

    def _run(self, name: str, work: Callable) -> None:
        self.task = self.runner.run(name, work, on_done=self._done, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.task = None
        self.messages.error(message)
        emit(self.actionFinished, None)

    def _done(self, report: ActionReport) -> None:
        self.task = None
        undoing = report.action == "undo"
        if undoing:
            verb = (
                translate("FileActions", UNDO_VERBS[self.last_undoable[0]["action"]])
                if self.last_undoable
                else translate("FileActions", "Put back")
            )
            restored = {o.dest for o in report.done if o.dest}
            self.results.files_restored(restored)
            self.last_undoable = [r for r in self.last_undoable if r["path"] not in restored]
        else:
            verb = translate("FileActions", VERBS[report.action])
            gone = {o.path for o in report.done}
            self.results.files_removed(gone)
            for loader in self.loaders:
                loader.forget(gone)
            if report.done:  # Undo is for the last action that did something
                self.last_undoable = report.undoable
        emit(self.undoAvailable, bool(self.last_undoable))
        for o in report.recovered:
            self.messages.add_message(
                translate("FileActions", "Recovered after an interrupted action: {message}").format(message=o.message)
            )
        for o in report.skipped:
            self.messages.add_message(o.message)
        self.model.set_marks(self.model.marked - {o.path for o in report.done})
        self.results.refresh_groups()
        size = sum(self.results.size_of(o.dest if undoing else o.path) for o in report.done)
        text = translate("FileActions", "{verb}: {count} files ({size}).").format(
            verb=verb, count=len(report.done), size=human_bytes(size)
        )
        if report.skipped:
            skipped = translate("FileActions", "{count} skipped (see Messages): {reason}").format(
                count=len(report.skipped), reason=report.skipped[0].message
            )
            self.messages.warn(f"{text} {skipped}")
        else:
            self.messages.status(text, 10000)
        emit(self.actionFinished, report)
