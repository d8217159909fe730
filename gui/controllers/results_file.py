"""File > Save results / Open results / Export as CSV: the results under review written to disk and read back.

Saving writes the groups as shown (keepers, marks, the threshold) in the ``scan --groups-json`` format that
``apply`` reads (``engine.resultsfile``); opening re-checks every file on the task runner and shows what is still
there as if a scan had just found it, with the marks it was saved with.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from engine.fileops import without_paths
from engine.resultsfile import OpenedResults, open_results, results_document, write_document, write_members_csv
from gui.controllers.results import ResultsController
from gui.itemmodels.results_model import ResultsModel
from gui.settings import SettingsStore
from gui.signals import emit
from gui.views.messages import Messages
from gui.workers import TaskHandle, TaskRunner

translate = QCoreApplication.translate

AskPath = Callable[[str, str], str]
"""(kind: "save" | "open" | "csv", suggested path) -> the chosen path, "" when the user cancelled."""

FILTERS = {
    "save": QT_TRANSLATE_NOOP("ResultsFile", "Doppel results (*.json);;All files (*)"),
    "open": QT_TRANSLATE_NOOP("ResultsFile", "Doppel results (*.json);;All files (*)"),
    "csv": QT_TRANSLATE_NOOP("ResultsFile", "CSV (*.csv);;All files (*)"),
}


def ask_with_dialog(parent: QWidget | None) -> AskPath:
    def ask(kind: str, suggested: str) -> str:
        if kind == "open":
            path, _ = QFileDialog.getOpenFileName(
                parent, translate("ResultsFile", "Open results"), suggested, translate("ResultsFile", FILTERS[kind])
            )
        else:
            title = (
                translate("ResultsFile", "Save results")
                if kind == "save"
                else translate("ResultsFile", "Export as CSV")
            )
            path, _ = QFileDialog.getSaveFileName(parent, title, suggested, translate("ResultsFile", FILTERS[kind]))
        return path

    return ask


class ResultsFileController(QObject):
    """``opened(OpenedResults, ScanSettings)``: the window shows it as it shows a finished scan, then the marks."""

    opened = Signal(object, object)

    def __init__(
        self,
        model: ResultsModel,
        results: ResultsController,
        runner: TaskRunner,
        settings: SettingsStore,
        messages: Messages,
        ask: AskPath,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.results, self.runner, self.settings, self.messages = model, results, runner, settings, messages
        self.ask = ask
        self.path: str | None = None  # the results file last saved or opened: Save writes there again
        self.task: TaskHandle | None = None

    @property
    def has_results(self) -> bool:
        return self.results.scan_result is not None

    def _choose(self, kind: str, path: str | None, default_name: str) -> str | None:
        if path:
            return path
        folder = os.path.dirname(self.path) if self.path else os.path.expanduser("~")
        chosen = self.ask(kind, os.path.join(folder, default_name))
        return chosen or None

    def save(self, path: str | None = None) -> bool:
        """Write the results to ``path``, else to the file last saved or opened, else to one the user picks."""
        return self.save_as(path or self.path)

    def save_as(self, path: str | None = None) -> bool:
        base = self.results.scan_result
        if base is None:
            self.messages.status(translate("ResultsFile", "Nothing to save yet: scan first."), 5000)
            return False
        path = self._choose("save", path, "doppel-results.json")
        if path is None:
            return False
        shown = replace(
            without_paths(base, self.results.removed | self.results.outside),
            groups=tuple(self.model.groups),
            threshold=self.results.threshold,
            not_duplicates=base.not_duplicates | self.results.not_duplicates,  # the labels given since
        )
        roots = self.results.roots or ()
        doc = results_document(shown, roots, self.model.marked, self.settings.current.raw_jpeg)
        try:
            write_document(doc, path)
        except OSError as exc:
            self.messages.error(
                translate("ResultsFile", "Could not save the results to {path}: {reason}").format(
                    path=path, reason=exc.strerror or exc
                )
            )
            return False
        self.path = path
        self.messages.status(
            translate("ResultsFile", "Saved {count} groups to {path}.").format(count=len(shown.groups), path=path), 8000
        )
        return True

    def export_csv(self, path: str | None = None) -> bool:
        """One row per member of the groups shown (all of them, whatever the filter hides)."""
        if not self.model.groups:
            self.messages.status(translate("ResultsFile", "No groups to export."), 5000)
            return False
        stem = os.path.splitext(os.path.basename(self.path))[0] if self.path else "doppel-results"
        path = self._choose("csv", path, f"{stem}.csv")
        if path is None:
            return False
        try:
            write_members_csv(path, self.model.groups, self.model.marked)
        except OSError as exc:
            self.messages.error(
                translate("ResultsFile", "Could not export to {path}: {reason}").format(
                    path=path, reason=exc.strerror or exc
                )
            )
            return False
        self.messages.status(
            translate("ResultsFile", "Exported {count} files to {path}.").format(
                count=sum(len(g.members) for g in self.model.groups), path=path
            ),
            8000,
        )
        return True

    def open(self, path: str | None = None) -> TaskHandle | None:
        """Read ``path`` (or one the user picks) and re-check its files off the GUI thread; ``opened`` follows."""
        if self.task is not None and self.task.running:
            return None
        path = self._choose("open", path, "")
        if path is None:
            return None
        rules = tuple(self.settings.current.keep_rules)
        self.task = self.runner.run(
            "open results",
            lambda progress: open_results(path, rules, progress),
            on_done=lambda opened: self._opened(path, opened),
            on_error=lambda msg: self.messages.error(
                translate("ResultsFile", "Could not open the results: {msg}").format(msg=msg)
            ),
        )
        return self.task

    def _opened(self, path: str, opened: OpenedResults) -> None:
        self.path = path
        roots = opened.roots or tuple(f.path for f in self.settings.current.folders)
        settings = replace(self.settings.current.to_scan_settings(), roots=roots)
        emit(self.opened, opened, settings)
        text = self.tr("Opened {count} groups from {name}.").format(
            count=len(opened.result.groups), name=os.path.basename(path)
        )
        dropped = len(opened.gone) + len(opened.changed)
        if dropped:
            text += self.tr(
                " {count} files were left out, gone ({gone}) or changed ({changed}) since the results were saved;"
                " scan again to see them as they are now."
            ).format(count=dropped, gone=len(opened.gone), changed=len(opened.changed))
            self.messages.add_message(text)
        self.messages.status(text, 15000)
