"""One group's members as a flat list, for the card view; marks are read from the results model.

Reading marks from :class:`~gui.itemmodels.results_model.ResultsModel` (never copying them) keeps the tree and
the cards in agreement: a mark set in either view repaints both.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from engine.results import Group, Member
from gui.itemmodels.results_model import ROOT, ResultsModel, Role, uncertain_tip
from gui.signals import emit


class MembersModel(QAbstractListModel):
    """One group's members, with marks read from the results model (so both views always agree)."""

    def __init__(self, results: ResultsModel, parent=None) -> None:
        super().__init__(parent)
        self.results = results
        self.group: Group | None = None
        results.marksChanged.connect(self._marks_changed)

    def set_group(self, group: Group | None) -> None:
        self.beginResetModel()
        self.group = group
        self.endResetModel()

    def _marks_changed(self) -> None:
        if self.group and self.group.members:
            current = self.results.group_of(self.group.members[0].path)
            if current is not None and current.members is self.group.members:
                self.group = current  # the same group with another keeper (a mark handed the role on)
            emit(self.dataChanged, self.index(0), self.index(len(self.group.members) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() or self.group is None else len(self.group.members)

    def member(self, row: int) -> Member:
        assert self.group is not None
        return self.group.members[row]

    def row_of(self, path: str) -> int:
        if self.group is None:
            return -1
        return next((n for n, m in enumerate(self.group.members) if m.path == path), -1)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.group is None:
            return None
        m = self.group.members[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(m.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{m.path}\n{uncertain_tip()}" if m.path in self.group.unsure_members() else m.path
        if role == Role.PATH:
            return m.path
        if role == Role.MEMBER:
            return m
        if role == Role.GROUP:
            return self.group
        if role == Role.IS_KEEPER:
            return m.path == self.group.keeper
        if role == Role.IS_UNCERTAIN:
            return self.group.uncertain
        if role == Role.IS_UNSURE:
            return m.path in self.group.unsure_members()
        if role == Role.IS_REFERENCE:
            return m.path == self.group.reference
        if role == Role.IS_MARKED:
            return self.results.is_marked(m.path)
        if role == Role.IS_PROTECTED:
            return self.results.is_protected(m.path)
        return None
