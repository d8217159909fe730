"""Where the window's parts tell the user things: the status bar, the red banner, and the Skipped / Messages panel.

Controllers receive one :class:`Messages` instead of the window, so they can be built in a test with a list
standing in for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from engine.results import SkippedFile
from gui.dialogs.problems import ProblemsDialog

BANNER_STYLE = "background: #fbe3e4; color: #8a1f11; padding: 6px; border: 1px solid #e8a0a0;"


class Messages(QObject):
    """``status`` for passing news, ``error`` for what went wrong (banner, panel, status bar), ``add_message``
    for the panel only. The window places ``banner`` above the results and ``button`` in the status bar."""

    def __init__(self, show_status: Callable[[str, int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._show_status = show_status
        self.banner = QLabel(parent)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.problems = ProblemsDialog(parent)
        self.button = QPushButton(parent)
        self.button.setFlat(True)
        self.button.clicked.connect(self.show_problems)
        self._update_button()

    def status(self, text: str, timeout_ms: int = 5000) -> None:
        self._show_status(text, timeout_ms)

    def error(self, text: str) -> None:
        self.problems.add_message(text)
        self._update_button()
        self.warn(text)

    def warn(self, text: str) -> None:
        """Banner and status bar, for a summary whose details are already in the panel."""
        self.banner.setText(text)
        self.banner.show()
        self.status(text, 10000)

    def add_message(self, text: str) -> None:
        self.problems.add_message(text)
        self._update_button()

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        self.problems.set_skipped(skipped)
        self._update_button()

    def hide_banner(self) -> None:
        self.banner.hide()

    def show_problems(self) -> None:
        self.problems.show()
        self.problems.raise_()

    def _update_button(self) -> None:
        skipped, messages = self.problems.counts()
        self.button.setText(f"Skipped: {skipped} · Messages: {messages}")
