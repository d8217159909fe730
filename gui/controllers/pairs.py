"""The compare view and the pair labels: "is / is not a duplicate" of the keeper, for the current member.

Labels are stored by ``engine.labels`` (hashing both files, on the task runner); "not a duplicate" also splits
the group at once through the results controller. In the compare view a pair is the keeper and one other member:
N / Y label it and move on to the next pair, which is the next member, then the next group's first one.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QWidget

from engine.labels import LabelStore
from engine.results import Member
from gui.controllers.navigation import NavigationController
from gui.controllers.results import ResultsController
from gui.geometry import place
from gui.itemmodels.results_model import ResultsModel
from gui.signals import emit
from gui.views.compare_view import CompareView
from gui.views.messages import Messages
from gui.workers import TaskRunner, ThumbnailLoader

translate = QCoreApplication.translate

COMPARE_SIZE = QSize(1200, 720)


class PairsController(QObject):
    """``images`` is the full-size image loader the compare view paints from; it opens as a window over ``parent``."""

    labelStored = Signal(str, str, bool)

    def __init__(
        self,
        model: ResultsModel,
        navigation: NavigationController,
        results: ResultsController,
        labels: LabelStore,
        runner: TaskRunner,
        images: ThumbnailLoader,
        messages: Messages,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.navigation, self.results, self.labels = model, navigation, results, labels
        self.runner, self.images, self.messages, self.view_parent = runner, images, messages, parent
        self.compare: CompareView | None = None
        results.groupsChanged.connect(self._groups_changed)

    def current_pair(self) -> tuple[Member, Member] | None:
        """The keeper and the current member (the reference, or the next member, when the keeper is current)."""
        row = self.navigation.current_group_row()
        m = self.navigation.current_member()
        if row < 0 or m is None:
            return None
        g = self.model.group(row)
        keeper = next(x for x in g.members if x.path == g.keeper)
        if m.path != keeper.path:
            return keeper, m
        other = next((x for x in g.members if x.path == g.reference and x.path != m.path), None)
        other = other or next((x for x in g.members if x.path != m.path), None)
        return (m, other) if other else None

    def open_compare(self) -> CompareView | None:
        pair = self.current_pair()
        if pair is None:
            return None
        if self.compare is None:
            self.compare = CompareView(self.images, self.runner, self.view_parent)
            self.compare.setWindowFlag(Qt.WindowType.Window, True)
            place(self.compare, COMPARE_SIZE, anchor=self.view_parent)  # inside the screen the app is on
            self.compare.notDuplicate.connect(lambda a, b: self._label_and_next(a, b, False))
            self.compare.isDuplicate.connect(lambda a, b: self._label_and_next(a, b, True))
            self.compare.stepPair.connect(self.step_pair)
            self.compare.stepGroup.connect(self.step_group)
        self._show_pair(pair)
        self.compare.show()
        self.compare.raise_()
        return self.compare

    def _show_pair(self, pair: tuple[Member, Member]) -> None:
        assert self.compare is not None
        self.compare.set_pair(*pair)
        g = self.model.group(self.navigation.current_group_row())
        others = self._partners(g)
        n, shown = self.navigation.position()
        where = f"group {n} of {shown}, pair {others.index(pair[1].path) + 1} of {len(others)}"
        self.compare.setWindowTitle(translate("Pairs", "Compare — {where} — Doppel").format(where=where))

    def _partners(self, g) -> list[str]:
        """Who the keeper is compared with, in the group's order: every member but the keeper."""
        return [m.path for m in g.members if m.path != g.keeper]

    def step_pair(self, step: int) -> bool:
        """Show the next (1) or previous (-1) pair; past either end of a group, the next or previous group's."""
        pair = self.current_pair()
        if pair is None:
            return False
        others = self._partners(self.model.group(self.navigation.current_group_row()))
        pos = others.index(pair[1].path) + step
        if 0 <= pos < len(others):
            self._go_to(others[pos])
            return True
        return self.step_group(step, last=step < 0)

    def step_group(self, step: int, last: bool = False) -> bool:
        """Show the next or previous group's first (or ``last``) pair; False when there is no such group."""
        row = self.navigation.move_group(step)  # among the groups the list shows
        if row < 0:
            if self.compare is not None:
                self.compare.show_message(
                    translate("Pairs", "That was the last group.")
                    if step > 0
                    else translate("Pairs", "That was the first group.")
                )
            return False
        others = self._partners(self.model.group(row))
        self._go_to(others[-1 if last else 0])
        return True

    def _go_to(self, path: str) -> None:
        self.navigation.select_member(path)
        pair = self.current_pair()
        if self.compare is not None and pair is not None:
            self._show_pair(pair)

    def _label_and_next(self, a: str, b: str, is_duplicate: bool) -> None:
        """N / Y in the compare view: straight on to the next pair while the label is stored."""
        moved = self.step_pair(1)
        self.label_pair(a, b, is_duplicate, "" if moved else " That was the last pair.")

    def _groups_changed(self) -> None:
        """A label split a group, or files went: the compare view follows if its pair is no longer one."""
        if self.compare is None or not self.compare.isVisible() or self.compare.a is None or self.compare.b is None:
            return
        shown = {self.compare.a.path, self.compare.b.path}
        if not any(self.model.group_row_of(p) >= 0 for p in shown):
            return  # both left every group (the last pair said "not a duplicate"): keep it on screen
        pair = self.current_pair()
        if pair is not None and {pair[0].path, pair[1].path} != shown:
            self._show_pair(pair)

    def close_compare(self) -> None:
        if self.compare is not None:
            self.compare.close()

    def label_current(self, is_duplicate: bool) -> None:
        pair = self.current_pair()
        if pair is not None:
            self.label_pair(pair[0].path, pair[1].path, is_duplicate)

    def label_pair(self, a: str, b: str, is_duplicate: bool, note: str = "") -> None:
        """Store the label (hashing both files, on a pool thread); "not a duplicate" also splits the group now.
        ``note`` follows the confirmation."""
        store = self.labels

        def done(_pair) -> None:
            names = f"{os.path.basename(a)} and {os.path.basename(b)}"
            if is_duplicate:
                self._tell(f"Remembered: {names} are duplicates.{note}", 5000)
            else:
                self._tell(f"Remembered: {names} are not duplicates; they will not be grouped again.{note}", 8000)
                self.results.add_not_duplicate(a, b)
            emit(self.labelStored, a, b, is_duplicate)

        def failed(message: str) -> None:
            self.messages.error(translate("Pairs", "Could not store the label: {message}").format(message=message))
            if self.compare is not None:
                self.compare.show_message(
                    translate("Pairs", "Could not store the label: {message}").format(message=message)
                )

        self.runner.run("label", lambda _p: store.add(a, b, is_duplicate), on_done=done, on_error=failed)

    def _tell(self, text: str, timeout_ms: int) -> None:
        """The main window's status bar, and the compare view's own line, where the user is looking."""
        self.messages.status(text, timeout_ms)
        if self.compare is not None and self.compare.isVisible():
            self.compare.show_message(text)
