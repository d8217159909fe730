"""``label``: tell Doppel two photos are (or are not) duplicates, from the command line; every scan honours it.

Labels live in the same store the app writes (``engine.labels``), keyed by the files' contents, so they survive
renames and moves.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from engine.labels import LabelStore, LabelStoreError

KINDS = {"same": True, "different": False}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "label",
        help="label two photos as the same or different; list or remove labels",
        description="Pair labels: every scan groups a 'same' pair and never groups a 'different' one.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--labels", metavar="DB", help="label store (default: the app's, in the data dir or $DOPPEL_DATA_DIR)"
    )
    lsub = p.add_subparsers(dest="label_command", required=True)
    for kind, text in (("same", "duplicates"), ("different", "not duplicates")):
        one = lsub.add_parser(kind, parents=[common], help=f"label two files as {text}")
        one.add_argument("path_a", metavar="PATH_A")
        one.add_argument("path_b", metavar="PATH_B")
    lsub.add_parser("list", parents=[common], help="list the labels: same|different, path A, path B (tab-separated)")
    rm = lsub.add_parser("remove", parents=[common], help="forget the label of two files")
    rm.add_argument("path_a", metavar="PATH_A")
    rm.add_argument("path_b", metavar="PATH_B")


def _say(text: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") + "\n")


def _fail(text: str) -> int:
    _say(f"doppel: error: {text}", sys.stderr)
    return 2


def _check_pair(a: str, b: str, must_exist: bool) -> str | None:
    """Why ``a`` and ``b`` cannot be a pair, else None; ``must_exist=False`` lets a vanished file through."""
    for p in (a, b):
        if os.path.isdir(p):
            return f"{p} is a folder, not a file"
        if must_exist and not os.path.isfile(p):
            return f"no such file: {p}"
    same = os.path.abspath(a) == os.path.abspath(b)
    if not same and os.path.exists(a) and os.path.exists(b):
        same = os.path.samefile(a, b)
    return f"{a} and {b} are the same file; a label needs two different files" if same else None


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.label_command in ("list", "remove") and args.labels and not os.path.isfile(args.labels):
        return _fail(f"no label store at {args.labels}")
    try:
        if args.label_command == "list":
            return _list(args.labels)
        problem = _check_pair(args.path_a, args.path_b, must_exist=args.label_command != "remove")
        if problem:
            return _fail(problem)
        store = LabelStore(args.labels)
        if args.label_command == "remove":
            if not store.remove(args.path_a, args.path_b):
                _say("doppel: no label for these two files", sys.stderr)
                return 1
            _say(f"removed the label of {args.path_a} and {args.path_b}")
            return 0
        pair = store.add(args.path_a, args.path_b, KINDS[args.label_command])
    except (LabelStoreError, ValueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {exc.filename or 'a file'}: {exc.strerror or exc}")
    verdict = "duplicates" if pair.is_duplicate else "not duplicates"
    _say(f"labelled as {verdict}: {pair.path_a} and {pair.path_b}")
    return 0


def _list(path: str | None) -> int:
    try:
        store = LabelStore(path, create=False)
        pairs = store.pairs()
    except FileNotFoundError:
        pairs = []
    for p in pairs:
        _say(f"{'same' if p.is_duplicate else 'different'}\t{p.path_a}\t{p.path_b}")
    if not pairs:
        _say("doppel: no labels yet", sys.stderr)
    return 0
