"""The main window's menus and toolbar, and the keyboard shortcuts the Help menu lists.

``build_menus(window)`` lays out every menu and returns the actions as :class:`MenuActions`; only Quit and the
Help menu, which need nothing but the window, are connected here. The window connects the rest to the
controllers that do the work (``MainWindow._connect_actions``). A new action: a field here, a line in the
function that builds its menu (``_file_menu``...), a line in ``_connect_actions`` saying what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QToolBar,
    QWidget,
)

from engine.marking import MARK_RULES
from gui.theme import themed_icon

translate = QCoreApplication.translate

SHORTCUTS = [
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Shift+O"), QT_TRANSLATE_NOOP("Shortcuts", "Add a folder")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+R"), QT_TRANSLATE_NOOP("Shortcuts", "Scan")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Esc"), QT_TRANSLATE_NOOP("Shortcuts", "Cancel the scan")),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+O / Ctrl+S / Ctrl+Shift+S"),
        QT_TRANSLATE_NOOP("Shortcuts", "Open / save / save as: the results"),
    ),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+E"), QT_TRANSLATE_NOOP("Shortcuts", "Export the results as CSV")),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+F"),
        QT_TRANSLATE_NOOP("Shortcuts", "Filter the groups by path or file name"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Up / Down"),
        QT_TRANSLATE_NOOP("Shortcuts", "Previous / next group (or row in the list)"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Left / Right"),
        QT_TRANSLATE_NOOP("Shortcuts", "Previous / next member of the group"),
    ),
    (QT_TRANSLATE_NOOP("Shortcuts", "In the list: + / -"), QT_TRANSLATE_NOOP("Shortcuts", "Open / close a group")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Space"), QT_TRANSLATE_NOOP("Shortcuts", "Toggle the mark on the current file")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Delete"), QT_TRANSLATE_NOOP("Shortcuts", "Mark the current file")),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Enter"),
        QT_TRANSLATE_NOOP("Shortcuts", "Compare the current file with the keeper"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Enter / Ctrl+Shift+Enter"),
        QT_TRANSLATE_NOOP("Shortcuts", "Open the current file / show it in its folder"),
    ),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Shift+C"), QT_TRANSLATE_NOOP("Shortcuts", "Copy the current file's path")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+M"), QT_TRANSLATE_NOOP("Shortcuts", "Auto-mark by the chosen rule")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Shift+M"), QT_TRANSLATE_NOOP("Shortcuts", "Clear all marks")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Del"), QT_TRANSLATE_NOOP("Shortcuts", "Move marked files to the trash")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Shift+V"), QT_TRANSLATE_NOOP("Shortcuts", "Move marked files to a folder")),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Ctrl+Z"),
        QT_TRANSLATE_NOOP("Shortcuts", "Undo the last move, trash or link replacement"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "In compare: F / 1 / + / -"),
        QT_TRANSLATE_NOOP("Shortcuts", "Fit / 100% / zoom in / zoom out"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "In compare: S / X / D"),
        QT_TRANSLATE_NOOP("Shortcuts", "Swap sides / flicker / difference"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "In compare: N / Y"),
        QT_TRANSLATE_NOOP("Shortcuts", "Not a duplicate / is a duplicate, then the next pair"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "In compare: Shift+Left / Shift+Right"),
        QT_TRANSLATE_NOOP("Shortcuts", "Previous / next pair"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "In compare: PgUp / PgDn"),
        QT_TRANSLATE_NOOP("Shortcuts", "Previous / next group (also Shift+Up / Shift+Down)"),
    ),
    (QT_TRANSLATE_NOOP("Shortcuts", "In compare: Esc"), QT_TRANSLATE_NOOP("Shortcuts", "Close")),
]
ABOUT = QT_TRANSLATE_NOOP(
    "Menus",
    "Doppel finds duplicate and near-duplicate photos.\n"
    "Removed files go to the system trash; moves, trash and link replacements can be undone.",
)
MARK_RULE_TEXT = {
    "suggested": QT_TRANSLATE_NOOP("MarkRules", "the suggested keeper"),
    "resolution": QT_TRANSLATE_NOOP("MarkRules", "the highest resolution"),
    "size": QT_TRANSLATE_NOOP("MarkRules", "the largest file"),
    "oldest": QT_TRANSLATE_NOOP("MarkRules", "the oldest"),
    "newest": QT_TRANSLATE_NOOP("MarkRules", "the newest"),
    "preferred": QT_TRANSLATE_NOOP("MarkRules", "one in a preferred folder"),
}
"""engine.marking.MARK_RULES' words, for translators (the engine never imports Qt)."""


