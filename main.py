"""Doppel: start the GUI, or the command-line interface when given a subcommand."""

from __future__ import annotations

import sys
from pathlib import Path

SUBCOMMANDS = ("scan", "apply", "undo", "label", "train", "finetune", "models")


def app_dir() -> Path:
    """The folder of the executable in the frozen app, of main.py from source."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent


def apply_portable(argv: list[str]) -> list[str]:
    """``--portable`` keeps settings, cache and data beside the app (``--portable=DIR``: in DIR); strip the flag."""
    rest: list[str] = []
    for arg in argv:
        if arg == "--portable" or arg.startswith("--portable="):
            from engine.paths import set_portable

            set_portable(arg.partition("=")[2] or app_dir())
        else:
            rest.append(arg)
    return rest


def main(argv: list[str] | None = None) -> int:
    argv = apply_portable(sys.argv[1:] if argv is None else list(argv))
    if "--self-test" in argv:  # headless: never imports Qt
        from engine.selftest import main as selftest_main

        return selftest_main()
    if argv and not argv[0].startswith("-") or argv[:1] in (["-h"], ["--help"]):
        from engine.cli import main as cli_main

        if argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help"):
            argv = ["scan", *argv]  # "doppel ~/Pictures" scans headless
        return cli_main(argv)
    from gui.app import main as gui_main

    return gui_main(argv)


def run() -> int:
    """``main()`` as a program: Ctrl-C while starting up (torch takes seconds to import) exits 130, no traceback."""
    try:
        if getattr(sys, "frozen", False):  # a frozen app's child processes start here; from source it costs an import
            import multiprocessing

            multiprocessing.freeze_support()
        return main()
    except KeyboardInterrupt:
        print("doppel: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
