"""The panel for skipped files and messages (errors, files left alone by an action): never a traceback dialog."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.results import SkippedFile

translate = QCoreApplication.translate


class ProblemsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Problems", "Skipped files and messages — Doppel"))
        self.tabs = QTabWidget(self)
        self.skipped = QTableWidget(0, 2, self)
        self.skipped.setHorizontalHeaderLabels(["File", "Why it was skipped"])
        self.skipped.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.skipped.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.skipped.verticalHeader().hide()
        self.messages = QListWidget(self)
        self.tabs.addTab(self.skipped, translate("Problems", "Skipped files (0)"))
        self.tabs.addTab(self.messages, translate("Problems", "Messages (0)"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(900, 480)

    def set_skipped(self, skipped: tuple[SkippedFile, ...] | list[SkippedFile]) -> None:
        self.skipped.setRowCount(len(skipped))
        for row, s in enumerate(skipped):
            self.skipped.setItem(row, 0, QTableWidgetItem(s.path))
            self.skipped.setItem(row, 1, QTableWidgetItem(s.reason))
        self.tabs.setTabText(0, translate("Problems", "Skipped files ({count})").format(count=len(skipped)))

    def add_message(self, text: str) -> None:
        self.messages.addItem(f"{time.strftime('%H:%M:%S')}  {text}")
        self.messages.scrollToBottom()
        self.tabs.setTabText(1, translate("Problems", "Messages ({count})").format(count=self.messages.count()))

    def message_texts(self) -> list[str]:
        return [self.messages.item(n).text().split("  ", 1)[1] for n in range(self.messages.count())]

    def counts(self) -> tuple[int, int]:
        return self.skipped.rowCount(), self.messages.count()
