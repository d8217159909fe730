"""Keeping the results list and the member cards on the same group and member, and the review keys.

The list may show the results through a proxy (the filter box's :class:`~gui.itemmodels.group_filter.GroupFilter`):
rows here are always the results model's, and indexes are mapped at the list's edge. Moving to the next or
previous group moves among the groups the list shows.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractProxyModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QTreeView

from engine.results import Member
from gui.itemmodels.results_model import ResultsModel
from gui.signals import emit
from gui.views.group_view import GroupView


class NavigationController(QObject):
    """Follows the current group and member in both views; turns the review keys into requests.

    Space, Delete and Enter in either view become ``toggleMarkRequested``, ``markRequested`` and
    ``compareRequested`` (a double click too); Up / Down in the cards move to the previous / next group, and
    Left / Right in the list to the previous / next member (in the cards they do so by themselves). Whoever owns
    marks and the compare view connects the requests.
    """

    toggleMarkRequested = Signal()
    markRequested = Signal()
    compareRequested = Signal()

    def __init__(self, model: ResultsModel, tree: QTreeView, group_view: GroupView, parent: QObject | None = None):
        super().__init__(parent)
        self.model, self.tree, self.group_view = model, tree, group_view
        self._syncing = False
        self._requests = {
            Qt.Key.Key_Space: self.toggleMarkRequested,
            Qt.Key.Key_Delete: self.markRequested,
            Qt.Key.Key_Return: self.compareRequested,
            Qt.Key.Key_Enter: self.compareRequested,
        }
        tree.selectionModel().currentChanged.connect(self._tree_current_changed)
        group_view.currentMemberChanged.connect(self._member_changed)
        for view in (tree, group_view):
            view.installEventFilter(self)
            view.doubleClicked.connect(lambda _index: emit(self.compareRequested))

    # ---- the list's indexes (a proxy's, when it filters) and the results model's --------------------------------
    def _proxy(self) -> QAbstractProxyModel | None:
        view_model = self.tree.model()
        return view_model if isinstance(view_model, QAbstractProxyModel) else None

    def to_view(self, index: QModelIndex) -> QModelIndex:
        proxy = self._proxy()
        return proxy.mapFromSource(index) if proxy is not None else index

    def to_source(self, index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        proxy = self._proxy()
        return proxy.mapToSource(index) if proxy is not None else QModelIndex(index)

    def shown(self, row: int) -> bool:
        """The list shows group ``row`` (the filter may hide it)."""
        return 0 <= row < self.model.rowCount() and self.to_view(self.model.index(row, 0)).isValid()

    def select_group(self, row: int, member: str | None = None) -> None:
        """Group ``row`` (a results model row) in both views; one the filter hides gives way to the first shown, and
        a row out of range (-1) leaves both empty."""
        if 0 <= row < self.model.rowCount() and not self.shown(row):
            first = self.to_source(self.tree.model().index(0, 0))
            row, member = (first.row() if first.isValid() else -1), None
        if not 0 <= row < self.model.rowCount():
            self.tree.setCurrentIndex(QModelIndex())
            self.group_view.set_group(None)
            return
        self.tree.setCurrentIndex(self.to_view(self.model.index(row, 0)))
        self.group_view.set_group(self.model.group(row), member)

    def current_group_row(self) -> int:
        idx = self.to_source(self.tree.currentIndex())
        if not idx.isValid():
            return -1
        return idx.row() if idx.internalId() == 0 else idx.internalId() - 1

    def position(self) -> tuple[int, int]:
        """(1-based place of the current group among those shown, how many are shown); (0, n) for none."""
        current = self.current_group_row()
        view = self.to_view(self.model.index(current, 0)) if current >= 0 else QModelIndex()
        return (view.row() + 1 if view.isValid() else 0), self.tree.model().rowCount()

    def current_member(self) -> Member | None:
        return self.group_view.current_member()

    def select_member(self, path: str) -> None:
        """``path`` as the current member, in its group (both views follow)."""
        row = self.model.group_row_of(path)
        if row != self.current_group_row():
            self.select_group(row, path)
        else:
            self.group_view.set_current_row(self.group_view.members.row_of(path))

    def next_member(self) -> None:
        self.step_member(1)

    def step_member(self, step: int) -> bool:
        """Move to the member ``step`` places on in the current group; False at either end."""
        row = self.group_view.currentIndex().row() + step
        if not 0 <= row < self.group_view.members.rowCount():
            return False
        self.group_view.set_current_row(row)
        return True

    def move_group(self, step: int) -> int:
        """Go ``step`` groups on among those shown; the new group's row, or -1 past either end (nothing moves)."""
        view_model = self.tree.model()
        current = self.current_group_row()
        view = self.to_view(self.model.index(current, 0)) if current >= 0 else QModelIndex()
        pos = view.row() + step if view.isValid() else (0 if step > 0 else view_model.rowCount() - 1)
        if not 0 <= pos < view_model.rowCount():
            return -1
        if view.isValid():
            self.tree.collapse(view)
        row = self.to_source(view_model.index(pos, 0)).row()
        self.select_group(row)
        return row

    def _tree_current_changed(self, view_current: QModelIndex, _previous: QModelIndex) -> None:
        current = self.to_source(view_current)
        if self._syncing or not current.isValid():
            return
        group_row = current.row() if current.internalId() == 0 else current.internalId() - 1
        member = self.model.member_at(current).path if current.internalId() else None
        group = self.model.group(group_row)
        self._syncing = True
        try:
            if self.group_view.members.group is not group:
                self.group_view.set_group(group, member)
            elif member:
                self.group_view.set_current_row(self.group_view.members.row_of(member))
        finally:
            self._syncing = False

    def _member_changed(self, path: str) -> None:
        if self._syncing:
            return
        idx = self.to_view(self.model.member_index(path))
        if idx.isValid():
            self._syncing = True
            try:
                self.tree.setCurrentIndex(idx)
            finally:
                self._syncing = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and obj in (self.tree, self.group_view):
            key, mods = event.key(), event.modifiers()
            if mods & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            if key in self._requests:
                emit(self._requests[key])
                return True
            if obj is self.group_view and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move_group(-1 if key == Qt.Key.Key_Up else 1)
                return True
            if obj is self.tree and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                self.step_member(-1 if key == Qt.Key.Key_Left else 1)  # + and - still open and close a group
                return True
        return super().eventFilter(obj, event)
