"""Scan progress in the status bar: phase, count, time left (estimated per phase) and a Cancel button."""

from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from engine.progress import Phase
from gui.format import human_duration
from gui.signals import emit

translate = QCoreApplication.translate

PHASE_NAMES = {
    "loading the model": QT_TRANSLATE_NOOP("ProgressPanel", "Loading the model"),
    Phase.DISCOVER: QT_TRANSLATE_NOOP("ProgressPanel", "Finding images"),
    Phase.HASH: QT_TRANSLATE_NOOP("ProgressPanel", "Comparing bytes"),
    Phase.EMBED: QT_TRANSLATE_NOOP("ProgressPanel", "Analysing images"),
    Phase.SEARCH: QT_TRANSLATE_NOOP("ProgressPanel", "Finding similar pairs"),
    Phase.VERIFY: QT_TRANSLATE_NOOP("ProgressPanel", "Checking close pairs"),
    Phase.GROUP: QT_TRANSLATE_NOOP("ProgressPanel", "Grouping"),
    Phase.TRASH: QT_TRANSLATE_NOOP("ProgressPanel", "Moving to the trash"),
    Phase.MOVE: QT_TRANSLATE_NOOP("ProgressPanel", "Moving files"),
}
MIN_ETA_SECONDS = 1.5  # no estimate until a phase has run this long: early rates are noise


def phase_title(phase: str) -> str:
    return translate("ProgressPanel", PHASE_NAMES[phase]) if phase in PHASE_NAMES else phase[:1].upper() + phase[1:]


class ProgressPanel(QWidget):
    cancelRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMinimumWidth(220)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(translate("ProgressPanel", "Cancel"), self)
        self.cancel_button.setToolTip(translate("ProgressPanel", "Stop the scan (Esc)"))
        self.cancel_button.clicked.connect(lambda: emit(self.cancelRequested))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._phase = ""
        self._phase_start = 0.0
        self._started = 0.0
        self.hide()

    def start(self, text: str = "Starting…") -> None:
        self._phase, self._started = "", time.monotonic()
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.show()

    def update_progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self._phase:
            self._phase, self._phase_start = phase, now
        if not done:  # nothing counted yet (the model loading, a first batch): "0 / 77" would look stuck
            self.bar.setRange(0, 0)
            self.label.setText(f"{phase_title(phase)}…" + (f" ({total:,})" if total else ""))
            return
        text = f"{phase_title(phase)}: {done:,}" + (f" / {total:,}" if total else "")
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            elapsed = now - self._phase_start
            if done and elapsed >= MIN_ETA_SECONDS and done < total:
                text += f" · about {human_duration(elapsed / done * (total - done))} left"
        else:
            self.bar.setRange(0, 0)
        self.label.setText(text)

    def cancelling(self) -> None:
        self.label.setText(translate("ProgressPanel", "Cancelling…"))
        self.cancel_button.setEnabled(False)

    def finish(self) -> None:
        self.hide()

    def elapsed(self) -> float:
        return time.monotonic() - self._started
