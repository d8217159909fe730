"""Acting on marked files: trash, move, replace by hard or symbolic links, and Undo; safely, with a journal.

Safety, in the order it is checked: a group whose every member is marked is refused before anything is touched
(:class:`LastCopyError`); a group none of whose unmarked members still matches the scan (gone, or changed size
or mtime) has its marked files skipped, so the last copy outside the trash always survives; protected folders
are never touched; each file is re-checked against the scan just before it is touched. Every step is
journalled write-ahead in the action log (:mod:`engine.actionlog`); an action that cannot open its log touches
nothing and says so per file. The steps themselves are in :mod:`engine.actions`, the crash recovery every
action runs first in :mod:`engine.recovery`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from engine.actionlog import ActionLog, ActionLogError, Record, default_log_path, done_records, new_batch_id, read_log
from engine.actions import FileOp, LinkOp, MoveOp, TrashFn, TrashOp, UndoOp, unchanged_reason
from engine.paths import inside_any
from engine.progress import NULL_PROGRESS, Cancelled, Progress
from engine.recovery import recover, recover_open
from engine.results import ActionReport, Group, Member, Outcome, ScanResult

__all__ = [
    "ActionReport",
    "byte_copies",
    "LastCopyError",
    "Outcome",
    "TrashFn",
    "default_log_path",
    "link_files",
    "move_files",
    "read_log",
    "recover",
    "trash_files",
    "unchanged_reason",
    "undo",
    "undo_last",
    "undo_moves",
    "without_paths",
]
BATCH = 256  # intents fsynced together: one fsync per batch, not per file (an fsync costs ~5 ms on a disk)
LogPath = str | os.PathLike[str] | None
T = TypeVar("T")  # what an action is given: scan members, or done records for Undo
Precheck = Callable[[Sequence[T]], Mapping[str, str]]  # per batch: path -> why it must be left alone


class LastCopyError(ValueError):
    """The marked files include every member of a group; nothing was touched."""


def check_last_copies(groups: Iterable[Group], marked: Iterable[str]) -> None:
    """Raise :class:`LastCopyError` when ``marked`` covers every member of some group."""
    marked = set(marked)
    for g in groups:
        if g.members and all(m.path in marked for m in g.members):
            raise LastCopyError(f"refusing to remove every copy in the group of {g.keeper}; unmark at least one")


def _protected_reason(path: str, protected: Sequence[str]) -> str | None:
    folder = inside_any(path, protected)
    return None if folder is None else f"is in the protected folder {os.path.abspath(folder)}"


def stayers_reasons(
    groups: Sequence[Group], acted: Iterable[str], batch: Iterable[str] | None = None
) -> dict[str, str]:
    """path -> why it must be skipped, for members of ``batch`` (default: all ``acted``) in a group none of whose
    members outside ``acted`` still matches the scan, and for members of no group (nothing to check against)."""
    acted = acted if isinstance(acted, (set, frozenset)) else set(acted)  # no copy per batch
    batch = acted if batch is None else set(batch)
    group_of = {m.path: g for g in groups for m in g.members if m.path in batch}
    reasons: dict[str, str] = {}
    seen: set[int] = set()
    for g in group_of.values():
        if id(g) in seen:
            continue
        seen.add(id(g))
        mine = [m.path for m in g.members if m.path in batch]
        stay = [m for m in g.members if m.path not in acted]
        why = [unchanged_reason(m) for m in stay]
        if stay and all(why):
            first = f"{stay[0].path} {why[0]}" + (f" (and {len(stay) - 1} more)" if len(stay) > 1 else "")
            for p in mine:
                reasons[p] = f"not touched: no copy that stays in its group still matches the scan ({first})"
    for p in batch - set(group_of):
        reasons[p] = "not touched: it is in none of the groups given, so its last-copy rule cannot be checked"
    return reasons


def _member_precheck(groups: Sequence[Group], members: Sequence[Member], protected: Sequence[str]) -> Precheck[Member]:
    """Per batch: the last-copy rule against everything the action touches, protected folders, the scan."""
    acted = {m.path for m in members}
    group_of = {m.path: g for g in groups for m in g.members}  # once: a batch looks up only its own groups

    def precheck(batch: Sequence[Member]) -> dict[str, str]:
        paths = [m.path for m in batch]
        mine = list({id(group_of[p]): group_of[p] for p in paths if p in group_of}.values())
        reasons = stayers_reasons(mine, acted, paths)
        for m in batch:
            why = reasons.get(m.path) or _protected_reason(m.path, protected) or unchanged_reason(m)
            if why:
                reasons[m.path] = why
        return reasons

    return precheck


def _act(
    op: FileOp[T],
    items: Sequence[T],
    precheck: Precheck[T],
    log_path: LogPath,
    progress: Progress,
    dry_run: bool = False,
) -> ActionReport:
    """Check, journal and perform ``op`` on ``items`` batch by batch; every item ends with one outcome."""
    report = ActionReport(op.action, dry_run=dry_run)
    log = None
    if not dry_run:
        try:
            log = ActionLog.open(log_path)
            report.recovered = recover_open(log)
        except ActionLogError as exc:
            if log is not None:
                log.close()
            report.outcomes = [Outcome(op.path_of(i), False, f"{op.path_of(i)} not touched: {exc}") for i in items]
            return report
    try:
        batch_id = new_batch_id()
        for start in range(0, len(items), BATCH):
            _act_batch(op, items[start : start + BATCH], start, batch_id, precheck, log, report, progress, len(items))
        progress.report(op.action, len(items), len(items))
    except ActionLogError as exc:
        seen = {o.path for o in report.outcomes}
        report.outcomes += [
            Outcome(p, False, f"{p} not touched: {exc}") for p in map(op.path_of, items) if p not in seen
        ]
    finally:
        if log is not None:
            log.close()
    return report


def _plan(op: FileOp[T], item: T, why: str | None, tag: str) -> Record | str:
    """The intent's fields for ``item``, or why it is left alone (``why``: the batch's precheck said so)."""
    try:
        why = why or op.check(item)
        return why if why else op.plan(item, tag)
    except OSError as exc:  # it vanished or became unreadable between two looks
        return f"cannot be read ({exc.strerror or exc}); not touched"
    except (KeyError, TypeError, ValueError):  # a record from an older or damaged log
        return "has an incomplete record in the action log; not touched"


def _act_batch(
    op: FileOp[T],
    batch: Sequence[T],
    start: int,
    batch_id: str,
    precheck: Precheck[T],
    log: ActionLog | None,
    report: ActionReport,
    progress: Progress,
    total: int,
) -> None:
    reasons = precheck(batch)
    planned: list[Record] = []
    for n, item in enumerate(batch, start):
        path = op.path_of(item)
        plan = _plan(op, item, reasons.get(path), f"{batch_id}-{n}")
        if isinstance(plan, str):
            why = plan
            report.outcomes.append(Outcome(path, False, f"{path} {why}"))
            if log is not None:
                skipped = {"batch": batch_id, "n": n, "action": op.action, "status": "skipped", "path": path}
                log.write({**skipped, "message": why})
            continue
        intent = {"batch": batch_id, "n": n, "action": op.action, "status": "intent", **plan}
        if log is None:  # dry run
            report.outcomes.append(Outcome(path, True, f"{path} {op.describe(intent)}", intent.get("dest"), intent))
        else:
            log.write(intent)
            planned.append(intent)
    if log is None:
        return
    log.sync()  # the intents are durable before any file of the batch is touched
    for k, intent in enumerate(planned):
        try:
            progress.report(op.action, len(report.outcomes), total)
        except Cancelled:
            for rest in planned[k:]:
                log.write({**_closing(rest), "status": "rolled-back", "message": "cancelled before it was touched"})
            raise
        outcome, log_error = _perform(op, intent, log)
        report.outcomes.append(outcome)
        if log_error is not None:
            raise log_error


def _closing(intent: Record) -> Record:
    undoes = {"undoes": intent["undoes"]} if "undoes" in intent else {}
    return {"batch": intent["batch"], "n": intent["n"], "action": intent["action"], "path": intent["path"], **undoes}


def _perform(op: FileOp[T], intent: Record, log: ActionLog) -> tuple[Outcome, ActionLogError | None]:
    """Do one planned step; a done line the log refuses still reports the file as done (it was), then stops."""
    path = intent["path"]
    why = op.recheck(intent)
    try:
        if why:
            raise OSError(why)
        fields = op.perform(intent)
    except OSError as exc:
        message = why or f"not touched: {exc.strerror or exc}"
        log.write({**_closing(intent), "status": "failed", "message": message})
        return Outcome(path, False, f"{path} {message}"), None
    done = {**_closing(intent), "status": "done", **fields}
    record = {**intent, **done} if op.action != "undo" else None
    try:
        log.write(done)
    except ActionLogError as exc:
        note = f"{path}: done, but {exc}; the next start records it from its intent"
        return Outcome(path, True, note, fields.get("dest"), record), exc
    return Outcome(path, True, dest=fields.get("dest"), record=record), None


def trash_files(
    members: Sequence[Member],
    groups: Sequence[Group],
    *,
    trash: TrashFn | None = None,
    protected: Sequence[str] = (),
    log_path: LogPath = None,
    progress: Progress = NULL_PROGRESS,
    dry_run: bool = False,
) -> ActionReport:
    """Send ``members`` to the system trash; ``groups`` (required) guard the last copy of each."""
    check_last_copies(groups, (m.path for m in members))
    return _act(
        TrashOp(trash), list(members), _member_precheck(groups, members, protected), log_path, progress, dry_run
    )


def move_files(
    members: Sequence[Member],
    dest_dir: str | os.PathLike[str],
    groups: Sequence[Group],
    *,
    roots: Sequence[str] | None = None,
    protected: Sequence[str] = (),
    log_path: LogPath = None,
    progress: Progress = NULL_PROGRESS,
    dry_run: bool = False,
) -> ActionReport:
    """Move ``members`` into ``dest_dir``, never overwriting (``name (1).jpg`` on a clash).

    Without ``roots`` the files land side by side; with them each keeps its path below the root it was scanned
    under (a file under none of them lands at the top).
    """
    check_last_copies(groups, (m.path for m in members))
    op = MoveOp(os.fspath(dest_dir), roots)
    return _act(op, list(members), _member_precheck(groups, members, protected), log_path, progress, dry_run)


def link_targets(groups: Sequence[Group], acted: Iterable[str]) -> dict[str, Member]:
    """For each acted-on member, the copy its link will point to: the keeper, or (if the keeper is acted on
    too) the first other member that stays and still matches the scan."""
    acted = set(acted)
    targets: dict[str, Member] = {}
    for g in groups:
        stay = [m for m in g.members if m.path not in acted]
        stay.sort(key=lambda m: (m.path != g.keeper, unchanged_reason(m) is not None))
        if stay:
            targets.update({m.path: stay[0] for m in g.members if m.path in acted})
    return targets


def byte_copies(groups: Sequence[Group], marked: Iterable[str]) -> set[str]:
    """The marked paths the scan found byte-identical to the copy their link would point to: what a link action
    will replace (it compares the bytes again before it does; a confirmation uses this to warn about the rest)."""
    marked = set(marked)
    targets = link_targets(groups, marked)
    found = set()
    for g in groups:
        rep = {m.path: m.exact_of or m.path for m in g.members}
        for m in g.members:
            t = targets.get(m.path)
            if m.path in marked and t is not None and (g.exact or rep[m.path] == rep[t.path]):
                found.add(m.path)
    return found


def link_files(
    members: Sequence[Member],
    groups: Sequence[Group],
    *,
    kind: str = "hardlink",
    relative: bool = False,
    include_near: bool = False,
    trash: TrashFn | None = None,
    protected: Sequence[str] = (),
    log_path: LogPath = None,
    progress: Progress = NULL_PROGRESS,
    dry_run: bool = False,
) -> ActionReport:
    """Replace each of ``members`` by a ``kind`` ("hardlink" | "symlink") link to the copy that stays in its group.

    Byte-identical copies only, unless ``include_near``: then a file that differs goes to the trash first.
    """
    check_last_copies(groups, (m.path for m in members))
    op = LinkOp(kind, link_targets(groups, (m.path for m in members)), relative, include_near, trash)
    return _act(op, list(members), _member_precheck(groups, members, protected), log_path, progress, dry_run)


def undo(
    records: Iterable[Mapping[str, Any]], *, log_path: LogPath = None, progress: Progress = NULL_PROGRESS
) -> ActionReport:
    """Put back what done records say was moved, trashed (to a known place) or replaced by a link.

    Takes ``ActionReport.undoable`` or records from the log (:func:`undo_last`). A file whose old place is taken
    again, or that changed where it went, is left where it is, with a message.
    """
    items = [dict(r) for r in records]
    return _act(UndoOp(), items, lambda _batch: {}, log_path, progress)


def undo_last(*, log_path: LogPath = None, progress: Progress = NULL_PROGRESS) -> ActionReport:
    """Undo the latest action in the log that has something left to undo (after recovering, so a crashed
    action's finished files count)."""
    settled = recover(log_path)
    report = undo(done_records(read_log(log_path)), log_path=log_path, progress=progress)
    report.recovered[:0] = settled
    return report


def undo_moves(moves: Sequence[tuple[str, str]], *, log_path: LogPath = None) -> ActionReport:
    """Move files back to where they were; a file whose original place is taken again is left where it is."""
    report = undo(({"action": "move", "path": a, "dest": b} for a, b in moves), log_path=log_path)
    report.action = "undo-move"
    return report


def without_paths(result: ScanResult, paths: Iterable[str]) -> ScanResult:
    """``result`` as if ``paths`` had never been scanned (after they went to the trash or were moved away).

    Groups are left for :func:`engine.scan.regroup` to re-form; a byte copy whose representative went becomes
    the representative of the copies that are left.
    """
    gone = set(paths)
    if not gone:
        return result
    catalog = {p: m for p, m in result.catalog.items() if p not in gone}
    new_rep: dict[str, str] = {}
    for p, m in sorted(catalog.items()):
        if m.exact_of in gone:
            new_rep.setdefault(m.exact_of, p)
    for p, m in list(catalog.items()):
        if m.exact_of in new_rep:
            rep = new_rep[m.exact_of]
            catalog[p] = replace(m, exact_of=None if p == rep else rep)
    pairs = tuple(p for p in result.pairs if p.a not in gone and p.b not in gone)
    groups = tuple(g for g in result.groups if not any(m.path in gone for m in g.members))
    return replace(result, catalog=catalog, pairs=pairs, groups=groups)
