"""Right-click on a member, in the list or on its card: Open, Show in folder, Copy path (also for the current one).

A right-click on a group's row in the list acts on the group's keeper. The desktop calls are parts passed in
(``gui.desktop`` by default), so a test checks what would be opened, launched or copied without a desktop.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QMenu

from gui import desktop
from gui.controllers.navigation import NavigationController
from gui.itemmodels.results_model import Role
from gui.views.messages import Messages

translate = QCoreApplication.translate


class MemberMenuController(QObject):
    def __init__(
        self,
        navigation: NavigationController,
        messages: Messages,
        open_file: Callable[[str], bool] = desktop.open_file,
        launch: desktop.Launcher = desktop.start_detached,
        copy: Callable[[str], None] = desktop.copy_text,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.navigation, self.messages = navigation, messages
        self._open, self._launch, self._copy = open_file, launch, copy
        for view in (navigation.tree, navigation.group_view):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._popup(v, pos))

    def path_at(self, view: QAbstractItemView, pos: QPoint) -> str | None:
        """The file under ``pos`` in ``view`` (a group's row: its keeper), made the current one; None for none."""
        index = view.indexAt(pos)
        if not index.isValid():
            return None
        path = index.data(Role.PATH)
        if path is None:
            group = index.data(Role.GROUP)
            path = group.keeper if group is not None else None
        view.setCurrentIndex(index)
        return path

    def menu_for(self, path: str, parent=None) -> QMenu:
        menu = QMenu(parent)
        for text, slot in (
            (translate("MemberMenu", "Open"), self.open),
            (translate("MemberMenu", "Show in folder"), self.show_in_folder),
            (translate("MemberMenu", "Copy path"), self.copy_path),
        ):
            action = QAction(text, menu)
            action.triggered.connect(lambda _checked=False, s=slot: s(path))
            menu.addAction(action)
        return menu

    def _popup(self, view: QAbstractItemView, pos: QPoint) -> None:
        path = self.path_at(view, pos)
        if path is not None:
            self.menu_for(path, view).exec(view.viewport().mapToGlobal(pos))

    def _target(self, path: str | None) -> str | None:
        if path is None:
            member = self.navigation.current_member()
            path = member.path if member is not None else None
        return path

    def open(self, path: str | None = None) -> bool:
        """Open the file (default: the current member) in the app the desktop uses for it."""
        path = self._target(path)
        if path is None:
            return False
        if not os.path.exists(path):
            self.messages.status(
                translate("MemberMenu", "{name} is no longer there.").format(name=os.path.basename(path)), 8000
            )
            return False
        if not self._open(path):
            self.messages.error(
                translate("MemberMenu", "Could not open {path}: the desktop has no app for it.").format(path=path)
            )
            return False
        return True

    def show_in_folder(self, path: str | None = None) -> bool:
        """Show the file (default: the current member) in the platform's file manager."""
        path = self._target(path)
        if path is None:
            return False
        command = desktop.show_in_folder_command(path)
        if not self._launch(command):
            self.messages.error(
                translate("MemberMenu", "Could not show {path} in its folder: {program} did not start.").format(
                    path=path, program=command[0]
                )
            )
            return False
        return True

    def copy_path(self, path: str | None = None) -> bool:
        path = self._target(path)
        if path is None:
            return False
        self._copy(path)
        self.messages.status(translate("MemberMenu", "Copied {path}").format(path=path), 4000)
        return True
