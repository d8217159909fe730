"""The main window's menus and toolbar, and the keyboard shortcuts the Help menu lists.

``build_menus(window)`` lays out every menu and returns the actions as :class:`MenuActions`; only Quit and the
Help menu, which need nothing but the window, are connected here. The window connects the rest to the
controllers that do the work (``MainWindow._connect_actions``). A new action: a field here, a line in
``build_menus`` where it appears, a line in ``_connect_actions`` saying what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QMenu, QMessageBox, QPushButton, QToolBar, QWidget

from engine.marking import MARK_RULES

SHORTCUTS = [
    ("Ctrl+Shift+O", "Add a folder"),
    ("Ctrl+R", "Scan"),
    ("Esc", "Cancel the scan"),
    ("Ctrl+O / Ctrl+S / Ctrl+Shift+S", "Open / save / save as: the results"),
    ("Ctrl+E", "Export the results as CSV"),
    ("Ctrl+F", "Filter the groups by path or file name"),
    ("Up / Down", "Previous / next group (or row in the list)"),
    ("Left / Right", "Previous / next member of the group"),
    ("In the list: + / -", "Open / close a group"),
    ("Space", "Toggle the mark on the current file"),
    ("Delete", "Mark the current file"),
    ("Enter", "Compare the current file with the keeper"),
    ("Ctrl+Enter / Ctrl+Shift+Enter", "Open the current file / show it in its folder"),
    ("Ctrl+Shift+C", "Copy the current file's path"),
    ("Ctrl+M", "Auto-mark by the chosen rule"),
    ("Ctrl+Shift+M", "Clear all marks"),
    ("Ctrl+Del", "Move marked files to the trash"),
    ("Ctrl+Shift+V", "Move marked files to a folder"),
    ("Ctrl+Z", "Undo the last move, trash or link replacement"),
    ("In compare: F / 1 / + / -", "Fit / 100% / zoom in / zoom out"),
    ("In compare: S / X / D", "Swap sides / flicker / difference"),
    ("In compare: N / Y", "Not a duplicate / is a duplicate, then the next pair"),
    ("In compare: Shift+Left / Shift+Right", "Previous / next pair"),
    ("In compare: PgUp / PgDn", "Previous / next group (also Shift+Up / Shift+Down)"),
    ("In compare: Esc", "Close"),
]
ABOUT = (
    "Doppel finds duplicate and near-duplicate photos.\n"
    "Removed files go to the system trash; moves, trash and link replacements can be undone."
)


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"


@dataclass(frozen=True)
class MenuActions:
    """Every menu and toolbar action, by menu; ``keep`` holds Mark › Auto-mark: keep… by rule."""

    add_folder: QAction
    scan: QAction
    cancel_scan: QAction
    open_results: QAction
    save_results: QAction
    save_results_as: QAction
    export_csv: QAction
    open_file: QAction
    show_in_folder: QAction
    copy_path: QAction
    find: QAction
    preferences: QAction
    problems: QAction
    toggle_mark: QAction
    mark: QAction
    keep: dict[str, QAction]
    auto_mark: QAction
    clear_marks: QAction
    trash: QAction
    move: QAction
    hardlink: QAction
    symlink: QAction
    undo: QAction
    compare: QAction
    not_duplicate: QAction
    is_duplicate: QAction
    improve: QAction
    versions: QAction
    rule_combo: QComboBox  # the toolbar's keep rule, used by Auto-mark
    auto_mark_button: QPushButton


def on_trigger(action: QAction, slot: Callable[[], object]) -> None:
    """Connect ``slot`` without the ``checked`` argument, so slots with optional parameters are safe."""
    action.triggered.connect(lambda _checked=False: slot())


def _action(parent: QWidget, menu: QMenu, text: str, shortcut: str | QKeySequence | None = None, tip: str = ""):
    act = QAction(text, parent)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
    menu.addAction(act)
    return act


def build_menus(window: QMainWindow) -> MenuActions:
    """The menu bar and the toolbar of ``window``; returns the actions for the window to connect."""
    w, mb = window, window.menuBar()
    f = mb.addMenu("&File")
    add_folder = _action(w, f, "Add folder…", "Ctrl+Shift+O")
    scan = _action(w, f, "Scan", "Ctrl+R")
    cancel_scan = _action(w, f, "Cancel scan", "Esc")
    f.addSeparator()
    open_results = _action(w, f, "Open results…", QKeySequence.StandardKey.Open, tip="Results saved earlier")
    save_results = _action(w, f, "Save results", QKeySequence.StandardKey.Save, tip="Groups, keepers and marks")
    save_results_as = _action(w, f, "Save results as…", "Ctrl+Shift+S")
    export_csv = _action(w, f, "Export as CSV…", "Ctrl+E", tip="One row per file: group, path, state, score…")
    f.addSeparator()
    open_file = _action(w, f, "Open the current file", "Ctrl+Return", tip="In the app your desktop uses for it")
    show_in_folder = _action(w, f, "Show in folder", "Ctrl+Shift+Return", tip="In the file manager")
    f.addSeparator()
    preferences = _action(w, f, "Preferences…", "Ctrl+,")
    problems = _action(w, f, "Skipped files and messages…")
    f.addSeparator()
    on_trigger(_action(w, f, "Quit", QKeySequence.StandardKey.Quit), window.close)

    e = mb.addMenu("&Edit")
    copy_path = _action(w, e, "Copy path", "Ctrl+Shift+C", tip="The current file's path, to the clipboard")
    find = _action(w, e, "Filter the groups", QKeySequence.StandardKey.Find, tip="By path or file name")

    m = mb.addMenu("&Mark")
    toggle_mark = _action(w, m, "Toggle mark", tip="Space in the lists")
    mark = _action(w, m, "Mark", tip="Delete in the lists")
    m.addSeparator()
    auto = m.addMenu("Auto-mark: keep…")
    keep = {rule: _action(w, auto, f"Keep {text}") for rule, text in MARK_RULES.items()}
    auto_mark = _action(w, m, "Auto-mark by the chosen rule", "Ctrl+M")
    clear_marks = _action(w, m, "Clear all marks", "Ctrl+Shift+M")

    a = mb.addMenu("&Actions")
    trash = _action(w, a, "Move marked to trash…", "Ctrl+Del")
    move = _action(w, a, "Move marked to folder…", "Ctrl+Shift+V")
    a.addSeparator()
    hardlink = _action(w, a, "Replace with hard links…", tip="Byte-identical copies become hard links to the kept copy")
    symlink = _action(w, a, "Replace with symbolic links…", tip="Byte-identical copies become links to the kept copy")
    a.addSeparator()
    undo = _action(w, a, "Undo", QKeySequence.StandardKey.Undo, tip="Undo the last move, trash or link replacement")
    undo.setEnabled(False)

    p = mb.addMenu("&Pair")
    compare = _action(w, p, "Compare with keeper", tip="Enter in the lists")
    not_duplicate = _action(w, p, "Not a duplicate (of the keeper)")
    is_duplicate = _action(w, p, "Is a duplicate (of the keeper)")

    mm = mb.addMenu("M&odel")
    improve = _action(w, mm, "Improve the model…", tip="Fine-tune on the pairs you marked Is / Not a duplicate")
    versions = _action(w, mm, "Model versions…")

    h = mb.addMenu("&Help")
    on_trigger(_action(w, h, "Keyboard shortcuts", "F1"), lambda: show_shortcuts(window))
    on_trigger(_action(w, h, "About Doppel"), lambda: QMessageBox.about(window, "About Doppel", ABOUT))

    rule_combo, auto_mark_button = _toolbar(window, scan, (trash, move, undo))
    return MenuActions(
        add_folder=add_folder, scan=scan, cancel_scan=cancel_scan, open_results=open_results,
        save_results=save_results, save_results_as=save_results_as, export_csv=export_csv, open_file=open_file,
        show_in_folder=show_in_folder, copy_path=copy_path, find=find, preferences=preferences, problems=problems,
        toggle_mark=toggle_mark, mark=mark, keep=keep, auto_mark=auto_mark, clear_marks=clear_marks,
        trash=trash, move=move, hardlink=hardlink, symlink=symlink, undo=undo,
        compare=compare, not_duplicate=not_duplicate, is_duplicate=is_duplicate,
        improve=improve, versions=versions,
        rule_combo=rule_combo, auto_mark_button=auto_mark_button,
    )  # fmt: skip


def _toolbar(window: QMainWindow, scan: QAction, file_actions: tuple[QAction, ...]) -> tuple[QComboBox, QPushButton]:
    tb = QToolBar("Main", window)
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    window.addToolBar(tb)
    tb.addAction(scan)
    tb.addSeparator()
    tb.addWidget(QLabel(" Keep: ", window))
    rule_combo = QComboBox(window)
    for rule, text in MARK_RULES.items():
        rule_combo.addItem(text, rule)
    tb.addWidget(rule_combo)
    auto_button = QPushButton("Auto-mark", window)
    tb.addWidget(auto_button)
    tb.addSeparator()
    for act in file_actions:
        tb.addAction(act)
    return rule_combo, auto_button


def show_shortcuts(parent: QWidget) -> None:
    QMessageBox.information(parent, "Keyboard shortcuts", shortcuts_html())
