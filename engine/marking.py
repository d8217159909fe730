"""Auto-marking: which members of each group to mark for removal, by a keep rule.

Protected folders are never marked, and no group ever has every member marked: the GUI and the file
operations both rely on that.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from engine.results import Group, Member

MARK_RULES: dict[str, str] = {
    "suggested": "the suggested keeper",
    "resolution": "the highest resolution",
    "size": "the largest file",
    "oldest": "the oldest",
    "newest": "the newest",
    "preferred": "one in a preferred folder",
}
"""Rule name -> what it keeps, for menus ("Keep the highest resolution")."""


def in_folders(path: str, folders: Iterable[str]) -> bool:
    p = os.path.abspath(path)
    return any(p.startswith(os.path.join(os.path.abspath(f), "")) for f in folders)


def _age_key(members: Sequence[Member]):
    """Capture time when every member has one (ISO 8601 sorts as text), else the file modification time."""
    if all(m.capture_time for m in members):
        return lambda m: (m.capture_time, m.mtime_ns)
    return lambda m: (m.mtime_ns,)


def choose_keeper(group: Group, rule: str, preferred_folders: Sequence[str] = ()) -> str:
    """The member ``rule`` keeps; ties fall back to the group's suggested keeper, then to the path."""
    if rule not in MARK_RULES:
        raise ValueError(f"unknown rule {rule!r} (choose from {', '.join(MARK_RULES)})")
    members = sorted(group.members, key=lambda m: (m.path != group.keeper, m.path))  # tie order; min is stable
    age = _age_key(members)
    if rule == "resolution":
        best = min(members, key=lambda m: (-(m.width * m.height), -m.size))
    elif rule == "size":
        best = min(members, key=lambda m: (-m.size, -(m.width * m.height)))
    elif rule == "oldest":
        best = min(members, key=age)
    elif rule == "newest":
        best = max(members, key=age)  # max keeps the first of equal maxima, like min
    elif rule == "preferred":
        best = min(members, key=lambda m: not in_folders(m.path, preferred_folders))
    else:
        best = members[0]
    return best.path


def auto_mark(
    groups: Iterable[Group], rule: str, preferred_folders: Sequence[str] = (), protected: Sequence[str] = ()
) -> set[str]:
    """Paths to mark: every member but the keeper, skipping protected files; never a whole group."""
    marked: set[str] = set()
    for g in groups:
        keeper = choose_keeper(g, rule, preferred_folders)
        marks = {m.path for m in g.members if m.path != keeper and not in_folders(m.path, protected)}
        if len(marks) < len(g.members):
            marked |= marks
    return marked


def can_mark(group: Group, marked: set[str], path: str, protected: Sequence[str] = ()) -> str | None:
    """Why ``path`` cannot be marked in ``group`` (protected, or it is the last unmarked member), else None."""
    if in_folders(path, protected):
        return "it is in a protected folder"
    others = [m.path for m in group.members if m.path != path]
    if others and all(p in marked for p in others):
        return "every other copy in its group is already marked; one must stay"
    if not others:
        return "it is the only file in its group"
    return None
