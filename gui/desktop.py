"""Handing a file to the desktop: the platform's file manager with the file shown, the default app, the clipboard.

``show_in_folder_command`` is plain Python (no Qt), so a test checks the command each platform gets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication


def show_in_folder_command(path: str, platform: str = sys.platform) -> list[str]:
    """The program and arguments that show ``path`` in the platform's file manager.

    Windows' Explorer and macOS' Finder select the file in its folder; on Linux and the other Unixes there is no
    common way to select one, so ``xdg-open`` opens the folder itself.
    """
    if platform.startswith("win"):
        return ["explorer", "/select,", os.path.normpath(path)]  # the comma is Explorer's; the path follows apart
    if platform == "darwin":
        return ["open", "-R", path]
    return ["xdg-open", os.path.dirname(path) or "."]


def start_detached(command: list[str]) -> bool:
    """Start ``command`` on its own (it outlives the app and leaves no zombie); False when it could not start."""
    ok, _pid = QProcess.startDetached(command[0], command[1:])
    return bool(ok)


def open_file(path: str) -> bool:
    """Open ``path`` in the app the desktop uses for its type."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


Launcher = Callable[[list[str]], bool]