def rule_text(rule: str) -> str:
    """What an auto-mark rule keeps, in the user's language ("the highest resolution")."""
    return translate("MarkRules", MARK_RULE_TEXT[rule]) if rule in MARK_RULE_TEXT else MARK_RULES[rule]


def shortcuts_html() -> str:
    rows = "".join(
        f"<tr><td><b>{translate('Shortcuts', k)}</b>&nbsp;&nbsp;</td><td>{translate('Shortcuts', v)}</td></tr>"
        for k, v in SHORTCUTS
    )
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
    acts: dict[str, object] = {**_file_menu(window), **_edit_and_mark_menus(window), **_other_menus(window)}
    _help_menu(window)
    _set_icons(acts)
    file_actions = (acts["trash"], acts["move"], acts["undo"])
    acts["rule_combo"], acts["auto_mark_button"] = _toolbar(window, acts["scan"], file_actions)
    return MenuActions(**acts)


def _file_menu(w: QMainWindow) -> dict[str, object]:
    """File: folders, scanning, results files, the current file, preferences, quit."""
    mb = w.menuBar()
    f = mb.addMenu(translate("Menus", "&File"))
    add_folder = _action(w, f, translate("Menus", "Add folder…"), "Ctrl+Shift+O")
    scan = _action(w, f, translate("Menus", "Scan"), "Ctrl+R")
    cancel_scan = _action(w, f, translate("Menus", "Cancel scan"), "Esc")
    f.addSeparator()
    open_results = _action(
        w,
        f,
        translate("Menus", "Open results…"),
        QKeySequence.StandardKey.Open,
        tip=translate("Menus", "Results saved earlier"),
    )
    save_results = _action(
        w,
        f,
        translate("Menus", "Save results"),
        QKeySequence.StandardKey.Save,
        tip=translate("Menus", "Groups, keepers and marks"),
    )
    save_results_as = _action(w, f, translate("Menus", "Save results as…"), "Ctrl+Shift+S")
    export_csv = _action(
        w,
        f,
        translate("Menus", "Export as CSV…"),
        "Ctrl+E",
        tip=translate("Menus", "One row per file: group, path, state, score…"),
    )
    f.addSeparator()
    open_file = _action(
        w,
        f,
        translate("Menus", "Open the current file"),
        "Ctrl+Return",
        tip=translate("Menus", "In the app your desktop uses for it"),
    )
    show_in_folder = _action(
        w, f, translate("Menus", "Show in folder"), "Ctrl+Shift+Return", tip=translate("Menus", "In the file manager")
    )
    f.addSeparator()
    preferences = _action(w, f, translate("Menus", "Preferences…"), "Ctrl+,")
    problems = _action(w, f, translate("Menus", "Skipped files and messages…"))
    f.addSeparator()
    on_trigger(_action(w, f, translate("Menus", "Quit"), QKeySequence.StandardKey.Quit), w.close)

    return dict(
        add_folder=add_folder,
        scan=scan,
        cancel_scan=cancel_scan,
        open_results=open_results,
        save_results=save_results,
        save_results_as=save_results_as,
        export_csv=export_csv,
        open_file=open_file,
        show_in_folder=show_in_folder,
        preferences=preferences,
        problems=problems,
    )


def _edit_and_mark_menus(w: QMainWindow) -> dict[str, object]:
    """Edit (copy path, filter) and Mark."""
    mb = w.menuBar()
    e = mb.addMenu(translate("Menus", "&Edit"))
    copy_path = _action(
        w,
        e,
        translate("Menus", "Copy path"),
        "Ctrl+Shift+C",
        tip=translate("Menus", "The current file's path, to the clipboard"),
    )
    find = _action(
        w,
        e,
        translate("Menus", "Filter the groups"),
        QKeySequence.StandardKey.Find,
        tip=translate("Menus", "By path or file name"),
    )

    m = mb.addMenu(translate("Menus", "&Mark"))
    toggle_mark = _action(w, m, translate("Menus", "Toggle mark"), tip=translate("Menus", "Space in the lists"))
    mark = _action(w, m, translate("Menus", "Mark"), tip=translate("Menus", "Delete in the lists"))
    m.addSeparator()
    auto = m.addMenu(translate("Menus", "Auto-mark: keep…"))
    keep = {
        rule: _action(w, auto, translate("Menus", "Keep {what}").format(what=rule_text(rule)))
        for rule, text in MARK_RULES.items()
    }
    auto_mark = _action(w, m, translate("Menus", "Auto-mark by the chosen rule"), "Ctrl+M")
    clear_marks = _action(w, m, translate("Menus", "Clear all marks"), "Ctrl+Shift+M")

    return dict(
        copy_path=copy_path,
        find=find,
        toggle_mark=toggle_mark,
        mark=mark,
        keep=keep,
        auto_mark=auto_mark,
        clear_marks=clear_marks,
    )


