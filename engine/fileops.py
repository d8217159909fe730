"""Acting on marked files: send to the system trash or move to a folder (with undo), safely.

Before touching a file its size and mtime_ns are compared with what the scan saw; a file that changed since is
skipped with a message, never removed. An action that would remove every member of a group is refused before
anything is touched, so the last copy always survives. Every action is appended to a JSON-lines log in the
user data directory. The trash function is a parameter so tests can replace ``send2trash`` with a recorder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.paths import data_dir
from engine.progress import NULL_PROGRESS, Progress
from engine.results import Group, Member, ScanResult

TrashFn = Callable[[str], None]
LOG_NAME = "actions.jsonl"


class LastCopyError(ValueError):
    """The marked files include every member of a group; nothing was touched."""


@dataclass(frozen=True)
class Outcome:
    path: str
    ok: bool
    message: str = ""
    dest: str | None = None  # where a moved file went


@dataclass
class ActionReport:
    action: str  # "trash" | "move" | "undo-move"
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def moves(self) -> list[tuple[str, str]]:
        """(original path, new path) of every file this action moved; what :func:`undo_moves` takes."""
        return [(o.path, o.dest) for o in self.done if o.dest]


def default_log_path() -> Path:
    return data_dir() / LOG_NAME


def default_trash(path: str) -> None:
    from send2trash import send2trash

    send2trash(path)


def check_last_copies(groups: Iterable[Group], marked: Iterable[str]) -> None:
    """Raise :class:`LastCopyError` when ``marked`` covers every member of some group."""
    marked = set(marked)
    for g in groups:
        if g.members and all(m.path in marked for m in g.members):
            raise LastCopyError(f"refusing to remove every copy in the group of {g.keeper}; unmark at least one")


def unchanged_reason(member: Member) -> str | None:
    """Why ``member`` must not be touched (vanished or changed since the scan), or None when it is safe."""
    try:
        st = os.stat(member.path)
    except FileNotFoundError:
        return "no longer exists"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if st.st_size != member.size or st.st_mtime_ns != member.mtime_ns:
        return "changed since the scan (size or modification time differ); not touched"
    return None


def _protected_reason(path: str, protected: Sequence[str]) -> str | None:
    for folder in protected:
        folder = os.path.join(os.path.abspath(folder), "")
        if os.path.abspath(path).startswith(folder):
            return f"is in the protected folder {folder.rstrip(os.sep)}"
    return None


def _log(entries: list[dict], log_path: str | os.PathLike | None) -> None:
    if not entries:
        return
    path = Path(log_path) if log_path is not None else default_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", errors="surrogateescape") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")


def _entry(action: str, o: Outcome) -> dict:
    e = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "action": action,
        "path": o.path,
        "status": "done" if o.ok else "skipped",
    }
    if o.dest:
        e["dest"] = o.dest
    if o.message:
        e["message"] = o.message
    return e


def _run(
    action: str,
    members: Sequence[Member],
    groups: Iterable[Group],
    protected: Sequence[str],
    log_path,
    progress: Progress,
    act: Callable[[Member], Outcome],
) -> ActionReport:
    check_last_copies(groups, (m.path for m in members))
    report = ActionReport(action)
    try:
        for n, m in enumerate(members):
            progress.report(action, n, len(members))
            reason = _protected_reason(m.path, protected) or unchanged_reason(m)
            if reason:
                report.outcomes.append(Outcome(m.path, False, f"{m.path} {reason}"))
                continue
            try:
                report.outcomes.append(act(m))
            except OSError as exc:
                report.outcomes.append(Outcome(m.path, False, f"{m.path}: {exc.strerror or exc}"))
        progress.report(action, len(members), len(members))
    finally:  # a cancelled action still logs what it did
        _log([_entry(action, o) for o in report.outcomes], log_path)
    return report


def trash_files(
    members: Sequence[Member],
    groups: Iterable[Group] = (),
    *,
    trash: TrashFn | None = None,
    protected: Sequence[str] = (),
    log_path: str | os.PathLike | None = None,
    progress: Progress = NULL_PROGRESS,
) -> ActionReport:
    """Send ``members`` to the system trash. ``groups`` are checked so no group loses its last member."""
    trash = trash or default_trash

    def act(m: Member) -> Outcome:
        trash(m.path)
        return Outcome(m.path, True)

    return _run("trash", members, groups, protected, log_path, progress, act)


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while target.exists() or target.is_symlink():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def move_files(
    members: Sequence[Member],
    dest_dir: str | os.PathLike,
    groups: Iterable[Group] = (),
    *,
    protected: Sequence[str] = (),
    log_path: str | os.PathLike | None = None,
    progress: Progress = NULL_PROGRESS,
) -> ActionReport:
    """Move ``members`` into ``dest_dir`` (names kept, ``name (1).jpg`` on a clash); undo with :func:`undo_moves`."""
    folder = Path(dest_dir)
    folder.mkdir(parents=True, exist_ok=True)

    def act(m: Member) -> Outcome:
        target = _free_name(folder, os.path.basename(m.path))
        shutil.move(m.path, target)
        return Outcome(m.path, True, dest=str(target))

    return _run("move", members, groups, protected, log_path, progress, act)


def undo_moves(moves: Sequence[tuple[str, str]], *, log_path: str | os.PathLike | None = None) -> ActionReport:
    """Move files back to where they were; a file whose original place is taken again is left where it is."""
    report = ActionReport("undo-move")
    for original, moved in moves:
        if not os.path.lexists(moved):
            report.outcomes.append(Outcome(moved, False, f"{moved} is no longer there"))
        elif os.path.lexists(original):
            report.outcomes.append(Outcome(moved, False, f"{original} exists again; {moved} left where it is"))
        else:
            try:
                os.makedirs(os.path.dirname(original), exist_ok=True)
                shutil.move(moved, original)
                report.outcomes.append(Outcome(moved, True, dest=original))
            except OSError as exc:
                report.outcomes.append(Outcome(moved, False, f"{moved}: {exc.strerror or exc}"))
    _log([_entry("undo-move", o) for o in report.outcomes], log_path)
    return report


def read_log(log_path: str | os.PathLike | None = None) -> list[dict]:
    path = Path(log_path) if log_path is not None else default_log_path()
    if not path.exists():
        return []
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        return [json.loads(line) for line in fh if line.strip()]


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
