"""Where the window's parts tell the user things: the status bar, the red banner, and the Skipped / Messages panel.

Controllers receive one :class:`Messages` instead of the window, so they can be built in a test with a list
standing in for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from engine.results import SkippedFile
from gui.dialogs.problems import ProblemsDialog
from gui.theme import banner_style, is_dark


class Banner(QLabel):
    """The red error line above the results, restyled when the palette turns light or dark."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._dark = is_dark()
        self.setStyleSheet(banner_style())
        app = QGuiApplication.instance()
        if app is not None:  # a label with a style sheet is not told of the app's palette itself
            app.paletteChanged.connect(self._restyle)

    def _restyle(self, *_palette) -> None:
        # the app's palette, not this label's (its style sheet changes that, and would call this again)
        if is_dark() != self._dark:
            self._dark = is_dark()
            self.setStyleSheet(banner_style())

    def showEvent(self, event) -> None:  # a hidden label may miss the palette's change
        self._restyle()
        super().showEvent(event)


class Messages(QObject):
    """``status`` for passing news, ``error`` for what went wrong (banner, panel, status bar), ``add_message``
    for the panel only. The window places ``banner`` above the results and ``button`` in the status bar."""

    def __init__(self, show_status: Callable[[str, int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._show_status = show_status
        self.banner = Banner(parent)
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
        self.button.setText(
            self.tr("Skipped: {skipped} · Messages: {messages}").format(skipped=skipped, messages=messages)
        )