def _other_menus(w: QMainWindow) -> dict[str, object]:
    """Actions, Pair and Model."""
    mb = w.menuBar()
    a = mb.addMenu(translate("Menus", "&Actions"))
    trash = _action(w, a, translate("Menus", "Move marked to trash…"), "Ctrl+Del")
    move = _action(w, a, translate("Menus", "Move marked to folder…"), "Ctrl+Shift+V")
    a.addSeparator()
    hardlink = _action(
        w,
        a,
        translate("Menus", "Replace with hard links…"),
        tip=translate("Menus", "Byte-identical copies become hard links to the kept copy"),
    )
    symlink = _action(
        w,
        a,
        translate("Menus", "Replace with symbolic links…"),
        tip=translate("Menus", "Byte-identical copies become links to the kept copy"),
    )
    a.addSeparator()
    undo = _action(
        w,
        a,
        translate("Menus", "Undo"),
        QKeySequence.StandardKey.Undo,
        tip=translate("Menus", "Undo the last move, trash or link replacement"),
    )
    undo.setEnabled(False)

    p = mb.addMenu(translate("Menus", "&Pair"))
    compare = _action(w, p, translate("Menus", "Compare with keeper"), tip=translate("Menus", "Enter in the lists"))
    not_duplicate = _action(w, p, translate("Menus", "Not a duplicate (of the keeper)"))
    is_duplicate = _action(w, p, translate("Menus", "Is a duplicate (of the keeper)"))

    mm = mb.addMenu(translate("Menus", "M&odel"))
    improve = _action(
        w,
        mm,
        translate("Menus", "Improve the model…"),
        tip=translate("Menus", "Fine-tune on the pairs you marked Is / Not a duplicate"),
    )
    versions = _action(w, mm, translate("Menus", "Model versions…"))

    return dict(
        trash=trash,
        move=move,
        hardlink=hardlink,
        symlink=symlink,
        undo=undo,
        compare=compare,
        not_duplicate=not_duplicate,
        is_duplicate=is_duplicate,
        improve=improve,
        versions=versions,
    )


def _help_menu(w: QMainWindow) -> None:
    window, mb = w, w.menuBar()
    h = mb.addMenu(translate("Menus", "&Help"))
    on_trigger(_action(w, h, translate("Menus", "Keyboard shortcuts"), "F1"), lambda: show_shortcuts(window))
    on_trigger(
        _action(w, h, translate("Menus", "About Doppel")),
        lambda: QMessageBox.about(window, translate("Menus", "About Doppel"), translate("Menus", ABOUT)),
    )


def _set_icons(acts: dict[str, object]) -> None:
    for act, name, fallback in (
        (acts["scan"], "system-search", QStyle.StandardPixmap.SP_BrowserReload),
        (acts["open_results"], "document-open", QStyle.StandardPixmap.SP_DialogOpenButton),
        (acts["save_results"], "document-save", QStyle.StandardPixmap.SP_DialogSaveButton),
        (acts["trash"], "user-trash", QStyle.StandardPixmap.SP_TrashIcon),
        (acts["move"], "folder", QStyle.StandardPixmap.SP_DirIcon),
        (acts["undo"], "edit-undo", QStyle.StandardPixmap.SP_ArrowBack),
    ):
        act.setIcon(themed_icon(name, fallback))  # theme icons are SVG or come in every size: sharp at HiDPI


def _toolbar(window: QMainWindow, scan: QAction, file_actions: tuple[QAction, ...]) -> tuple[QComboBox, QPushButton]:
    tb = QToolBar(translate("Menus", "Main"), window)
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # the words stay beside the new icons
    window.addToolBar(tb)
    tb.addAction(scan)
    tb.addSeparator()
    tb.addWidget(QLabel(translate("Menus", " Keep: "), window))
    rule_combo = QComboBox(window)
    for rule in MARK_RULES:
        rule_combo.addItem(rule_text(rule), rule)
    tb.addWidget(rule_combo)
    auto_button = QPushButton(translate("Menus", "Auto-mark"), window)
    tb.addWidget(auto_button)
    tb.addSeparator()
    for act in file_actions:
        tb.addAction(act)
    return rule_combo, auto_button


def show_shortcuts(parent: QWidget) -> None:
    QMessageBox.information(parent, translate("Menus", "Keyboard shortcuts"), shortcuts_html())
