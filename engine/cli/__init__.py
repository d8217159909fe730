"""Command-line interface: ``python main.py scan|apply|undo|label|models|train|finetune ...``.

Headless, never imports the GUI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from engine.cli import apply as apply_cmd
from engine.cli import label as label_cmd
from engine.cli import models as models_cmd
from engine.cli import scan as scan_cmd
from engine.cli import undo as undo_cmd

COMMANDS = {"scan": scan_cmd, "apply": apply_cmd, "undo": undo_cmd, "label": label_cmd, "models": models_cmd}


def _optional_commands() -> None:
    """Commands whose modules may pull in torch register lazily, so ``scan --help`` stays instant."""
    try:
        from engine.cli import train as train_cmd

        COMMANDS.setdefault("train", train_cmd)
    except ImportError:
        pass
    try:
        from engine.cli import finetune as finetune_cmd

        COMMANDS.setdefault("finetune", finetune_cmd)
    except ImportError:
        pass


def build_parser() -> argparse.ArgumentParser:
    _optional_commands()
    parser = argparse.ArgumentParser(prog="doppel", description="Find duplicate and near-duplicate photos.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


def tolerant_output() -> None:
    """Characters the console cannot show (an emoji in a file name on a cp1252 console) print as escapes.

    JSON and CSV files are written as UTF-8 whatever the console; this is only about what is printed.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # closed, or not a real text stream
                pass


def _silence_output() -> None:
    """After a broken pipe: point stdout and stderr at the null device, so the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptors (captured in a test)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    tolerant_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = COMMANDS[args.command].run(args, parser)
    except BrokenPipeError:  # `doppel scan ... | head -1`: the reader has what it wanted; stop quietly
        _silence_output()
        return EXIT_BROKEN_PIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
