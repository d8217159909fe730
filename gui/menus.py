"""The main window's menus and toolbar, and the keyboard shortcuts the Help menu lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QToolBar

from engine.marking import MARK_RULES
from gui.dialogs.models_dialog import improve_model, show_models

if TYPE_CHECKING:
    from gui.mainwindow import MainWindow

SHORTCUTS = [
    ("Ctrl+R", "Scan"),
    ("Esc", "Cancel the scan"),
    ("Up / Down", "Previous / next group (or row in the list)"),
    ("Left / Right", "Previous / next member of the group"),
    ("Space", "Toggle the mark on the current file"),
    ("Delete", "Mark the current file"),
    ("Enter", "Compare the current file with the keeper"),
    ("Ctrl+M", "Auto-mark by the chosen rule"),
    ("Ctrl+Shift+M", "Clear all marks"),
    ("Ctrl+Del", "Move marked files to the trash"),
    ("Ctrl+Shift+V", "Move marked files to a folder"),
    ("Ctrl+Z", "Undo the last move"),
    ("In compare: F / 1 / + / -", "Fit / 100% / zoom in / zoom out"),
    ("In compare: S / X / D", "Swap sides / flicker / difference"),
    ("In compare: N / Y / Esc", "Not a duplicate / is a duplicate / close"),
]


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"


def _action(
    window: MainWindow, menu, text: str, slot, shortcut: str | QKeySequence | None = None, tip: str = ""
) -> QAction:
    act = QAction(text, window)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
    act.triggered.connect(lambda _checked=False: slot())
    menu.addAction(act)
    return act


def build_menus(self: MainWindow) -> None:
    """Menus and toolbar; ``self`` is the window, whose actions and rule combo box are set here."""
    mb = self.menuBar()
    f = mb.addMenu("&File")
    _action(self, f, "Add folder…", self.folders.choose_folder, "Ctrl+O")
    self.scan_action = _action(self, f, "Scan", self.start_scan, "Ctrl+R")
    self.cancel_action = _action(self, f, "Cancel scan", self.cancel_scan, "Esc")
    f.addSeparator()
    _action(self, f, "Preferences…", self.edit_settings, "Ctrl+,")
    _action(self, f, "Skipped files and messages…", self.show_problems)
    f.addSeparator()
    _action(self, f, "Quit", self.close, QKeySequence.StandardKey.Quit)

    m = mb.addMenu("&Mark")
    _action(self, m, "Toggle mark", self.toggle_current_mark, tip="Space in the lists")
    _action(self, m, "Mark", self.mark_current, tip="Delete in the lists")
    m.addSeparator()
    auto = m.addMenu("Auto-mark: keep…")
    for rule, text in MARK_RULES.items():
        _action(self, auto, f"Keep {text}", lambda r=rule: self.auto_mark(r))
    _action(self, m, "Auto-mark by the chosen rule", lambda: self.auto_mark(self.rule_combo.currentData()), "Ctrl+M")
    _action(self, m, "Clear all marks", self.clear_marks, "Ctrl+Shift+M")

    a = mb.addMenu("&Actions")
    self.trash_action = _action(self, a, "Move marked to trash…", self.trash_marked, "Ctrl+Del")
    self.move_action = _action(self, a, "Move marked to folder…", self.move_marked, "Ctrl+Shift+V")
    self.undo_action = _action(self, a, "Undo move", self.undo_move, QKeySequence.StandardKey.Undo)
    self.undo_action.setEnabled(False)

    p = mb.addMenu("&Pair")
    _action(self, p, "Compare with keeper", self.open_compare, tip="Enter in the lists")
    _action(self, p, "Not a duplicate (of the keeper)", lambda: self.label_current(False))
    _action(self, p, "Is a duplicate (of the keeper)", lambda: self.label_current(True))

    mm = mb.addMenu("M&odel")
    self.improve_action = _action(
        self,
        mm,
        "Improve the model…",
        lambda: improve_model(self),
        tip="Fine-tune on the pairs you marked Is / Not a duplicate",
    )
    _action(self, mm, "Model versions…", lambda: show_models(self))

    h = mb.addMenu("&Help")
    _action(self, h, "Keyboard shortcuts", self.show_shortcuts, "F1")
    _action(
        self,
        h,
        "About Doppel",
        lambda: QMessageBox.about(
            self,
            "About Doppel",
            "Doppel finds duplicate and near-duplicate photos.\n"
            "Removed files go to the system trash; moves can be undone.",
        ),
    )

    tb = QToolBar("Main", self)
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    self.addToolBar(tb)
    tb.addAction(self.scan_action)
    tb.addSeparator()
    tb.addWidget(QLabel(" Keep: ", self))
    self.rule_combo = QComboBox(self)
    for rule, text in MARK_RULES.items():
        self.rule_combo.addItem(text, rule)
    self.rule_combo.currentIndexChanged.connect(self._rule_changed)
    tb.addWidget(self.rule_combo)
    auto_button = QPushButton("Auto-mark", self)
    auto_button.clicked.connect(lambda: self.auto_mark(self.rule_combo.currentData()))
    tb.addWidget(auto_button)
    tb.addSeparator()
    for act in (self.trash_action, self.move_action, self.undo_action):
        tb.addAction(act)
