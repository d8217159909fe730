"""Marking files for removal: by hand (Space, Delete) or by a keep rule; the rules themselves are in engine.marking."""

from __future__ import annotations

from PySide6.QtCore import QObject

from engine.marking import plan_marks
from gui.controllers.navigation import NavigationController
from gui.itemmodels.results_model import ResultsModel
from gui.settings import SettingsStore
from gui.views.messages import Messages


class MarksController(QObject):
    def __init__(
        self,
        model: ResultsModel,
        navigation: NavigationController,
        settings: SettingsStore,
        messages: Messages,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.navigation, self.settings, self.messages = model, navigation, settings, messages
        model.markRefused.connect(lambda text: messages.status(text, 5000))

    def auto_mark(self, rule: str | None = None) -> int:
        s = self.settings.current
        rule = rule or s.mark_rule
        plan = plan_marks(self.model.groups, rule, s.preferred_folders, s.protected_folders, s.raw_jpeg)
        self.model.set_marks(plan.marked, plan.groups)  # the rule's keeper wears the KEEP badge
        text = self.tr("Marked {count} files, keeping one per group.").format(count=len(self.model.marked))
        if plan.uncertain:
            text += self.tr(" {count} groups are not sure (tinted): review them; their unsure files stay.").format(
                count=len(plan.uncertain)
            )
        self.messages.status(text, 8000)
        return len(self.model.marked)

    def clear_marks(self) -> None:
        self.model.set_marks(())

    def toggle_current_mark(self) -> None:
        m = self.navigation.current_member()
        if m is not None:
            self.model.toggle_mark(m.path)

    def mark_current(self) -> None:
        """Mark and move on to the next member, so Delete, Delete, ... walks through a group."""
        m = self.navigation.current_member()
        if m is not None and self.model.set_mark(m.path, True):
            self.navigation.next_member()
