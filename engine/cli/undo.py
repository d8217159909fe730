"""``undo``: put back what the latest file action did (an apply, or the app's last trash / move / links)."""

from __future__ import annotations

import argparse

from engine.cli.apply import say
from engine.fileops import undo_last


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    u = sub.add_parser(
        "undo",
        help="put back what the last apply (or the app's last file action) did",
        description="Undo the latest file action in the action log: moved files go back, trashed files come back "
        "from the trash (where their place is known), links become independent files with their bytes again. "
        "Run it again to undo the action before.",
    )
    u.add_argument("--quiet", action="store_true", help="only the summary and what could not be undone")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    report = undo_last()
    for o in report.recovered:
        say(f"recovered {o.message}")
    for o in report.outcomes:
        if not o.ok:
            say(f"not undone {o.message}")
        elif not args.quiet:
            say(f"restored  {o.dest}")
    if not report.outcomes:
        say("Nothing to undo.")
    else:
        say(f"{len(report.done)} restored, {len(report.skipped)} not undone.")
    return 1 if report.skipped else 0
