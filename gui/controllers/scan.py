"""Scan with progress and cancel: the engine scan runs on the task runner, one at a time.

The result goes out as ``resultReady`` (the window shows it through the results controller) before
``scanEnded("done")``, so whoever waits for the end finds the groups in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from engine.labels import LabelStore
from engine.results import ScanResult
from engine.settings import ScanSettings
from gui.format import human_duration
from gui.scanning import ScanService
from gui.settings import SettingsStore
from gui.signals import emit
from gui.views.messages import Messages
from gui.views.progress_panel import ProgressPanel
from gui.workers import TaskHandle, TaskRunner

translate = QCoreApplication.translate


def _nothing() -> None:
    pass


class EscapeCancels(QObject):
    """While installed on the application, Esc anywhere in ``window`` cancels, whatever has focus.

    The menu's Esc shortcut alone is not enough: after a menu is opened and closed, the menu bar keeps the
    keyboard and takes the next Esc itself. An open menu or a dialog still gets its own Esc first.
    """

    def __init__(self, window: QWidget, cancel: Callable[[], None]) -> None:
        super().__init__(window)
        self.window, self.cancel = window, cancel

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
            and isinstance(obj, QWidget)
            and obj.window() is self.window
            and QApplication.activePopupWidget() is None
            and QApplication.activeModalWidget() is None
        ):
            self.cancel()  # the key still goes on, so a menu bar left in keyboard mode leaves it too
        return False


class ScanController(QObject):
    scanningChanged = Signal(bool)
    resultReady = Signal(object, object)  # ScanResult, the ScanSettings it was made with
    scanEnded = Signal(str)  # "done" | "cancelled" | "failed"

    def __init__(
        self,
        runner: TaskRunner,
        service: ScanService,
        labels: LabelStore,
        settings: SettingsStore,
        progress: ProgressPanel,
        messages: Messages,
        before_scan: Callable[[], None] = _nothing,
        window: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``before_scan`` runs first on each start: the window copies edits not yet committed (the exclude
        field) into the settings. While a scan runs, Esc anywhere in ``window`` cancels it."""
        super().__init__(parent)
        self.runner, self.service, self.labels = runner, service, labels
        self.settings, self.progress, self.messages = settings, progress, messages
        self.before_scan = before_scan
        self.task: TaskHandle | None = None
        self._scan_settings: ScanSettings | None = None  # those of the scan running or last run
        self._gen = 0
        self._told: set[str] = set()  # scan warnings already in the Messages panel: each is said once a session
        progress.cancelRequested.connect(self.cancel)
        self._escape = EscapeCancels(window, self.cancel) if window is not None else None
        self.scanningChanged.connect(self._watch_escape)

    @property
    def scanning(self) -> bool:
        return self.task is not None

    def start(self) -> bool:
        if self.scanning:
            return False
        self.before_scan()
        if not self.settings.current.folders:
            self.messages.error(
                translate("Scan", "Add at least one folder to scan (button, File menu, or drop a folder on the list).")
            )
            return False
        self.messages.hide_banner()
        settings = self.settings.current.to_scan_settings(frozenset(self.labels.not_duplicate_pairs()))
        self._scan_settings = settings
        self._gen += 1
        gen = self._gen
        labels = self.labels
        started = time.monotonic()
        self.progress.start("Starting the scan…")
        emit(self.scanningChanged, True)
        self.task = self.runner.run(
            "scan",
            lambda p: self.service.scan(settings, p, labels),
            on_done=lambda result: self._done(gen, settings, result, started),
            on_error=lambda message: self._failed(gen, message),
            on_progress=lambda phase, done, total: (
                gen == self._gen and self.progress.update_progress(phase, done, total)
            ),
            on_cancel=lambda: None,
        )
        return True

    def preload(self) -> None:
        """Load the network in the background while the user picks folders; a failure shows up at scan time."""
        settings = self.settings.current.to_scan_settings()
        self.runner.run("preload", lambda p: self.service.preload(settings, p), on_error=lambda _msg: None)

    def cancel(self) -> None:
        """The token stops the engine at its next check; the window is usable again at once either way."""
        if self.task is None:
            return
        self.task.cancel()
        self._gen += 1  # whatever the cancelled scan still posts is ignored
        self._stopped()
        cached = self._scan_settings is not None and self._scan_settings.use_cache
        self.messages.status(
            (
                translate("Scan", "Scan cancelled; what was analysed is cached for the next scan.")
                if cached
                else translate("Scan", "Scan cancelled.")
            ),
            8000,
        )
        emit(self.scanEnded, "cancelled")

    def _watch_escape(self, scanning: bool) -> None:
        app = QApplication.instance()
        if self._escape is not None and app is not None:
            if scanning:
                app.installEventFilter(self._escape)
            else:
                app.removeEventFilter(self._escape)

    def _stopped(self) -> None:
        self.task = None
        self.progress.finish()
        emit(self.scanningChanged, False)

    def _failed(self, gen: int, message: str) -> None:
        if gen != self._gen:
            return
        self._stopped()
        self.messages.error(translate("Scan", "The scan failed: {message}").format(message=message))
        emit(self.scanEnded, "failed")

    def _done(self, gen: int, settings: ScanSettings, result: ScanResult, started: float) -> None:
        if gen != self._gen:
            return
        self._stopped()
        emit(self.resultReady, result, settings)
        news = [w for w in result.warnings if w not in self._told]
        for warning in news:  # the cache set aside, read-only or in memory: the panel keeps the details
            self.messages.add_message(warning)
        self._told.update(news)
        text = translate("Scan", "Scanned {files} files in {time}: {groups} groups").format(
            files=f"{result.files_scanned:,}",
            time=human_duration(time.monotonic() - started),
            groups=len(result.groups),
        )
        if result.skipped:
            text += translate("Scan", ", {count} skipped").format(count=len(result.skipped))
        if news:
            text += translate("Scan", " (see Messages about the cache)")
        self.messages.status(text, 15000)
        emit(self.scanEnded, "done")
