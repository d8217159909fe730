"""Every user-visible string in gui/ goes through tr(): a new literal in a label, tooltip, title, menu or message
fails here. Also: the shipped .ts source lists the strings, and a translation for the locale is loaded."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

GUI = Path(__file__).resolve().parents[2] / "gui"

TEXT_ARGS: dict[str, list[int]] = {
    # widgets and items built with their text
    **dict.fromkeys(("QAction", "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QToolBar"), [0]),
    **dict.fromkeys(("QListWidgetItem", "QTableWidgetItem"), [0]),
    # setters and adders whose argument is shown
    **dict.fromkeys(
        (
            "setText",
            "setToolTip",
            "setStatusTip",
            "setWindowTitle",
            "setPlaceholderText",
            "setWhatsThis",
            "setTitle",
            "setLabelText",
            "addMenu",
            "addRow",
            "addItem",
            "addItems",
            "setHorizontalHeaderLabels",
            "setHeaderLabels",
            "showMessage",
        ),
        [0],
    ),
    **dict.fromkeys(("addTab", "setTabText", "setItemText"), [1]),
    "drawText": [-1],
    # dialogs: (parent, title, text)
    **dict.fromkeys(("information", "warning", "critical", "question", "about"), [1, 2]),
    **dict.fromkeys(("getOpenFileName", "getSaveFileName", "getExistingDirectory"), [1]),
    # Doppel's own: Messages (status bar, banner, panel), the compare view's message line, a menu action
    **dict.fromkeys(("status", "error", "warn", "add_message", "show_message"), [0]),
    "_action": [2],
}
TEXT_KEYWORDS = {"tip", "text", "title", "caption"}
TRANSLATORS = {"tr", "translate"}


def call_name(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def is_text(node: ast.AST) -> bool:
    """A literal with words in it (or an f-string, a concatenation or a choice holding one), not through tr()."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(is_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return is_text(node.left) or is_text(node.right)
    if isinstance(node, ast.IfExp):
        return is_text(node.body) or is_text(node.orelse)
    return False


def untranslated(source: str, filename: str = "<test>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        args = [node.args[i] for i in TEXT_ARGS.get(name, ()) if -len(node.args) <= i < len(node.args)]
        args += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        found += [f"{filename}:{a.lineno}: {name}() shows a literal; wrap it in tr()" for a in args if is_text(a)]
        if name in TRANSLATORS and node.args:  # tr(f"...") cannot be looked up: tr("... {n}").format(n=...)
            source_text = node.args[1] if name == "translate" and len(node.args) >= 2 else node.args[0]
            # a literal, or a name / table entry holding one marked with QT_TRANSLATE_NOOP
            if not isinstance(source_text, (ast.Constant, ast.Name, ast.Subscript)):
                found.append(f"{filename}:{node.lineno}: {name}() of a computed string cannot be translated")
    return found


def test_no_user_visible_literal_bypasses_tr() -> None:
    problems = [p for path in sorted(GUI.rglob("*.py")) for p in untranslated(path.read_text(), str(path))]
    assert problems == []


def test_the_check_catches_what_it_should() -> None:
    assert untranslated('label.setText("Scanning")') and untranslated('QMessageBox.about(w, "About", text)')
    assert untranslated('messages.status(f"Saved {n} groups")') and untranslated('_action(w, m, "Quit", "Ctrl+Q")')
    assert untranslated('self.tr(f"Saved {n}")') and untranslated('QPushButton("OK" if a else "Cancel")')
    assert not untranslated('label.setText(self.tr("Scanning"))')
    assert not untranslated('_action(w, m, translate("Menus", "Quit"), "Ctrl+Q")')  # a shortcut is no text
    assert not untranslated('label.setText(f"{count} · {size}")') and not untranslated('w.setObjectName("tree")')


def test_the_ts_source_lists_the_strings_and_a_translation_loads(qapp, tmp_path) -> None:
    from gui.i18n import TS_SOURCE, install_translators

    ts = TS_SOURCE.read_text(encoding="utf-8")
    for source in ("Open results…", "Copy path", "Keep both (auto-mark marks neither)", "MARKED"):
        assert f"<source>{source}</source>" in ts, source
    assert install_translators(qapp, QLocale(QLocale.Language.Welsh), tmp_path) == []  # none: English stays
    qm = tmp_path / "doppel_de.qm"
    qm.write_bytes(german_qm())
    loaded = install_translators(qapp, QLocale(QLocale.Language.German), tmp_path)
    try:
        assert loaded and loaded[0] == str(qm)
        assert QCoreApplication.translate("Menus", "Copy path") == "Pfad kopieren"
    finally:
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)


def german_qm() -> bytes:
    """A one-string .qm made by lrelease from a tiny .ts (what a translator's work compiles to)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        ts = Path(folder) / "de.ts"
        ts.write_text(
            '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="de">'
            "<context><name>Menus</name><message><source>Copy path</source>"
            "<translation>Pfad kopieren</translation></message></context></TS>",
            encoding="utf-8",
        )
        lrelease = Path(sys.executable).with_name("pyside6-lrelease")
        subprocess.run([str(lrelease), str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True, capture_output=True)
        return ts.with_suffix(".qm").read_bytes()
