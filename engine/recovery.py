"""Finish or roll back what an interrupted action left half-way, from the intents the action log holds open.

The GUI calls :func:`recover` at start-up and the CLI before it acts; every action (Undo included) also
recovers first, under the same log lock. Each open intent is looked at on disk: a step that completed is
recorded as done (with where the file went, so Undo can bring it back), one that did not is rolled back
(temporary copies and links removed, a stray ``.trashinfo`` deleted), and a state that matches neither is
reported, never guessed at. Nothing here removes the only copy of a file's bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from engine import filemoves as fm
from engine.actionlog import ActionLog, ActionLogError, Record, default_log_path, open_intents, read_log
from engine.results import Outcome
from engine.trash import info_file, locate_trashed, remove_orphan_infos

Verdict = tuple[str, Record, str]  # (status for the closing line, fields it adds, what happened, for the user)


def recover_move(src: str, dest: str, tmp: str | None) -> Verdict:
    """A (possibly cross-device) move from ``src`` to ``dest`` via ``tmp`` that may have stopped anywhere."""
    s, d = os.path.lexists(src), os.path.lexists(dest)
    left = tmp if tmp and os.path.lexists(tmp) else None  # the temporary copy, when there is one on disk
    if left is not None and not s and not d:  # cannot happen in our order; if it does, the copy is the only one
        os.rename(left, dest)
        return "done", {"dest": dest}, f"moved to {dest} (finished from its temporary copy)"
    if left is not None:
        fm.remove_quietly(left)
    if d and not s:
        return "done", {"dest": dest}, f"moved to {dest} (finished)"
    if s and not d:
        return "rolled-back", {}, "not moved; it is where it was"
    if s and d:
        if not fm.same_bytes(src, dest):
            return "failed", {}, f"both it and {dest} exist and differ; both left as they are"
        try:
            os.unlink(src)
        except OSError:
            fm.remove_quietly(dest)
            return "rolled-back", {}, "not moved (its folder refuses removal); the copy was removed"
        return "done", {"dest": dest}, f"moved to {dest} (finished: the copy was complete)"
    return "failed", {}, f"neither it nor {dest} exists; something else removed it"


def _ident_matches(path: str, intent: Record) -> bool:
    ident = intent.get("ident")
    if not ident:
        return True
    st = os.lstat(path)
    return [st.st_dev, st.st_ino] == list(ident)


def _trashed(path: str, intent: Record) -> Record:
    where = locate_trashed(path, intent.get("ident"))
    return {"dest": where} if where else {}


def recover_trash(intent: Record) -> Verdict:
    path = intent["path"]
    if os.path.lexists(path) and _ident_matches(path, intent):
        remove_orphan_infos(path)
        return "rolled-back", {}, "not trashed; it is where it was"
    fields = _trashed(path, intent)
    if fields:
        return "done", fields, f"moved to the trash ({fields['dest']})"
    return "failed", {}, "is gone and was not found in the trash"


def recover_link(intent: Record) -> Verdict:
    path, target, tmp, kind = intent["path"], intent["target"], intent["tmp"], intent["action"]
    near = bool(intent.get("near"))
    if os.path.lexists(tmp):
        if near and not os.path.lexists(path):  # trashed, link made but not yet renamed into place
            os.rename(tmp, path)
            return "done", _trashed(path, intent), f"replaced by a link to {target} (finished)"
        fm.remove_quietly(tmp)
    if fm.links_to(path, target, kind):
        return "done", _trashed(path, intent) if near else {}, f"replaced by a link to {target}"
    if not os.path.lexists(path):
        fields = _trashed(path, intent) if near else {}
        if not fields:
            return "failed", {}, "is gone (neither the file nor a link is there)"
        fm.replace_with_link(path, target, tmp, kind, bool(intent.get("relative")))
        return "done", fields, f"replaced by a link to {target} (finished; the original is in the trash)"
    if near:
        remove_orphan_infos(path)
    return "rolled-back", {}, "not replaced; it is as it was"


def recover_undo(intent: Record) -> Verdict:
    action, path, tmp = intent["action"], intent["path"], intent["tmp"]
    if action in ("undo-move", "undo-trash"):
        verdict = recover_move(path, intent["dest"], tmp)
        if verdict[0] == "done" and action == "undo-trash":
            fm.remove_quietly(intent["info"])
        return verdict
    target, kind, trashed = intent["target"], intent["kind"], intent.get("trashed")
    if not intent.get("near"):
        fm.remove_quietly(tmp)
        if fm.links_to(path, target, kind):
            return "rolled-back", {}, f"still a link to {target}"
        return "done", {"dest": path}, "its own copy is back (finished)"
    if fm.links_to(path, target, kind):
        return "rolled-back", {}, f"still a link to {target}"
    if not isinstance(trashed, str) or not trashed:  # nothing to move back from: touch nothing, say where to look
        return "failed", {}, "its original's place in the trash is unknown; nothing touched, restore it from the trash"
    status, fields, message = recover_move(trashed, path, tmp)
    if status == "rolled-back":  # the link was removed, the original not yet back: bring it back now
        fm.move_file(trashed, path, tmp)
        status, fields, message = "done", {"dest": path}, "its original is back from the trash (finished)"
    if status == "done":
        fm.remove_quietly(info_file(trashed))
    return status, fields, message


RECOVER: dict[str, Callable[[Record], Verdict]] = {
    "trash": recover_trash,
    "move": lambda i: recover_move(i["path"], i["dest"], i.get("tmp")),
    "hardlink": recover_link,
    "symlink": recover_link,
    "undo-move": recover_undo,
    "undo-trash": recover_undo,
    "undo-link": recover_undo,
}


def recover_open(log: ActionLog) -> list[Outcome]:
    """Close every open intent in ``log`` (which the caller holds), with a line each; what was done to which file."""
    try:
        records = read_log(log.path)
    except OSError as exc:
        raise ActionLogError(f"the action log {log.path} cannot be read ({exc.strerror or exc})") from None
    outcomes = []
    for intent in open_intents(records):
        path = intent.get("path", "?")
        action = intent.get("action")
        handler = RECOVER.get(action) if isinstance(action, str) else None
        try:
            status, fields, message = handler(intent) if handler else ("failed", {}, "unknown action in the log")
        except (OSError, KeyError, TypeError) as exc:
            status, fields, message = "failed", {}, f"could not be finished or rolled back ({exc})"
        undoes = {"undoes": intent["undoes"]} if "undoes" in intent else {}
        closing = {"batch": intent["batch"], "n": intent["n"], "action": intent.get("action"), "path": path}
        log.write({**closing, "status": status, "recovered": True, "message": message, **fields, **undoes})
        outcomes.append(Outcome(path, status != "failed", f"{path}: {message}", dest=fields.get("dest"), record=None))
    if outcomes:
        log.sync()
    return outcomes


def recover(log_path: str | os.PathLike[str] | None = None) -> list[Outcome]:
    """Start-up: finish or roll back what a crash interrupted. Nothing (and no error) when the log is in use
    by a running action, or cannot be opened: the next action then recovers, or reports the log."""
    if not os.path.exists(log_path if log_path is not None else default_log_path()):
        return []  # nothing was ever done; do not create the log just to look at it
    try:
        with ActionLog.open(log_path) as log:
            return recover_open(log)
    except ActionLogError:
        return []
