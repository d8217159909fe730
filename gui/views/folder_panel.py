"""The folders to scan: add (dialog or drag and drop), remove, a "protected" tick each, exclusion patterns."""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QDir, QStandardPaths, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.settings import Folder
from gui.signals import emit

translate = QCoreApplication.translate

PROTECTED_TIP = "Ticked: protected. Files in a protected folder are never marked for removal."


def pictures_folder() -> str:
    """Where a folder dialog starts: the user's Pictures folder, else home (never the folder the app runs from)."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else QDir.homePath()


class FolderPanel(QWidget):
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.list = QListWidget(self)
        self.list.setToolTip(PROTECTED_TIP)
        self.list.setAcceptDrops(False)  # the panel takes the drop, wherever it lands
        self.list.itemChanged.connect(lambda _item: emit(self.changed))
        self.add_button = QPushButton(translate("FolderPanel", "Add folder…"), self)
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton(translate("FolderPanel", "Remove"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.exclude = QLineEdit(self)
        self.exclude.setPlaceholderText(translate("FolderPanel", "e.g. *.tmp, */thumbnails/*"))
        self.exclude.setToolTip(
            translate("FolderPanel", "Glob patterns, separated by commas; matching files and folders are not scanned")
        )
        self.exclude.editingFinished.connect(lambda: emit(self.changed))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(translate("FolderPanel", "<b>Folders</b> (drop folders here; tick = protected)"), self)
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(translate("FolderPanel", "Exclude patterns:"), self))
        layout.addWidget(self.exclude)

    # ---- contents --------------------------------------------------------------------------------------------
    def folders(self) -> list[Folder]:
        out = []
        for n in range(self.list.count()):
            item = self.list.item(n)
            out.append(Folder(item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked))
        return out

    def set_folders(self, folders: list[Folder]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for f in folders:
            self._append(f)
        self.list.blockSignals(False)
        emit(self.changed)

    def _append(self, folder: Folder) -> None:
        item = QListWidgetItem(folder.path)
        item.setData(Qt.ItemDataRole.UserRole, folder.path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if folder.protected else Qt.CheckState.Unchecked)
        item.setToolTip(f"{folder.path}\n{PROTECTED_TIP}")
        self.list.addItem(item)

    def add_folder(self, path: str, protected: bool = False) -> bool:
        path = os.path.abspath(path)
        if not os.path.isdir(path) or path in {f.path for f in self.folders()}:
            return False
        self.list.blockSignals(True)
        self._append(Folder(path, protected))
        self.list.blockSignals(False)
        emit(self.changed)
        return True

    def set_protected(self, path: str, protected: bool) -> None:
        for n in range(self.list.count()):
            item = self.list.item(n)
            if item.data(Qt.ItemDataRole.UserRole) == path:
                item.setCheckState(Qt.CheckState.Checked if protected else Qt.CheckState.Unchecked)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, translate("FolderPanel", "Add a folder to scan"), pictures_folder()
        )
        if path:
            self.add_folder(path)

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        if not rows and self.list.currentRow() >= 0:
            rows = [self.list.currentRow()]
        for r in rows:
            self.list.takeItem(r)
        if rows:
            emit(self.changed)

    def exclude_patterns(self) -> list[str]:
        return [p.strip() for p in self.exclude.text().split(",") if p.strip()]

    def set_exclude_patterns(self, patterns: list[str]) -> None:
        self.exclude.setText(", ".join(patterns))

    # ---- drag and drop ---------------------------------------------------------------------------------------
    @staticmethod
    def _dropped_folders(event) -> list[str]:
        md = event.mimeData()
        if not md.hasUrls():
            return []
        return [u.toLocalFile() for u in md.urls() if u.isLocalFile() and os.path.isdir(u.toLocalFile())]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_folders(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        folders = self._dropped_folders(event)
        for f in folders:
            self.add_folder(f)
        if folders:
            event.acceptProposedAction()
