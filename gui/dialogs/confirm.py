"""Confirmation before files are touched: says how many and how many bytes, where they go, and what is lost."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.format import human_bytes

TITLES = {
    "trash": "Move to trash",
    "move": "Move files",
    "hardlink": "Replace with hard links",
    "symlink": "Replace with symbolic links",
}


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def link_text(kind: str, count: int, size: int, near: int) -> str:
    """Links: only byte copies are replaced; say plainly what happens to the others and what a link means."""
    link = "a hard link" if kind == "hardlink" else "a symbolic link"
    text = (
        f"Replace {_files(count)} ({human_bytes(size)}) with {link} to the copy their group keeps?\n\n"
        f"Each file stays where it is, as {link}, and the space its own copy took is freed. Only byte-identical "
        "copies are replaced; each is compared byte for byte first."
    )
    if near:
        text += (
            f"\n\n{_files(near)} marked {'differ' if near != 1 else 'differs'} from the copy kept (similar, not "
            "identical) and will be skipped: a link would lose their own pixels. Move those to the trash instead."
        )
    if kind == "hardlink":
        text += "\n\nHard links work only on the same drive as the kept copy; other files are skipped."
    else:
        text += "\n\nA symbolic link breaks if the kept copy is later moved or deleted."
    return text + "\n\nYou can undo this afterwards (Actions ▸ Undo): each file gets its own copy back."


def confirmation_text(action: str, count: int, size: int, dest: str = "", near: int = 0) -> str:
    if action in ("hardlink", "symlink"):
        return link_text(action, count, size, near)
    files = f"{_files(count)} ({human_bytes(size)})"
    if action == "trash":
        return (
            f"Move {files} to the system trash?\n\nEach file is checked again first; a file that changed "
            "since the scan is skipped."
        )
    return f"Move {files} to\n{dest}?\n\nYou can undo the move afterwards (Actions ▸ Undo)."


def confirm_action(parent: QWidget | None, action: str, count: int, size: int, dest: str = "", near: int = 0) -> bool:
    answer = QMessageBox.question(
        parent,
        TITLES[action],
        confirmation_text(action, count, size, dest, near),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
