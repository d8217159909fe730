"""Marking members for removal: auto-mark by a keep rule, and marking by hand, with one state per member.

Every member is in exactly one state: the group's keeper ("keep"), marked, or neither. The keeper is never
marked, so no group ever has every member marked; marking the keeper by hand hands the keeper role to another
member, and auto-mark returns the groups with the keeper its rule chose. Protected folders are never marked.
Auto-mark only marks a member that is a sure duplicate of the keeper (``Group.sure_threshold``); a group with a
member below that level is flagged uncertain for review instead. The GUI and the file operations rely on this.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from engine.keeper import pick_keeper
from engine.paths import inside_any
from engine.results import Group, Member
from engine.settings import DEFAULT_KEEP_RULES, DEFAULT_RAW_JPEG
from engine.twins import kept_by_rule, with_twin_keeper

MARK_RULES: dict[str, str] = {
    "suggested": "the suggested keeper",
    "resolution": "the highest resolution",
    "size": "the largest file",
    "oldest": "the oldest",
    "newest": "the newest",
    "preferred": "one in a preferred folder",
}
"""Rule name -> what it keeps, for menus ("Keep the highest resolution")."""

KEEP = "keep"
MARKED = "marked"
UNMARKED = ""


class MarkRefused(ValueError):
    """A mark that would break a rule (protected folder, last unmarked member); the message says which."""


@dataclass(frozen=True)
class MarkPlan:
    """What auto-mark decided. Show ``groups`` (keepers as the rule chose them) with ``marked``."""

    groups: tuple[Group, ...]  # the groups given, each with its keeper set to the member the rule keeps
    marked: frozenset[str]  # never a keeper, never protected, never below the sure level against the keeper
    uncertain: frozenset[str]  # references of groups with a member left unmarked because it is not a sure duplicate


def in_folders(path: str, folders: Iterable[str]) -> bool:
    return inside_any(path, folders) is not None


def member_state(group: Group, marked: Collection[str], path: str) -> str:
    """KEEP, MARKED or UNMARKED: the one state the tree and the cards show for ``path``."""
    if path == group.keeper:
        return KEEP
    return MARKED if path in marked else UNMARKED


def _age_key(members: Sequence[Member]) -> Callable[[Member], tuple[object, ...]]:
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


def plan_marks(
    groups: Iterable[Group],
    rule: str,
    preferred_folders: Sequence[str] = (),
    protected: Sequence[str] = (),
    raw_jpeg: str = DEFAULT_RAW_JPEG,
) -> MarkPlan:
    """Keep one member per group by ``rule`` and mark the others that are sure duplicates of it.

    A member is marked only when its score against the kept member is at least the group's sure level; an
    unmeasured score is not sure. Groups where that left a member unmarked are listed in ``uncertain``. Of a
    camera RAW and its JPEG, ``raw_jpeg`` says which stays (engine.twins): that one is never marked, and when the
    rule keeps the other, the kept one hands the role to it.
    """
    out: list[Group] = []
    marked: set[str] = set()
    uncertain: set[str] = set()
    for g in groups:
        keeper = choose_keeper(g, rule, preferred_folders)
        if keeper != g.keeper:
            g = replace(g, keeper=keeper)
        g = with_twin_keeper(g, raw_jpeg)
        keeper, twins = g.keeper, kept_by_rule(g, raw_jpeg)
        unsure = set(g.unsure_members())
        if unsure:
            uncertain.add(g.reference)
        marked |= {
            m.path
            for m in g.members
            if m.path != keeper and m.path not in unsure and m.path not in twins and not in_folders(m.path, protected)
        }
        out.append(g)
    return MarkPlan(tuple(out), frozenset(marked), frozenset(uncertain))


def auto_mark(
    groups: Iterable[Group],
    rule: str,
    preferred_folders: Sequence[str] = (),
    protected: Sequence[str] = (),
    raw_jpeg: str = DEFAULT_RAW_JPEG,
) -> set[str]:
    """The paths :func:`plan_marks` marks (use plan_marks to also get the keepers and the uncertain groups)."""
    return set(plan_marks(groups, rule, preferred_folders, protected, raw_jpeg).marked)


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


def set_mark(
    group: Group,
    marked: Iterable[str],
    path: str,
    on: bool,
    protected: Sequence[str] = (),
    keep_rules: Sequence[str] = DEFAULT_KEEP_RULES,
    preferred_folders: Sequence[str] = (),
) -> tuple[Group, frozenset[str]]:
    """Mark (``on``) or unmark ``path``; returns the group and the marks, still one state per member.

    Marking the keeper makes the best unmarked other member (by the keep rules) the keeper. Raises MarkRefused
    with the reason when the mark is not allowed (see :func:`can_mark`).
    """
    marks = set(marked)
    if not on:
        return group, frozenset(marks - {path})
    reason = can_mark(group, marks, path, protected)
    if reason:
        raise MarkRefused(f"{os.path.basename(path)} cannot be marked: {reason}")
    if path == group.keeper:
        others = [m for m in group.members if m.path != path and m.path not in marks]
        group = replace(group, keeper=pick_keeper(others, keep_rules, preferred_folders))
    return group, frozenset(marks | {path})


def set_keeper(group: Group, marked: Iterable[str], path: str) -> tuple[Group, frozenset[str]]:
    """Keep ``path`` instead of the current keeper; it loses its mark (the old keeper stays unmarked)."""
    if path not in {m.path for m in group.members}:
        raise ValueError(f"{path} is not in this group")
    return replace(group, keeper=path), frozenset(set(marked) - {path})


def settle(
    groups: Iterable[Group],
    marked: Iterable[str],
    kept: Collection[str] = (),
    protected: Sequence[str] = (),
    keep_rules: Sequence[str] = DEFAULT_KEEP_RULES,
    preferred_folders: Sequence[str] = (),
) -> tuple[list[Group], frozenset[str]]:
    """Groups and marks with one state per member again, after the groups were re-formed or the marks replaced.

    Marks stay only on grouped, unprotected files. Each group gets an unmarked keeper: a member in ``kept``
    (the keepers chosen before: by a rule, or by hand) if one is unmarked, else its own keeper if unmarked, else
    the best unmarked member by the keep rules; if every member was marked, its keeper loses the mark.
    """
    marks = set(marked)
    out: list[Group] = []
    valid: set[str] = set()
    for g in groups:
        ms = {m.path for m in g.members if m.path in marks and not in_folders(m.path, protected)}
        keeper = next((m.path for m in g.members if m.path in kept and m.path not in ms), None)
        if keeper is None:
            rest = [m for m in g.members if m.path not in ms]
            keeper = g.keeper if g.keeper not in ms or not rest else pick_keeper(rest, keep_rules, preferred_folders)
        ms.discard(keeper)
        out.append(g if keeper == g.keeper else replace(g, keeper=keeper))
        valid |= ms
    return out, frozenset(valid)
