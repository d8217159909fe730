"""The filter box's proxy over the results: groups with a member whose path holds the text, all their members shown.

Sorting stays the results model's own (it reorders groups only and keeps the keeper's place), so the proxy passes
``sort`` on instead of sorting: the rows it shows are the source's rows, in the source's order, less the hidden
groups. Navigation maps between the two with ``mapFromSource`` / ``mapToSource``.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from gui.itemmodels.results_model import ResultsModel


class GroupFilter(QSortFilterProxyModel):
    def __init__(self, results: ResultsModel, parent=None) -> None:
        super().__init__(parent)
        self.setSourceModel(results)
        self._text = ""

    @property
    def results(self) -> ResultsModel:
        source = self.sourceModel()
        assert isinstance(source, ResultsModel)
        return source

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        """Show the groups with a member whose path (folder or file name) holds ``text``, in any case."""
        text = os.path.normcase(text.strip()).casefold()
        if text == self._text:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 on; invalidateRowsFilter before
            self.beginFilterChange()
            self._text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._text = text
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._text or source_parent.isValid():
            return True  # a shown group shows every member
        group = self.results.group(source_row)
        return any(self._text in os.path.normcase(m.path).casefold() for m in group.members)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.results.sort(column, order)
