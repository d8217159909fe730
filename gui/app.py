"""Start the desktop app: ``main(argv) -> exit code`` (``python main.py`` with no subcommand).

How the GUI is put together, for whoever adds to it:

- This module is the only one that knows :class:`~gui.mainwindow.MainWindow`. The window builds the widgets
  (``gui/views``, ``gui/dialogs``), the item models (``gui/itemmodels``) and the controllers, and connects them.
- Screen logic lives in ``gui/controllers``, one controller per feature (scan, results and threshold,
  navigation, marks, file actions, pairs, fine-tuning). A controller receives what it uses in its constructor:
  the results model, the :class:`~gui.workers.TaskRunner`, the :class:`~gui.settings.SettingsStore`, the
  :class:`~gui.views.messages.Messages` (status bar, banner, messages panel), the label store, and the sibling
  controllers it acts on; it reports through its own signals. Tests build one with a real model and fakes.
- A menu action is declared in :mod:`gui.menus` (a ``MenuActions`` field and a line in ``build_menus``) and
  connected to its controller in ``MainWindow._connect_actions``. Threads are only in :mod:`gui.workers`.
"""

from __future__ import annotations

import argparse
import logging
import sys


def prepare_app(app) -> None:
    """Before any window: the translation for the user's language (when there is one), the system's light or dark
    colour scheme (followed while the app runs), and the app's icon, drawn from its SVG at every size."""
    from gui.i18n import install_translators
    from gui.theme import SchemeFollower, app_icon

    install_translators(app)
    app.scheme_follower = SchemeFollower(app)
    app.setWindowIcon(app_icon())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="doppel", description="Find duplicate and near-duplicate photos.")
    # Positional folders mean a headless scan (main.py routes them to the CLI); the app takes --folder.
    parser.add_argument(
        "--folder",
        dest="folders",
        action="append",
        default=[],
        metavar="DIR",
        help="add DIR to the folder list (repeatable)",
    )
    parser.add_argument("--scan", action="store_true", help="start scanning at once")
    args, qt_args = parser.parse_known_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from PySide6.QtWidgets import QApplication

    from gui.mainwindow import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Doppel")
    app.setOrganizationName("Doppel")
    prepare_app(app)
    window = MainWindow()
    for folder in args.folders:
        window.folders.add_folder(folder)
    window.show()
    if args.scan:
        window.scanner.start()
    else:
        window.scanner.preload()
    return app.exec()
