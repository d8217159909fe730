"""Reading back the groups JSON that ``scan --groups-json`` writes, which a user may have edited (the keeper).

Every field a file action relies on is checked (paths, sizes, modification times, a keeper that is one of
its group's members), and a bad file is one :class:`GroupsFileError` that names the group and field, never a
traceback: ``apply`` must not act on a file it half understood.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from engine.results import Group, Member
from engine.settings import RAW_JPEG_RULES


class GroupsFileError(ValueError):
    """The groups file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class GroupsFile:
    groups: tuple[Group, ...]
    roots: tuple[str, ...]  # the scanned folders, when the file names them (scans from this version on)
    raw_jpeg: str = ""  # which of a RAW + camera JPEG pair stays (engine.settings.RAW_JPEG_RULES); "": not said


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GroupsFileError(f"{where} must be a whole number of at least 0, not {value!r}")
    return value


def _text(raw: dict[str, Any], key: str) -> str | None:
    """An optional text field: anything but a string (missing, null, a number) counts as not given."""
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _member(raw: object, where: str) -> Member:
    if not isinstance(raw, dict):
        raise GroupsFileError(f"{where} must be an object")
    path = raw.get("path")
    if not isinstance(path, str) or not os.path.isabs(path):
        raise GroupsFileError(f"{where}: path must be an absolute path, not {path!r}")
    size, mtime = _int(raw.get("size"), f"{where}: size"), _int(raw.get("mtime_ns"), f"{where}: mtime_ns")
    width, height = raw.get("width", 0), raw.get("height", 0)
    score = raw.get("score", 1.0)
    return Member(
        path=path,
        size=size,
        mtime_ns=mtime,
        width=width if isinstance(width, int) else 0,
        height=height if isinstance(height, int) else 0,
        score=float(score) if isinstance(score, (int, float)) else 1.0,
        capture_time=_text(raw, "capture_time"),
        camera=_text(raw, "camera"),
        exact_of=_text(raw, "exact_of"),
        fmt=_text(raw, "fmt") or "",
    )


def members_from(raw: object, where: str) -> tuple[Member, ...]:
    """A list of member objects, each checked as a group's members are (the app's ``ungrouped`` files)."""
    if not isinstance(raw, list):
        raise GroupsFileError(f"{where} must be a list of members")
    return tuple(_member(m, f"{where}, member {k}") for k, m in enumerate(raw, 1))


def _group(raw: object, n: int, seen: set[str]) -> Group:
    where = f"group {n}"
    if not isinstance(raw, dict) or not isinstance(raw.get("members"), list):
        raise GroupsFileError(f"{where} must be an object with a list of members")
    members = tuple(_member(m, f"{where}, member {k}") for k, m in enumerate(raw["members"], 1))
    paths = [m.path for m in members]
    for p in paths:
        if p in seen:
            raise GroupsFileError(f"{where}: {p} is listed twice (each file may be in one group only)")
        seen.add(p)
    keeper = raw.get("keeper")
    if not isinstance(keeper, str) or keeper not in paths:
        raise GroupsFileError(f"{where}: the keeper {keeper!r} is not one of the group's members")
    reference = _text(raw, "reference")
    if reference not in paths:
        reference = keeper
    return Group(members=members, reference=reference, keeper=keeper, exact=raw.get("exact") is True)


def load_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object in ``path``, with a list of groups (not yet checked); GroupsFileError when it is not one."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise GroupsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise GroupsFileError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise GroupsFileError(f"{path} has no list of groups (write one with `scan --groups-json`)")
    return doc


def read_groups(path: str | os.PathLike[str]) -> GroupsFile:
    return groups_from(load_document(path), path)


def groups_from(doc: dict[str, Any], path: str | os.PathLike[str]) -> GroupsFile:
    """The groups and roots of a document :func:`load_document` read, every field checked."""
    seen: set[str] = set()
    groups = tuple(_group(g, n, seen) for n, g in enumerate(doc["groups"], 1))
    roots = doc.get("roots", [])
    if not isinstance(roots, list) or not all(isinstance(r, str) and os.path.isabs(r) for r in roots):
        raise GroupsFileError(f"{path}: roots must be a list of absolute folder paths")
    raw_jpeg = doc.get("raw_jpeg")
    if raw_jpeg is not None and raw_jpeg not in RAW_JPEG_RULES:
        raise GroupsFileError(f"{path}: raw_jpeg must be one of {', '.join(RAW_JPEG_RULES)}, not {raw_jpeg!r}")
    return GroupsFile(groups, tuple(os.path.normpath(r) for r in roots), raw_jpeg or "")


def common_root(groups: tuple[Group, ...]) -> str:
    """The deepest folder above every member: where ``move`` keeps structure from when the file has no roots."""
    folders = [os.path.dirname(m.path) for g in groups for m in g.members]
    return os.path.commonpath(folders) if folders else os.sep
