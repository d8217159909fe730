"""Command-line interface: ``python main.py scan|apply|undo|label|models|train|finetune ...``.

Headless, never imports the GUI.
"""

from __future__ import annotations

import argparse
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = COMMANDS[args.command].run(args, parser)
    return code


if __name__ == "__main__":
    sys.exit(main())
