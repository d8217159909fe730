"""Two-level item model: groups at the top, their members below; marks live here too.

Internal ids: a group index carries 0, a member index carries its group's row + 1, so ``parent()`` needs no
lookup. Sorting reorders groups only (members keep the engine's order: reference first) and keeps persistent
indexes, so selections survive a re-sort.

Each member is in one state, the same in every view (``engine.marking.member_state``): the group's keeper,
marked, or neither. The keeper is ``Group.keeper`` of the groups held here: the engine's suggestion, the one an
auto-mark rule chose, or, when the user marks the keeper, the best other unmarked member (``engine.marking
.set_mark``); re-formed groups keep the keepers they had. A group the engine finds ``uncertain`` (a member may
not be a copy of the keeper) is tinted (``gui.theme.uncertain_tint``: readable on a light or dark palette) and
says so in its tooltip; its unsure members are flagged.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from enum import IntEnum

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from engine.marking import KEEP, MarkRefused, in_folders, member_state, set_mark, settle
from engine.results import Group, Member
from engine.settings import DEFAULT_KEEP_RULES
from gui.format import human_bytes
from gui.signals import emit
from gui.theme import uncertain_tint

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible root, as a default argument


class Col(IntEnum):
    NAME = 0
    RECLAIMABLE = 1
    SIMILARITY = 2
    FOLDER = 3


HEADERS = {
    Col.NAME: QT_TRANSLATE_NOOP("ResultsModel", "Group / file"),
    Col.RECLAIMABLE: QT_TRANSLATE_NOOP("ResultsModel", "Reclaimable / size"),
    Col.SIMILARITY: QT_TRANSLATE_NOOP("ResultsModel", "Similarity"),
    Col.FOLDER: QT_TRANSLATE_NOOP("ResultsModel", "Folder"),
}


class Role(IntEnum):
    GROUP = Qt.ItemDataRole.UserRole + 1
    MEMBER = Qt.ItemDataRole.UserRole + 2
    SORT = Qt.ItemDataRole.UserRole + 3
    IS_KEEPER = Qt.ItemDataRole.UserRole + 4
    IS_MARKED = Qt.ItemDataRole.UserRole + 5
    IS_PROTECTED = Qt.ItemDataRole.UserRole + 6
    IS_REFERENCE = Qt.ItemDataRole.UserRole + 7
    PATH = Qt.ItemDataRole.UserRole + 8
    IS_UNCERTAIN = Qt.ItemDataRole.UserRole + 9  # the group's flag
    IS_UNSURE = Qt.ItemDataRole.UserRole + 10  # this member may not be a copy of the keeper


UNCERTAIN_TIP = QT_TRANSLATE_NOOP(
    "ResultsModel",
    "Not sure: some files in this group scored below the level where Doppel is sure they are copies. "
    "Review before deleting; Auto-mark leaves those files unmarked.",
)


def uncertain_tip() -> str:
    return QCoreApplication.translate("ResultsModel", UNCERTAIN_TIP)


def group_similarity(g: Group) -> float:
    """The lowest member score: how alike the least alike member is to the reference."""
    return min((m.score for m in g.members), default=1.0)


def group_folder(g: Group) -> str:
    return os.path.dirname(g.keeper)


class ResultsModel(QAbstractItemModel):
    marksChanged = Signal()
    markRefused = Signal(str)  # a one-line reason, for the status bar

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._groups: list[Group] = []
        self._marked: set[str] = set()
        self._keep_rules: tuple[str, ...] = DEFAULT_KEEP_RULES  # who takes over when the keeper is marked
        self._preferred: tuple[str, ...] = ()
        self._protected: tuple[str, ...] = ()
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._where: dict[str, tuple[int, int]] = {}  # path -> (group row, member row); a file is in one group

    def _reindex(self) -> None:
        self._where = {m.path: (r, n) for r, g in enumerate(self._groups) for n, m in enumerate(g.members)}

    # ---- structure -------------------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() == 0:
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: Index = ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = ROOT) -> int:
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._groups[parent.row()].members)
        return 0

    def columnCount(self, parent: Index = ROOT) -> int:
        return len(Col)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Col):
            return self.tr(HEADERS[Col(section)])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() != 0 and index.column() == Col.NAME:
            if not self.is_protected(self.member_at(index).path):
                f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    # ---- data ------------------------------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(self._groups[index.row()], index.column(), role)
        g = self._groups[index.internalId() - 1]
        return self._member_data(g, g.members[index.row()], index.column(), role)

    def _group_data(self, g: Group, col: int, role: int):
        if role == Role.GROUP:
            return g
        if role == Role.IS_UNCERTAIN:
            return g.uncertain
        if role == Qt.ItemDataRole.DisplayRole:
            if col == Col.NAME:
                kind = self.tr("{n} identical") if g.exact else self.tr("{n} similar")
                return f"{kind.format(n=len(g.members))} · {os.path.basename(g.keeper)}" + (
                    self.tr("  · not sure") if g.uncertain else ""
                )
            if col == Col.RECLAIMABLE:
                return human_bytes(self.could_go(g)[1])
            if col == Col.SIMILARITY:
                return self.tr("identical") if g.exact else f"{group_similarity(g):.2f}"
            if col == Col.FOLDER:
                return os.path.dirname(g.keeper)
        if role == Role.SORT:
            return {
                Col.NAME: len(g.members),
                Col.RECLAIMABLE: self.could_go(g)[1],
                Col.SIMILARITY: group_similarity(g),
                Col.FOLDER: group_folder(g),
            }.get(Col(col))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                self.tr("{tip}\nKeeper: {path}").format(tip=uncertain_tip(), path=g.keeper) if g.uncertain else g.keeper
            )
        if role == Qt.ItemDataRole.BackgroundRole and g.uncertain:
            return uncertain_tint()  # amber mixed into the list's base colour: the text stays readable, dark or light
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Col.RECLAIMABLE, Col.SIMILARITY):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _member_data(self, g: Group, m: Member, col: int, role: int):
        if role == Role.MEMBER:
            return m
        if role == Role.GROUP:
            return g
        if role == Role.PATH:
            return m.path
        if role == Role.IS_KEEPER:
            return m.path == g.keeper
        if role == Role.IS_UNCERTAIN:
            return g.uncertain
        if role == Role.IS_UNSURE:
            return m.path in g.unsure_members()
        if role == Role.IS_REFERENCE:
            return m.path == g.reference
        if role == Role.IS_MARKED:
            return m.path in self._marked
        if role == Role.IS_PROTECTED:
            return self.is_protected(m.path)
        keeper = member_state(g, self._marked, m.path) == KEEP
        if role == Qt.ItemDataRole.DisplayRole:
            if col == Col.NAME:
                return os.path.basename(m.path) + (self.tr("  (keeper)") if keeper else "")
            if col == Col.RECLAIMABLE:
                return human_bytes(m.size)
            if col == Col.SIMILARITY:
                return self.tr("reference") if m.path == g.reference else f"{m.score:.2f}"
            if col == Col.FOLDER:
                return os.path.dirname(m.path)
        if role == Qt.ItemDataRole.CheckStateRole and col == Col.NAME:
            return Qt.CheckState.Checked if m.path in self._marked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole and col == Col.NAME and (keeper or m.path in self._marked):
            font = QFont()
            font.setBold(keeper)
            font.setStrikeOut(m.path in self._marked)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{m.path}\n{uncertain_tip()}" if m.path in g.unsure_members() else m.path
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Col.RECLAIMABLE, Col.SIMILARITY):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.internalId() == 0:
            return False
        want = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        return self.set_mark(self.member_at(index).path, want)

    # ---- results ---------------------------------------------------------------------------------------------
    def set_groups(self, groups: Sequence[Group], keep_marks: bool = True) -> None:
        """New groups (a scan, a regrouping); with ``keep_marks`` the marks and the keepers chosen so far stay."""
        kept = {g.keeper for g in self._groups} if keep_marks else set()
        self.beginResetModel()
        self._groups = list(groups)
        if self._sort is not None:
            self._groups.sort(key=self._sort_key(self._sort[0]), reverse=self._sort[1] == Qt.SortOrder.DescendingOrder)
        self._reindex()
        self._groups, self._marked = self._settle(self._groups, self._marked if keep_marks else (), kept)
        self.endResetModel()
        emit(self.marksChanged)

    def _settle(self, groups: Sequence[Group], marks: Iterable[str], kept: Collection[str]):
        """One state per member again (``engine.marking.settle``)."""
        groups, marked = settle(groups, marks, kept, self._protected, self._keep_rules, self._preferred)
        return groups, set(marked)

    def set_keep_rules(self, rules: Sequence[str], preferred_folders: Sequence[str] = ()) -> None:
        """The rules that pick the next keeper when the user marks the current one."""
        self._keep_rules, self._preferred = tuple(rules) or DEFAULT_KEEP_RULES, tuple(preferred_folders)

    def could_go(self, g: Group) -> tuple[int, int]:
        """Files and bytes that could be removed: never a protected file, and one file of each group stays."""
        protected = {m.path for m in g.members if self.is_protected(m.path)}
        go = [m for m in g.members if m.path not in protected and (protected or m.path != g.keeper)]
        return len(go), sum(m.size for m in go)

    @property
    def groups(self) -> list[Group]:
        return list(self._groups)

    def group(self, row: int) -> Group:
        return self._groups[row]

    def member_at(self, index: Index) -> Member:
        return self._groups[index.internalId() - 1].members[index.row()]

    def group_row_of(self, path: str) -> int:
        return self._where.get(path, (-1, -1))[0]

    def member_index(self, path: str, column: int = 0) -> QModelIndex:
        row, member_row = self._where.get(path, (-1, -1))
        if row < 0:
            return QModelIndex()
        return self.index(member_row, column, self.index(row, 0))

    # ---- marks -----------------------------------------------------------------------------------------------
    def set_protected(self, folders: Iterable[str]) -> None:
        self._protected = tuple(folders)
        if self._groups:
            self.set_marks(self._marked)

    def is_protected(self, path: str) -> bool:
        return in_folders(path, self._protected)

    @property
    def marked(self) -> set[str]:
        return set(self._marked)

    def is_marked(self, path: str) -> bool:
        return path in self._marked

    def set_marks(self, paths: Iterable[str], groups: Sequence[Group] | None = None) -> None:
        """Mark exactly ``paths``. ``groups``: the same groups in the same order with the keepers an auto-mark
        rule chose (``engine.marking.MarkPlan.groups``)."""
        before, old = self._marked, self._groups
        new = list(groups) if groups is not None else old
        assert len(new) == len(old), "set_marks takes the groups it holds, with other keepers"
        self._groups, self._marked = self._settle(new, paths, {g.keeper for g in new})
        changed = before ^ self._marked
        changed |= {g.keeper for g, o in zip(self._groups, old) if g.keeper != o.keeper}
        self._emit_mark_changes(changed)

    def set_mark(self, path: str, marked: bool) -> bool:
        """Mark or unmark one file (marking the keeper hands its role on); a refused mark emits ``markRefused``
        with the reason and returns False."""
        if marked == (path in self._marked):
            return True
        row = self.group_row_of(path)
        if row < 0:
            return False
        try:
            group, marks = set_mark(
                self._groups[row], self._marked, path, marked, self._protected, self._keep_rules, self._preferred
            )
        except MarkRefused as exc:
            emit(self.markRefused, f"{exc}.")
            return False
        self._groups[row], self._marked = group, set(marks)
        self._emit_mark_changes({path})
        return True

    def group_of(self, path: str) -> Group | None:
        row = self.group_row_of(path)
        return self._groups[row] if row >= 0 else None

    def toggle_mark(self, path: str) -> bool:
        return self.set_mark(path, path not in self._marked)

    def _emit_mark_changes(self, paths: set[str]) -> None:
        """Whole groups change: a mark can move the keeper, which the group's own row names too."""
        rows = {self._where[p][0] for p in paths if p in self._where}
        last = len(Col) - 1
        for row in rows:  # one signal per group, so auto-marking thousands stays quick
            parent = self.index(row, 0)
            emit(self.dataChanged, self.index(row, 0), self.index(row, last))
            emit(self.dataChanged, self.index(0, 0, parent), self.index(self.rowCount(parent) - 1, last, parent))
        if paths:
            emit(self.marksChanged)

    def marked_members(self) -> list[Member]:
        seen: set[str] = set()
        out = []
        for g in self._groups:
            for m in g.members:
                if m.path in self._marked and m.path not in seen:
                    seen.add(m.path)
                    out.append(m)
        return out

    def summary(self) -> dict[str, int]:
        """Counts for the summary line: groups, files that could go (see ``could_go``), marked files and bytes."""
        marked = self.marked_members()
        could_go = [self.could_go(g) for g in self._groups]
        return {
            "groups": len(self._groups),
            "uncertain": sum(g.uncertain for g in self._groups),
            "reclaimable_files": sum(files for files, _ in could_go),
            "reclaimable_bytes": sum(size for _, size in could_go),
            "marked_files": len(marked),
            "marked_bytes": sum(m.size for m in marked),
        }

    # ---- sorting ---------------------------------------------------------------------------------------------
    def _sort_key(self, column: int):
        col = Col(column) if 0 <= column < len(Col) else Col.RECLAIMABLE

        def key(g: Group):
            value = self._group_data(g, col, Role.SORT)
            return (value, g.keeper)

        return key

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(Col):
            return
        self._sort = (column, order)
        emit(self.layoutAboutToBeChanged)
        old = self._groups
        self._groups = sorted(old, key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        new_row = {id(g): n for n, g in enumerate(self._groups)}
        moves = {n: new_row[id(g)] for n, g in enumerate(old)}
        for idx in self.persistentIndexList():
            if idx.internalId() == 0:
                new = self.createIndex(moves[idx.row()], idx.column(), 0)
            else:
                new = self.createIndex(idx.row(), idx.column(), moves[idx.internalId() - 1] + 1)
            self.changePersistentIndex(idx, new)
        self._reindex()
        emit(self.layoutChanged)
