"""Start the desktop app: ``main(argv) -> exit code`` (``python main.py`` with no subcommand)."""

from __future__ import annotations

import argparse
import logging
import sys


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
    window = MainWindow()
    for folder in args.folders:
        window.folders.add_folder(folder)
    window.show()
    if args.scan:
        window.start_scan()
    else:
        window.preload_model()
    return app.exec()
