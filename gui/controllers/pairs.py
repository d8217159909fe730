"""The compare view and the pair labels: "is / is not a duplicate" of the keeper, for the current member.

Labels are stored by ``engine.labels`` (hashing both files, on the task runner); "not a duplicate" also splits
the group at once through the results controller.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSize, Qt, Signal
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

    def current_pair(self) -> tuple[Member, Member] | None:
        """The keeper and the current member (the reference, or the next member, when the keeper is current)."""
        row = self.navigation.current_group_row()
        m = self.navigation.current_member()
        if row < 0 or m is None:
            return None
        g = self.model.group(row)
        keeper_path = self.model.keeper_of(g)
        keeper = next(x for x in g.members if x.path == keeper_path)
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
            self.compare.notDuplicate.connect(lambda a, b: self.label_pair(a, b, False))
            self.compare.isDuplicate.connect(lambda a, b: self.label_pair(a, b, True))
        self.compare.set_pair(*pair)
        self.compare.show()
        self.compare.raise_()
        return self.compare

    def close_compare(self) -> None:
        if self.compare is not None:
            self.compare.close()

    def label_current(self, is_duplicate: bool) -> None:
        pair = self.current_pair()
        if pair is not None:
            self.label_pair(pair[0].path, pair[1].path, is_duplicate)

    def label_pair(self, a: str, b: str, is_duplicate: bool) -> None:
        """Store the label (hashing both files, on a pool thread); "not a duplicate" also splits the group now."""
        store = self.labels

        def done(_pair) -> None:
            names = f"{os.path.basename(a)} and {os.path.basename(b)}"
            if is_duplicate:
                self.messages.status(f"Remembered: {names} are duplicates.", 5000)
            else:
                self.messages.status(f"Remembered: {names} are not duplicates; they will not be grouped again.", 8000)
                self.results.add_not_duplicate(a, b)
            emit(self.labelStored, a, b, is_duplicate)

        self.runner.run(
            "label",
            lambda _p: store.add(a, b, is_duplicate),
            on_done=done,
            on_error=lambda msg: self.messages.error(f"Could not store the label: {msg}"),
        )
