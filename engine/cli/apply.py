"""``apply``: act on the groups a scan wrote (``scan --groups-json``), reviewed before it acts.

Every non-keeper member of every group (the keeper as the file says; a user may edit it; and the RAW or JPEG of
one shot that the file's ``raw_jpeg`` rule keeps beside it) is trashed, moved, or
replaced by a hard or symbolic link to its keeper, with the app's safety: each file (the keeper too) re-checked
against the size and mtime in the file, never the last copy of a group, protected folders untouched, every
step in the action log, undoable with ``undo`` (:mod:`engine.cli.undo`). Exit 0 when every file went, 1 when
some were skipped (each with its reason), 2 for a bad file or flag (one line), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from engine.cli.progressbar import ProgressBar
from engine.fileops import ActionReport, link_files, move_files, recover, trash_files
from engine.groupsfile import GroupsFile, GroupsFileError, common_root, read_groups
from engine.progress import Progress
from engine.results import Group, Outcome
from engine.twins import kept_by_rule

ACTIONS = ("trash", "move", "hardlink", "symlink")
NEAR_HINT = "--include-near replaces a near-duplicate anyway, sending its own bytes to the trash first"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "apply",
        help="trash, move or link the extra copies listed in a scan's --groups-json file",
        description="Act on every member but the keeper of every group in FILE (written by `scan --groups-json`; "
        "you may change a group's keeper there first). Each file is re-checked against the scan before it is "
        "touched; the last copy of a group is never touched; `doppel undo` reverses the last apply.",
    )
    p.add_argument("file", metavar="FILE", help="the groups JSON written by `scan --groups-json`")
    p.add_argument("--action", required=True, choices=ACTIONS, help="what to do with each extra copy")
    p.add_argument("--to", metavar="DIR", help="move: the folder to move into (the scanned folder tree is kept)")
    p.add_argument("--dry-run", action="store_true", help="say what would be done; touch nothing")
    p.add_argument("--protect", action="append", default=[], metavar="DIR", help="never touch files in DIR")
    p.add_argument("--relative", action="store_true", help="symlink: store the link relative to its folder")
    p.add_argument(
        "--include-near",
        action="store_true",
        help="hardlink/symlink: also replace near-duplicates (not byte copies); their own bytes go to the trash",
    )
    p.add_argument("--quiet", action="store_true", help="only the summary and the skipped files")


def flag_error(args: argparse.Namespace) -> str | None:
    if args.action == "move" and not args.to:
        return "--action move needs --to DIR"
    if args.to and args.action != "move":
        return "--to is only for --action move"
    if args.to and os.path.exists(args.to) and not os.path.isdir(args.to):
        return f"--to {args.to} is not a folder"
    if args.relative and args.action != "symlink":
        return "--relative is only for --action symlink"
    if args.include_near and args.action not in ("hardlink", "symlink"):
        return "--include-near is only for --action hardlink or symlink"
    bad = [d for d in args.protect if not os.path.isdir(d)]
    return f"--protect {bad[0]} is not a folder" if bad else None


def say(text: str, stream: TextIO | None = None) -> None:
    """Print a line whatever the file names hold (surrogate-escaped bytes) or the terminal's encoding."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "replace").decode(encoding) + "\n")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def run_apply(
    args: argparse.Namespace, groups: list[Group], roots: tuple[str, ...], progress: Progress, raw_jpeg: str = ""
) -> ActionReport:
    """``raw_jpeg``: the file's rule for a RAW and its camera JPEG; the one it keeps is left alone like the keeper."""
    members = [m for g in groups for m in g.members if m.path != g.keeper and m.path not in kept_by_rule(g, raw_jpeg)]
    common = {"protected": args.protect, "progress": progress, "dry_run": args.dry_run}
    if args.action == "trash":
        return trash_files(members, groups, **common)
    if args.action == "move":
        return move_files(members, args.to, groups, roots=roots or (common_root(tuple(groups)),), **common)
    return link_files(
        members, groups, kind=args.action, relative=args.relative, include_near=args.include_near, **common
    )


def done_line(action: str, o: Outcome) -> str:
    rec = o.record or {}
    if action == "trash":
        return f"trashed   {o.path}" + (f" -> {o.dest}" if o.dest else "")
    if action == "move":
        return f"moved     {o.path} -> {o.dest}"
    kind = "hard link" if action == "hardlink" else "symbolic link"
    near = f"; it differed from it, its own bytes are in the trash at {o.dest}" if rec.get("near") else ""
    return f"linked    {o.path} -> {rec.get('target')} ({kind}{near})"


def print_report(args: argparse.Namespace, report: ActionReport, sizes: dict[str, int]) -> None:
    for o in report.recovered:
        say(f"recovered {o.message}")
    order = {p: n for n, p in enumerate(sizes)}
    for o in sorted(report.outcomes, key=lambda o: order.get(o.path, 0)):
        if not o.ok:
            say(f"skipped   {o.message}")
        elif not args.quiet:
            say(o.message if report.dry_run else done_line(args.action, o))
    freed = sum(sizes.get(o.path, 0) for o in report.done)
    verb = {"trash": "trashed", "move": "moved", "hardlink": "replaced by hard links", "symlink": "replaced by links"}
    n = len(report.done)
    files = f"{n} file{'s' if n != 1 else ''}"
    where = " (freed when the trash is emptied)" if args.action == "trash" else ""
    if report.dry_run:
        say(f"Dry run: {files} would be {verb[args.action]} ({_mb(freed)}{where}); nothing was touched.")
    else:
        say(f"{files} {verb[args.action]} ({_mb(freed)}{where}).")
    near = [o for o in report.done if (o.record or {}).get("near")]
    if near:
        say(
            f"Warning: {len(near)} of them differed from their keeper (near-duplicates, not byte copies): each "
            "is now a link to its keeper and its own pixels exist only in the trash."
        )
    if report.skipped:
        say(f"{len(report.skipped)} skipped (see above); nothing was done to them.")
        if any("near-duplicate" in o.message for o in report.skipped):
            say(f"Hint: {NEAR_HINT}.")
    if report.done and not report.dry_run:
        say("Every step is in the action log; `doppel undo` puts these files back.")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    error = flag_error(args)
    doc: GroupsFile | None = None
    if error is None:
        try:
            doc = read_groups(args.file)
        except GroupsFileError as exc:
            error = str(exc)
    if doc is None:  # a bad flag, or a file that cannot be used: read nothing more, touch nothing
        print(f"doppel: error: {error}", file=sys.stderr)
        return 2
    groups = list(doc.groups)
    sizes = {m.path: m.size for g in groups for m in g.members}
    bar = ProgressBar()
    try:
        report = run_apply(args, groups, doc.roots, Progress(bar), doc.raw_jpeg)
    except KeyboardInterrupt:
        bar.close()
        settled = recover()
        print(f"doppel: interrupted; {len(settled)} file(s) in flight were settled (see the log)", file=sys.stderr)
        return 130
    bar.close()
    print_report(args, report, sizes)
    return 1 if report.skipped else 0
