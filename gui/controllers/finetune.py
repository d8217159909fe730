"""Model › Improve the model… and Model › Model versions…: what a fine-tuning run learns from, one run at a time.

A run learns from every labelled pair and mixes in the last scan's files as library photos (see the README);
the dialogs in :mod:`gui.dialogs.models_dialog` show its progress and the versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from engine.labels import LabelStore
from gui.controllers.results import ResultsController
from gui.dialogs.models_dialog import FinetuneFn, ImproveDialog, ModelsDialog
from gui.settings import SettingsStore
from gui.views.messages import Messages
from gui.workers import TaskRunner

if TYPE_CHECKING:
    from engine.learn.finetune_types import FinetuneConfig


class FinetuneController(QObject):
    """``finetune`` stands in for ``engine.learn.finetune.finetune`` (a test holds it to cancel at a known point)."""

    def __init__(
        self,
        runner: TaskRunner,
        labels: LabelStore,
        results: ResultsController,
        settings: SettingsStore,
        messages: Messages,
        finetune: FinetuneFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.labels, self.results = runner, labels, results
        self.settings, self.messages, self.dialog_parent = settings, messages, parent
        self._finetune = finetune
        self.improve_dialog: ImproveDialog | None = None
        self.versions_dialog: ModelsDialog | None = None

    def improve(self, config: FinetuneConfig | None = None) -> ImproveDialog:
        """Open the progress dialog and start fine-tuning on a worker; while one runs, show it instead."""
        from engine.learn.finetune import finetune
        from engine.learn.finetune_types import FinetuneConfig

        running = self.improve_dialog
        if running is not None and running.task is not None:
            running.show()
            running.raise_()
            return running
        dialog = ImproveDialog(self.runner, self.messages.status, self.dialog_parent)
        self.improve_dialog = dialog
        dialog.show()
        scan = self.results.scan_result
        library = list(scan.catalog) if scan is not None else []
        config = config or FinetuneConfig(device=self.settings.current.device)
        dialog.start(self.labels.pairs(), library, config, self._finetune or finetune)
        return dialog

    def show_versions(self) -> ModelsDialog:
        self.versions_dialog = ModelsDialog(self.dialog_parent)
        self.versions_dialog.show()
        return self.versions_dialog
