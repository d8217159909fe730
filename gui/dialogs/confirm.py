"""Confirmation before files are touched: says how many and how many bytes, and where they go."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.format import human_bytes


def confirmation_text(action: str, count: int, size: int, dest: str = "") -> str:
    files = f"{count} file{'s' if count != 1 else ''} ({human_bytes(size)})"
    if action == "trash":
        return (
            f"Move {files} to the system trash?\n\nEach file is checked again first; a file that changed "
            "since the scan is skipped."
        )
    return f"Move {files} to\n{dest}?\n\nYou can undo the move afterwards (Actions ▸ Undo move)."


def confirm_action(parent: QWidget | None, action: str, count: int, size: int, dest: str = "") -> bool:
    title = "Move to trash" if action == "trash" else "Move files"
    answer = QMessageBox.question(
        parent,
        title,
        confirmation_text(action, count, size, dest),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
