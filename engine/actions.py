"""What each file action does to one file, in three steps the runner in :mod:`engine.fileops` journals.

``check`` says why an item must be left alone (None: go ahead), ``plan`` returns the intent: every path the
action may create or leave (destination, temporary name) and what recovery and Undo need later, and
``perform`` does it, returning what the done line adds. ``recheck`` runs again just before ``perform``.
Forward actions take scan :class:`~engine.results.Member` items; :class:`UndoOp` takes done records.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from engine import filemoves as fm
from engine.actionlog import Record
from engine.paths import inside_any
from engine.progress import Phase
from engine.results import Member
from engine.trash import info_file, send_to_trash

TrashFn = Callable[[str], "str | None"]
"""Sends a file to the trash; returns its place there when known (``send_to_trash`` does on Linux)."""
LINK_KINDS = ("hardlink", "symlink")
ItemT = TypeVar("ItemT", contravariant=True)


class FileOp(Protocol[ItemT]):
    """One file action as the runner in :mod:`engine.fileops` drives it; ``ItemT`` is what it is given to act on
    (a scan :class:`~engine.results.Member`, or a done record for Undo)."""

    @property
    def action(self) -> str: ...

    def path_of(self, item: ItemT) -> str: ...

    def check(self, item: ItemT) -> str | None: ...

    def recheck(self, intent: Record) -> str | None: ...

    def plan(self, item: ItemT, tag: str) -> Record: ...

    def perform(self, intent: Record) -> Record: ...

    def describe(self, intent: Record) -> str: ...


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


def _scan_fields(m: Member) -> Record:
    st = os.lstat(m.path)
    return {"path": m.path, "size": m.size, "mtime_ns": m.mtime_ns, "mode": st.st_mode, "ident": [st.st_dev, st.st_ino]}


class MemberOp:
    """Base of the forward actions: the item is a scan member, re-checked just before it is touched."""

    action = ""

    def path_of(self, m: Member) -> str:
        return m.path

    def check(self, m: Member) -> str | None:
        return None

    def recheck(self, intent: Record) -> str | None:
        return unchanged_reason(Member(intent["path"], intent["size"], intent["mtime_ns"], 0, 0, 0.0))


class TrashOp(MemberOp):
    action = Phase.TRASH

    def __init__(self, trash: TrashFn | None = None) -> None:
        self.trash = trash or send_to_trash

    def plan(self, m: Member, tag: str) -> Record:
        return _scan_fields(m)

    def perform(self, intent: Record) -> Record:
        dest = self.trash(intent["path"])
        return {"dest": dest} if isinstance(dest, str) else {}

    def describe(self, intent: Record) -> str:
        return "would go to the trash"


class MoveOp(MemberOp):
    """Into ``dest_dir``: flat (names kept, ``name (1).jpg`` on a clash), or below the scanned root when ``roots``."""

    action = Phase.MOVE

    def __init__(self, dest_dir: str, roots: Sequence[str] | None = None) -> None:
        self.dest_dir = os.path.abspath(dest_dir)
        self.roots = sorted((os.path.abspath(r) for r in roots or ()), key=len, reverse=True)
        self.keep_tree = roots is not None
        self.taken: set[str] = set()

    def relative_place(self, path: str) -> str:
        root = inside_any(path, self.roots) if self.keep_tree else None  # the deepest root first
        return os.path.relpath(path, root) if root is not None else os.path.basename(path)

    def plan(self, m: Member, tag: str) -> Record:
        dest = fm.free_name(os.path.join(self.dest_dir, self.relative_place(m.path)), self.taken)
        self.taken.add(dest)
        return {**_scan_fields(m), "dest": dest, "tmp": fm.temp_name(os.path.dirname(dest), tag)}

    def perform(self, intent: Record) -> Record:
        copied = fm.move_file(intent["path"], intent["dest"], intent["tmp"])
        return {"dest": intent["dest"], "copied": copied}

    def describe(self, intent: Record) -> str:
        return f"would move to {intent['dest']}"


class LinkOp(MemberOp):
    """Replace each member by a hard or symbolic link to the copy that stays in its group (``targets``).

    Only byte-identical copies by default: a near-duplicate has pixels of its own that a link would lose. With
    ``include_near`` such a file first goes to the trash (its bytes stay there, Undo brings them back).
    """

    def __init__(
        self,
        kind: str,
        targets: Mapping[str, Member],
        relative: bool = False,
        include_near: bool = False,
        trash: TrashFn | None = None,
    ) -> None:
        if kind not in LINK_KINDS:
            raise ValueError(f"unknown link kind {kind!r}")
        self.action, self.targets, self.relative = kind, targets, relative
        self.include_near, self.trash = include_near, trash or send_to_trash
        self.near: set[str] = set()

    def check(self, m: Member) -> str | None:
        t = self.targets.get(m.path)
        if t is None:
            return "has no copy that stays in its group to link to"
        why = unchanged_reason(t)
        if why:
            return f"not replaced: the copy it would link to, {t.path}, {why}"
        if fm.links_to(m.path, t.path, self.action):
            return f"is already a link to {t.path}"
        if self.action == "hardlink" and os.stat(m.path).st_dev != os.stat(t.path).st_dev:
            return f"is on another file system than {t.path}; a hard link cannot cross file systems"
        if not fm.same_bytes(m.path, t.path):
            if not self.include_near:
                return (
                    f"differs from {t.path} (a near-duplicate, not a byte copy): a link would lose its own "
                    "pixels, so it was not replaced"
                )
            self.near.add(m.path)
        return None

    def recheck(self, intent: Record) -> str | None:
        target = Member(intent["target"], intent["target_size"], intent["target_mtime_ns"], 0, 0, 0.0)
        why = super().recheck(intent)
        return why or (f"not replaced: {target.path} {unchanged_reason(target)}" if unchanged_reason(target) else None)

    def plan(self, m: Member, tag: str) -> Record:
        t = self.targets[m.path]
        return {
            **_scan_fields(m),
            "target": t.path,
            "target_size": t.size,
            "target_mtime_ns": t.mtime_ns,
            "tmp": fm.temp_name(os.path.dirname(m.path), tag),
            "relative": self.relative,
            "near": m.path in self.near,
        }

    def perform(self, intent: Record) -> Record:
        path, tmp = intent["path"], intent["tmp"]
        dest = self.trash(path) if intent["near"] else None
        try:
            fm.replace_with_link(path, intent["target"], tmp, self.action, intent["relative"])
        except OSError:
            if isinstance(dest, str):  # the original is in the trash: put it back rather than leave a hole
                fm.move_file(dest, path, tmp)
                fm.remove_quietly(info_file(dest))
            raise
        return {"dest": dest} if isinstance(dest, str) else {}

    def describe(self, intent: Record) -> str:
        kind = "a hard link" if self.action == "hardlink" else "a symbolic link"
        near = "; it differs from it, so the original goes to the trash first" if intent["near"] else ""
        return f"would become {kind} to {intent['target']}{near}"


class UndoOp:
    """Puts back what done records (from a report or the log) say was moved, trashed or replaced by a link."""

    action = "undo"

    def path_of(self, rec: Record) -> str:
        where = rec.get("dest") if rec.get("action") in ("move", "trash") else None
        return str(where or rec.get("path", "?"))

    def check(self, rec: Record) -> str | None:
        action, original, where = rec["action"], rec["path"], rec.get("dest")
        if action == "trash" and not where:
            return "went to the system trash; restore it from there (its place in the trash is not known)"
        if action in ("move", "trash"):
            if not isinstance(where, str) or not where:
                return "has no record of where it was moved to; left as it is"
            if not os.path.lexists(where):
                return f"is no longer at {where}"
            if os.path.lexists(original):
                return f"exists again; {where} left where it is"
            return _same_as_recorded(where, rec)
        if not fm.links_to(original, rec["target"], action):
            return "is no longer the link Doppel made; left as it is"
        if rec.get("near"):
            in_trash = isinstance(where, str) and os.path.lexists(where)
            return None if in_trash else "its original is no longer in the trash"
        target = Member(rec["target"], rec["target_size"], rec["target_mtime_ns"], 0, 0, 0.0)
        why = unchanged_reason(target)
        return f"cannot get its bytes back: {target.path} {why}" if why else None

    def recheck(self, intent: Record) -> str | None:
        return None

    def plan(self, rec: Record, tag: str) -> Record:
        undoes = {"undoes": [rec["batch"], rec["n"]]} if "batch" in rec and "n" in rec else {}
        original, where = rec["path"], rec.get("dest")
        tmp = fm.temp_name(os.path.dirname(original), tag)
        if rec["action"] in ("move", "trash"):
            if not isinstance(where, str):  # check() turned such a record away; never plan a move to nowhere
                raise ValueError(f"the record of {original} does not say where it went")
            info = {"info": info_file(where)} if rec["action"] == "trash" else {}
            return {"action": f"undo-{rec['action']}", "path": where, "dest": original, "tmp": tmp, **info, **undoes}
        keep = ("target", "mtime_ns", "mode", "near")
        return {
            "action": "undo-link",
            "kind": rec["action"],
            "path": original,
            "trashed": where,
            "tmp": tmp,
            **{k: rec.get(k) for k in keep},
            **undoes,
        }

    def perform(self, intent: Record) -> Record:
        action, path, tmp = intent["action"], intent["path"], intent["tmp"]
        if action in ("undo-move", "undo-trash"):
            fm.move_file(path, intent["dest"], tmp)
            if action == "undo-trash":
                fm.remove_quietly(intent["info"])
            return {"dest": intent["dest"]}
        if intent["near"]:
            os.unlink(path)  # the link; a crash here is finished by recovery from the intent
            fm.move_file(intent["trashed"], path, tmp)
            fm.remove_quietly(info_file(intent["trashed"]))
        else:
            fm.replace_with_copy(path, intent["target"], tmp, intent["mtime_ns"], intent["mode"])
        return {"dest": path}

    def describe(self, intent: Record) -> str:
        return f"would be put back at {intent.get('dest', intent['path'])}"


def _same_as_recorded(path: str, rec: Record) -> str | None:
    if "size" not in rec or "mtime_ns" not in rec:
        return None
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot be read at {path} ({exc.strerror or exc})"
    if (st.st_size, st.st_mtime_ns) != (rec["size"], rec["mtime_ns"]):
        return f"changed at {path} since it was put there; left where it is"
    return None
