"""Confirmation before files are touched: says how many and how many bytes, where they go, and what is lost."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.format import human_bytes

translate = QCoreApplication.translate

TITLES = {
    "trash": QT_TRANSLATE_NOOP("Confirm", "Move to trash"),
    "move": QT_TRANSLATE_NOOP("Confirm", "Move files"),
    "hardlink": QT_TRANSLATE_NOOP("Confirm", "Replace with hard links"),
    "symlink": QT_TRANSLATE_NOOP("Confirm", "Replace with symbolic links"),
}


def _files(count: int) -> str:
    text = translate("Confirm", "{count} file") if count == 1 else translate("Confirm", "{count} files")
    return text.format(count=count)


def link_text(kind: str, count: int, size: int, near: int) -> str:
    """Links: only byte copies are replaced; say plainly what happens to the others and what a link means."""
    link = translate("Confirm", "a hard link") if kind == "hardlink" else translate("Confirm", "a symbolic link")
    text = translate(
        "Confirm",
        "Replace {files} ({size}) with {link} to the copy their group keeps?\n\n"
        "Each file stays where it is, as {link}, and the space its own copy took is freed. Only byte-identical "
        "copies are replaced; each is compared byte for byte first.",
    ).format(files=_files(count), size=human_bytes(size), link=link)
    if near:
        differ = (
            translate("Confirm", "{files} marked differs from the copy kept")
            if near == 1
            else translate("Confirm", "{files} marked differ from the copy kept")
        )
        text += "\n\n" + differ.format(files=_files(near))
        text += translate(
            "Confirm",
            " (similar, not identical) and will be skipped: a link would lose their own pixels. Move those to the "
            "trash instead.",
        )
    if kind == "hardlink":
        text += translate(
            "Confirm", "\n\nHard links work only on the same drive as the kept copy; other files are skipped."
        )
    else:
        text += translate("Confirm", "\n\nA symbolic link breaks if the kept copy is later moved or deleted.")
    return text + translate(
        "Confirm", "\n\nYou can undo this afterwards (Actions ▸ Undo): each file gets its own copy back."
    )


def confirmation_text(action: str, count: int, size: int, dest: str = "", near: int = 0) -> str:
    if action in ("hardlink", "symlink"):
        return link_text(action, count, size, near)
    files = f"{_files(count)} ({human_bytes(size)})"
    if action == "trash":
        return translate(
            "Confirm",
            "Move {files} to the system trash?\n\nEach file is checked again first; a file that changed "
            "since the scan is skipped.",
        ).format(files=files)
    return translate(
        "Confirm", "Move {files} to\n{dest}?\n\nYou can undo the move afterwards (Actions ▸ Undo)."
    ).format(files=files, dest=dest)


def confirm_action(parent: QWidget | None, action: str, count: int, size: int, dest: str = "", near: int = 0) -> bool:
    answer = QMessageBox.question(
        parent,
        translate("Confirm", TITLES[action]),
        confirmation_text(action, count, size, dest, near),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
