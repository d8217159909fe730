"""Translations: every user-visible string goes through ``tr()`` / ``QCoreApplication.translate`` (a test checks
gui/ for literals that do not), ``resources/i18n/doppel_en.ts`` is the source for translators (made with
``pyside6-lupdate``, see the README), and a compiled ``doppel_<locale>.qm`` beside it is loaded at start-up.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from engine.paths import resources_dir

I18N_DIR = resources_dir() / "i18n"
TS_SOURCE = I18N_DIR / "doppel_en.ts"


def install_translators(app: QCoreApplication, locale: QLocale | None = None, folder: Path = I18N_DIR) -> list[str]:
    """Load Doppel's translation for ``locale`` (default: the system's) when one exists, and Qt's own for its
    standard dialogs; returns the files loaded. No translation: the English source strings are shown."""
    locale = locale or QLocale.system()
    loaded: list[str] = []
    for name, where in (
        ("doppel", str(folder)),
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", where, ".qm"):
            app.installTranslator(translator)
            loaded.append(translator.filePath())
        else:
            translator.deleteLater()
    return loaded
